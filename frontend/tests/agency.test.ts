import { describe, expect, it } from 'vitest'

import { OVERLAP_HOURS, SCOPES, clientEtag, isRevoked, parseNetworks, scopeKey } from '@/queries/agency'

import { en, zhCN } from './support/messages'

type Tree = { [key: string]: string | Tree }

function lookup(tree: Tree, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Tree | undefined)?.[part], tree)
}

describe('agency clients', () => {
  it('builds the ETag the API sends for a client version', () => {
    expect(clientEtag({ id: 'abc', version: 3 })).toBe('"abc-v3"')
  })

  it('reads networks one per line or separated by commas, without blanks or repeats', () => {
    expect(parseNetworks('10.0.0.0/8\n\n 192.168.1.1 , 10.0.0.0/8，2001:db8::/32')).toEqual([
      '10.0.0.0/8',
      '192.168.1.1',
      '2001:db8::/32',
    ])
    expect(parseNetworks('   ')).toEqual([])
  })

  it('tells revoked clients', () => {
    expect(isRevoked({ revoked_at: null })).toBe(false)
    expect(isRevoked({ revoked_at: '2026-01-01T00:00:00Z' })).toBe(true)
  })

  it('names every scope in both languages', () => {
    for (const scope of SCOPES) {
      expect(lookup(zhCN as Tree, scopeKey(scope))).toBeTypeOf('string')
      expect(lookup(en as Tree, scopeKey(scope))).toBeTypeOf('string')
    }
  })

  it('offers ending the old secret now and overlaps up to the API maximum of 30 days', () => {
    expect(OVERLAP_HOURS[0]).toBe(0)
    expect(Math.max(...OVERLAP_HOURS)).toBeLessThanOrEqual(720)
  })
})
