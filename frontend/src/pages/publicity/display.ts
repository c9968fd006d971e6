/** Bilingual values of the public notice, shown in the current language (Chinese as fallback). */
import type { Term } from '@/api'

export function inLocale(zh: string, en: string | null | undefined, locale: string): string {
  return locale === 'en' && en ? en : zh
}

/** The other language's value when it differs, for a secondary line; null otherwise. */
export function otherLocale(zh: string, en: string | null | undefined, locale: string): string | null {
  if (!en || en === zh) return null
  return locale === 'en' ? zh : en
}

export function termName(term: Term | null | undefined, locale: string): string {
  if (!term) return ''
  return locale === 'en' ? term.name_en : term.name_zh
}

export function batchTitle(batch: { title_zh: string; title_en: string | null }, locale: string): string {
  return inLocale(batch.title_zh, batch.title_en, locale)
}
