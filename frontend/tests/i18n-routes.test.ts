// The screens' messages load with their routes (`meta.messages`): a route that forgets a domain
// it shows would render raw keys. These checks read the sources a route's screen imports and look
// every message key they name up in what that route has loaded, in both languages.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

import { describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'

import {
  MESSAGE_DOMAINS,
  createAppI18n,
  domainTree,
  loadLocale,
  loadMessages,
  type MessageDomain,
} from '@/i18n'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import { createAppRouter, routes } from '@/router'

// The router's guards are under test, not the screens: stand-ins keep the lazy chunks light.
vi.mock('@/router/publicPages', () => {
  const Stub = { render: () => null }
  return { ForbiddenPage: Stub, RoadshowsPage: Stub }
})

type Tree = { [key: string]: string | Tree }

const SRC = resolve(__dirname, '../src')
const read = (path: string) => readFileSync(path, 'utf8')

const screens = Object.fromEntries(
  await Promise.all(
    MESSAGE_DOMAINS.map(async (d) => [d, (await import(`../src/i18n/screens/${d}.ts`)).default]),
  ),
) as Record<MessageDomain, { zhCN: Tree; en: Tree }>

function leafKeys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : leafKeys(value, `${prefix}${key}.`),
  )
}

function lookup(tree: Tree, key: string): string | Tree | undefined {
  return key.split('.').reduce<string | Tree | undefined>(
    (node, part) => (node && typeof node === 'object' ? node[part] : undefined),
    tree,
  )
}

/** `target` with `source` merged in deeply, as vue-i18n's mergeLocaleMessage does. */
function deepMerge(target: Tree, source: Tree): Tree {
  for (const [key, value] of Object.entries(source)) {
    const here = target[key]
    target[key] =
      typeof value === 'object' && here && typeof here === 'object'
        ? deepMerge(here, value)
        : structuredClone(value)
  }
  return target
}

function merged(core: Tree, domains: MessageDomain[], lang: 'zhCN' | 'en'): Tree {
  const tree: Tree = structuredClone(core)
  for (const d of domains) deepMerge(tree, domainTree(d, screens[d][lang]) as Tree)
  return tree
}

/** Top-level namespaces a key may start with (core and every domain). */
const NAMESPACES = new Set([...Object.keys(zhCN), ...MESSAGE_DOMAINS])

function resolveImport(from: string, spec: string): string | null {
  let base: string
  if (spec.startsWith('@/')) base = join(SRC, spec.slice(2))
  else if (spec.startsWith('.')) base = resolve(dirname(from), spec)
  else return null
  for (const candidate of [base, `${base}.ts`, `${base}.vue`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && /\.(ts|vue)$/.test(candidate)) return candidate
  }
  return null
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

/**
 * The source files a module pulls in (the generated client and the messages themselves left out);
 * `lazy` follows `import()` too.
 */
function closure(entry: string, lazy = true): string[] {
  const seen = new Set<string>()
  const stack = [entry]
  while (stack.length) {
    const file = stack.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    for (const m of read(file).matchAll(IMPORT)) {
      if (m[2] && !lazy) continue
      const target = resolveImport(file, m[1] ?? m[2])
      if (target && !target.startsWith(join(SRC, 'api')) && !target.startsWith(join(SRC, 'i18n'))) {
        stack.push(target)
      }
    }
  }
  return [...seen]
}

type KeyUse = { file: string; key: string; prefix: boolean }

/**
 * Message keys a file names: whole keys in single quotes, and the fixed start of template-built
 * keys (double quotes in templates hold expressions, not strings).
 */
function keysIn(file: string): KeyUse[] {
  const text = read(file)
  const uses: KeyUse[] = []
  for (const m of text.matchAll(/(['`])([a-zA-Z]\w*(?:\.\w+)+)(\.\$\{)?/g)) {
    const [, quote, key, template] = m
    const parts = key.split('.')
    if (!NAMESPACES.has(parts[0]) || parts.some((p) => /^\d+$/.test(p))) continue
    // Form field paths (`rules['organization.name_zh']`, `{ 'organization.uscc': … }`) are not keys.
    const before = text[m.index! - 1]
    const after = text.slice(m.index! + m[0].length, m.index! + m[0].length + 2)
    if (before === '[' || after === `${quote}:`) continue
    if (template && quote === '`') uses.push({ file, key, prefix: true })
    else if (text[m.index! + m[0].length] === quote) uses.push({ file, key, prefix: false })
  }
  return uses
}

function missing(uses: KeyUse[], tree: Tree): string[] {
  return uses
    .filter(({ key, prefix }) => {
      const node = lookup(tree, key)
      return prefix ? !node || typeof node !== 'object' : node === undefined
    })
    .map(({ file, key }) => `${file.slice(SRC.length + 1)}: ${key}`)
}

/** The page file each route renders, read from the router and its page barrels. */
function routeFiles(): Map<string, string> {
  const barrels: Record<string, Record<string, string>> = {}
  for (const barrel of ['publicPages', 'staffPages']) {
    const file = join(SRC, 'router', `${barrel}.ts`)
    barrels[barrel] = Object.fromEntries(
      [...read(file).matchAll(/default as (\w+) } from '([^']+)'/g)].map(([, name, spec]) => [
        name,
        resolveImport(file, spec)!,
      ]),
    )
  }
  const router = join(SRC, 'router', 'index.ts')
  const files = new Map<string, string>()
  for (const [, name, component] of read(router).matchAll(/name: '([^']+)',\s*component: ([^\n]+)/g)) {
    const fromBarrel = component.match(/(\w+)\(\)\.then\(\(m\) => m\.(\w+)\)/)
    const direct = component.match(/import\('([^']+)'\)/)
    const file = fromBarrel
      ? barrels[fromBarrel[1]][fromBarrel[2]]
      : direct && resolveImport(router, direct[1])
    if (file) files.set(name, file)
  }
  return files
}

