// Every message the app has, in both languages, as the screens see them once their route loaded
// its domains (`meta.messages`) and the reader chose a language. Tests of a screen or of the
// messages' contents use these; tests/i18n-routes.test.ts checks what each route really loads.
import {
  createAppI18n as createShellI18n,
  domainTree,
  i18n,
  type AppLocale,
  type MessageDomain,
} from '@/i18n'
import coreEn from '@/i18n/en'
import agency from '@/i18n/screens/agency'
import awards from '@/i18n/screens/awards'
import calendar from '@/i18n/screens/calendar'
import evaluation from '@/i18n/screens/evaluation'
import followup from '@/i18n/screens/followup'
import notifications from '@/i18n/screens/notifications'
import publicity from '@/i18n/screens/publicity'
import ranking from '@/i18n/screens/ranking'
import roadshows from '@/i18n/screens/roadshows'
import staff from '@/i18n/screens/staff'
import statistics from '@/i18n/screens/statistics'
import webhooks from '@/i18n/screens/webhooks'
import coreZhCN from '@/i18n/zh-CN'

const screens = {
  agency,
  awards,
  calendar,
  evaluation,
  followup,
  notifications,
  publicity,
  ranking,
  roadshows,
  staff,
  statistics,
  webhooks,
} satisfies Record<MessageDomain, { zhCN: object; en: object }>

type Lang = 'zhCN' | 'en'
type Full<L extends Lang> = typeof coreZhCN &
  (typeof staff)[L] & { [D in Exclude<MessageDomain, 'staff'>]: (typeof screens)[D][L] }

type Tree = { [key: string]: unknown }

function deepMerge(target: Tree, source: Tree): Tree {
  for (const [key, value] of Object.entries(source)) {
    const here = target[key]
    target[key] =
      value && typeof value === 'object' && here && typeof here === 'object'
        ? deepMerge(here as Tree, value as Tree)
        : value
  }
  return target
}

function full<L extends Lang>(core: object, lang: L): Full<L> {
  const tree = structuredClone(core) as Tree
  for (const [domain, screen] of Object.entries(screens)) {
    deepMerge(tree, domainTree(domain as MessageDomain, screen[lang]) as Tree)
  }
  return tree as Full<L>
}

export const zhCN = full(coreZhCN, 'zhCN')
export const en = full(coreEn, 'en')

/** Adds every domain and English to an i18n instance, as if all had been loaded. */
export function withAllMessages<T extends typeof i18n>(target: T): T {
  target.global.mergeLocaleMessage('zh-CN', zhCN)
  target.global.mergeLocaleMessage('en', en)
  return target
}

/** createAppI18n with every message in, for mounting any screen without its router. */
export function createAppI18n(locale?: AppLocale) {
  return withAllMessages(createShellI18n(locale))
}

// The app's own instance, as problems.ts and the screens find it.
withAllMessages(i18n)
export { i18n }
