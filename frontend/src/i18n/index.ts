import { createI18n } from 'vue-i18n'

import zhCN, { type MessageSchema } from './zh-CN'

export const LOCALES = ['zh-CN', 'en'] as const
export type AppLocale = (typeof LOCALES)[number]
export const DEFAULT_LOCALE: AppLocale = 'zh-CN'
export const LOCALE_STORAGE_KEY = 'firstset.locale'

/**
 * Each language's messages for the shell, the public pages and the problems. The default language
 * ships in the entry; English is fetched when it is chosen (`loadLocale`), so the most visited
 * pages do not carry both (performance budget B8).
 */
const localeMessages: Record<AppLocale, () => Promise<{ default: MessageSchema }>> = {
  'zh-CN': async () => ({ default: zhCN }),
  en: () => import('./en'),
}

/**
 * The screens' messages, one chunk per domain, fetched when a route that declares the domain in
 * `meta.messages` is entered. Keeping them out of the entry keeps the public pages' first load
 * small (performance budget B8).
 */
const screenMessages = {
  agency: () => import('./screens/agency'),
  awards: () => import('./screens/awards'),
  calendar: () => import('./screens/calendar'),
  evaluation: () => import('./screens/evaluation'),
  followup: () => import('./screens/followup'),
  notifications: () => import('./screens/notifications'),
  publicity: () => import('./screens/publicity'),
  ranking: () => import('./screens/ranking'),
  roadshows: () => import('./screens/roadshows'),
  staff: () => import('./screens/staff'),
  statistics: () => import('./screens/statistics'),
  webhooks: () => import('./screens/webhooks'),
} satisfies Record<string, () => Promise<{ default: { zhCN: object; en: object } }>>

export type MessageDomain = keyof typeof screenMessages
export const MESSAGE_DOMAINS = Object.keys(screenMessages) as MessageDomain[]

/**
 * Where a domain's messages go in the locale tree: under its name, except `staff`, whose sections
 * (`form`, `users`…) predate the domains and sit at the top level.
 */
export function domainTree(domain: MessageDomain, messages: object): Record<string, unknown> {
  return domain === 'staff' ? { ...messages } : { [domain]: messages }
}

export function isAppLocale(value: unknown): value is AppLocale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

export function storedLocale(): AppLocale {
  try {
    const value = localStorage.getItem(LOCALE_STORAGE_KEY)
    return isAppLocale(value) ? value : DEFAULT_LOCALE
  } catch {
    return DEFAULT_LOCALE
  }
}

export function createAppI18n(locale: AppLocale = storedLocale()) {
  return createI18n<[MessageSchema], AppLocale, false>({
    legacy: false,
    locale,
    fallbackLocale: DEFAULT_LOCALE,
    // Later loads are merged into this tree: a copy keeps the modules' objects intact.
    messages: { [DEFAULT_LOCALE]: structuredClone(zhCN) } as Record<AppLocale, MessageSchema>,
    missingWarn: false,
    fallbackWarn: false,
  })
}

export const i18n = createAppI18n()

type AppI18n = typeof i18n
type Loads = { locales: Map<AppLocale, Promise<void>>; domains: Map<MessageDomain, Promise<void>> }
const loads = new WeakMap<AppI18n, Loads>()

function once<K>(cache: Map<K, Promise<void>>, key: K, load: () => Promise<void>): Promise<void> {
  let pending = cache.get(key)
  if (!pending) {
    pending = load()
    // A failed fetch (network) is tried again on the next call.
    pending.catch(() => cache.delete(key))
    cache.set(key, pending)
  }
  return pending
}

function loadsOf(target: AppI18n): Loads {
  let found = loads.get(target)
  if (!found) loads.set(target, (found = { locales: new Map(), domains: new Map() }))
  return found
}

/** Fetches a language's shell messages into `target` (once); the default language is built in. */
export function loadLocale(locale: AppLocale, target: AppI18n = i18n): Promise<void> {
  if (locale === DEFAULT_LOCALE) return Promise.resolve()
  return once(loadsOf(target).locales, locale, async () => {
    const { default: tree } = await localeMessages[locale]()
    target.global.mergeLocaleMessage(locale, tree)
  })
}

/**
 * Adds a domain's screen messages to `target`, in both languages (a language switch then needs no
 * further fetch for the screen on show).
 */
export function loadMessages(domain: MessageDomain, target: AppI18n = i18n): Promise<void> {
  return once(loadsOf(target).domains, domain, async () => {
    const { default: screen } = await screenMessages[domain]()
    target.global.mergeLocaleMessage('zh-CN', domainTree(domain, screen.zhCN))
    target.global.mergeLocaleMessage('en', domainTree(domain, screen.en))
  })
}

/**
 * Switches the UI language once its messages are in, remembers it and keeps `<html lang>` in step.
 * If they cannot be fetched the language stays as it was (choosing it again retries).
 */
export async function setLocale(locale: AppLocale): Promise<void> {
  try {
    await loadLocale(locale)
  } catch {
    return
  }
  i18n.global.locale.value = locale
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale)
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = locale
}

export function currentLocale(): AppLocale {
  return i18n.global.locale.value
}