describe('screen messages loaded per route', () => {
  const files = routeFiles()
  // Route titles are the routes' own (checked below); lazy chunks are not the shell.
  const shell = closure(join(SRC, 'main.ts'), false).filter((f) => !f.startsWith(join(SRC, 'router')))

  it('finds the page of every route', () => {
    expect(routes.filter((r) => !files.has(String(r.name))).map((r) => r.name)).toEqual([])
  })

  it('the shell names only messages loaded up front', () => {
    const uses = shell.flatMap(keysIn)
    expect(uses.length).toBeGreaterThan(10)
    expect(missing(uses, zhCN as Tree)).toEqual([])
    expect(missing(uses, en as Tree)).toEqual([])
  })

  for (const route of routes) {
    it(`route ${String(route.name)} has every message its screen names, in both languages`, () => {
      const domains = route.meta?.messages ?? []
      const page = files.get(String(route.name))!
      const uses = closure(page).flatMap(keysIn)
      if (route.meta?.titleKey) uses.push({ file: page, key: route.meta.titleKey, prefix: false })
      expect(missing(uses, merged(zhCN as Tree, domains, 'zhCN'))).toEqual([])
      expect(missing(uses, merged(en as Tree, domains, 'en'))).toEqual([])
    })
  }

  it('every domain is loaded by some route', () => {
    const declared = new Set(routes.flatMap((r) => r.meta?.messages ?? []))
    expect(MESSAGE_DOMAINS.filter((d) => !declared.has(d))).toEqual([])
  })

  it('the catalogue loads no screen messages (they would only slow its first paint)', () => {
    expect(routes.find((r) => r.name === 'catalogue')?.meta?.messages ?? []).toEqual([])
  })
})

describe('screen message domains', () => {
  for (const domain of MESSAGE_DOMAINS) {
    it(`${domain}: zh-CN and en have the same keys, none empty`, () => {
      const { zhCN: zh, en: english } = screens[domain]
      expect(leafKeys(zh).sort()).toEqual(leafKeys(english).sort())
      for (const tree of [zh, english]) {
        expect(leafKeys(tree).filter((k) => !lookup(tree, k))).toEqual([])
      }
    })

    it(`${domain}: no key collides with the part loaded up front`, () => {
      const eager = leafKeys(zhCN as Tree)
      const lazy = leafKeys(domainTree(domain, screens[domain].zhCN) as Tree)
      expect(lazy.filter((k) => eager.includes(k))).toEqual([])
    })
  }
})

describe('loading messages', () => {
  it('a domain and English arrive on demand, into the instance asked for', async () => {
    const target = createAppI18n('en')
    expect(target.global.te('webhooks.title', 'zh-CN')).toBe(false)
    expect(target.global.t('header.logout')).toBe('退出登录') // English not in yet: the default shows

    await Promise.all([loadMessages('webhooks', target), loadLocale('en', target)])
    expect(target.global.t('webhooks.title')).toBe('Webhooks')
    expect(target.global.t('header.logout')).toBe(en.header.logout)
    target.global.locale.value = 'zh-CN'
    expect(target.global.t('webhooks.title')).toBe('事件推送')
    // The badge's keys loaded with the shell survive the domain's merge.
    expect(target.global.t('notifications.badge')).toBe('通知')
  })

  it('the router waits for a route\'s domains before it renders', async () => {
    let release = () => {}
    const arrived = new Promise<void>((resolve) => (release = resolve))
    const requested: string[] = []
    const router = createAppRouter({
      history: createMemoryHistory(),
      loadMe: async () => null,
      loadMessages: (domain) => {
        requested.push(domain)
        return arrived
      },
    })
    await router.push('/forbidden')
    const going = router.push('/roadshows')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(requested).toContain('roadshows')
    expect(router.currentRoute.value.name).toBe('forbidden')
    release()
    await going
    expect(router.currentRoute.value.name).toBe('roadshows')
  })
})
