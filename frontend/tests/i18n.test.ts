import { describe, expect, it } from 'vitest'

import { en, zhCN } from './support/messages'


type Tree = { [key: string]: string | Tree }

function leafKeys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : leafKeys(value, `${prefix}${key}.`),
  )
}

describe('locale files', () => {
  const zhKeys = leafKeys(zhCN as Tree)
  const enKeys = leafKeys(en as Tree)

  it('every zh-CN key exists in en', () => {
    expect(zhKeys.filter((k) => !enKeys.includes(k))).toEqual([])
  })

  it('every en key exists in zh-CN', () => {
    expect(enKeys.filter((k) => !zhKeys.includes(k))).toEqual([])
  })

  it('no message is empty', () => {
    const empty = (tree: Tree) =>
      leafKeys(tree).filter((k) => !k.split('.').reduce<unknown>((o, p) => (o as Tree)[p], tree))
    expect(empty(zhCN as Tree)).toEqual([])
    expect(empty(en as Tree)).toEqual([])
  })
})
