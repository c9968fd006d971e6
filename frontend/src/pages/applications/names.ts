/** Bilingual names of the records an application refers to, in the current language. */
import type { BatchRead, BatchRef, OrganizationRef } from '@/api'

export function batchTitle(batch: BatchRef | BatchRead, locale: string): string {
  return locale === 'en' && batch.title_en ? batch.title_en : batch.title_zh
}

export function organizationName(org: Pick<OrganizationRef, 'name_zh' | 'name_en'>, locale: string): string {
  return locale === 'en' && org.name_en ? org.name_en : org.name_zh
}

export function productName(
  app: { product_name_zh: string; product_name_en: string | null },
  locale: string,
): string {
  return locale === 'en' && app.product_name_en ? app.product_name_en : app.product_name_zh
}
