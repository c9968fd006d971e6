import { describe, expect, it } from 'vitest'

import { activeFilterCount, queryFromRoute, routeFromQuery } from '@/pages/catalogue/filters'
import { canonicalJson, checkSignature, normaliseNumber } from '@/pages/catalogue/signature'
import { formatBeijingDate } from '@/i18n/format'
import { catalogueExportUrl } from '@/queries/catalogue'

// Signed by the server's own code (api/awards/signing.py) with the Ed25519 key whose private
// bytes are 0x00..0x1f; the model has a quote, a backslash and a tab to exercise escaping.
const PAYLOAD: Record<string, string> = {
  number: 'BJSTT-2021-01-0001',
  product: '晶圆缺陷光学检测系统',
  organization: '北京中科量测仪器有限公司',
  model: 'ZK-WI5 "α"\\\t',
  uscc: '91110108MA0001010J',
  batch: '2021-01',
  level: 'domestic_leading',
  issued_at: '2021-11-29T19:38:01+08:00',
  valid_until: '2024-11-29',
}
const SIGNED_BY_SERVER =
  '{"batch":"2021-01","issued_at":"2021-11-29T19:38:01+08:00","level":"domestic_leading","model":"ZK-WI5 \\"α\\"\\\\\\t","number":"BJSTT-2021-01-0001","organization":"北京中科量测仪器有限公司","product":"晶圆缺陷光学检测系统","uscc":"91110108MA0001010J","valid_until":"2024-11-29"}'
const PUBLIC_KEY = 'A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg='
const SIGNATURE = 'G3GIowo6y1KDZbp8bTeHkghR4xh5LoQTNX06GBfn+I+aEPwNjMDSFJKZu0ghcDFE2wgfZnze1VbPJO9I7PHsDw=='

describe('certificate signatures', () => {
  it('writes the same canonical JSON as the server', () => {
    expect(canonicalJson(PAYLOAD)).toBe(SIGNED_BY_SERVER)
  })

  it('accepts the server’s signature', async () => {
    expect(await checkSignature(PAYLOAD, SIGNATURE, PUBLIC_KEY)).toBe('valid')
  })

  it('rejects any changed field', async () => {
    for (const key of Object.keys(PAYLOAD)) {
      const tampered = { ...PAYLOAD, [key]: `${PAYLOAD[key]}x` }
      expect(await checkSignature(tampered, SIGNATURE, PUBLIC_KEY), key).toBe('invalid')
    }
  })

  it('rejects another key and a malformed key', async () => {
    const other = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))
    expect(await checkSignature(PAYLOAD, SIGNATURE, other)).toBe('invalid')
    expect(await checkSignature(PAYLOAD, SIGNATURE, 'AAAA')).toBe('invalid')
  })

  it('says so when the browser has no Web Crypto', async () => {
    expect(await checkSignature(PAYLOAD, SIGNATURE, PUBLIC_KEY, null)).toBe('unsupported')
  })
})

describe('certificate numbers', () => {
  it.each([
    ['BJSTT-2021-01-0001', 'BJSTT-2021-01-0001'],
    [' bjstt-2021-01-0001 ', 'BJSTT-2021-01-0001'],
    ['ＢＪＳＴＴ－２０２１－０１－０００１', 'BJSTT-2021-01-0001'],
    ['BJSTT–2021–01–0001', 'BJSTT-2021-01-0001'],
  ])('reads %j as %s', (input, expected) => {
    expect(normaliseNumber(input)).toBe(expected)
  })

  it.each(['', 'BJSTT-21-01-0001', 'BJSTT-2021-1-0001', 'XX-2021-01-0001', 'BJSTT-2021-01-00011'])(
    'refuses %j',
    (input) => {
      expect(normaliseNumber(input)).toBeNull()
    },
  )
})

describe('catalogue filters in the address', () => {
  it('keeps valid values and drops impossible ones', () => {
    expect(
      queryFromRoute({
        q: '  机器人 ',
        field: 'robotics_manufacturing',
        level: 'galactic',
        district: 'haidian',
        year: '2021',
        status: 'revoked',
        sort: 'name',
      }),
    ).toEqual({
      q: '机器人',
      field: 'robotics_manufacturing',
      level: undefined,
      product_type: undefined,
      district: 'haidian',
      year: 2021,
      status: 'revoked',
      sort: 'name',
    })
    expect(queryFromRoute({ field: 'DROP TABLE', year: 'abc' })).toMatchObject({ field: undefined, year: undefined })
  })

  it('drops sorting by relevance without a search text', () => {
    expect(queryFromRoute({ sort: 'relevance' }).sort).toBeUndefined()
    expect(queryFromRoute({ q: '光刻', sort: 'relevance' }).sort).toBe('relevance')
  })

  it('cuts the search text at the server’s limit', () => {
    expect(queryFromRoute({ q: '机'.repeat(150) }).q).toHaveLength(100)
  })

  it('round-trips through the address', () => {
    const query = { q: '光刻', level: 'domestic_leading' as const, year: 2021 }
    expect(queryFromRoute(routeFromQuery(query))).toMatchObject(query)
    expect(routeFromQuery({ q: undefined, year: 2021 })).toEqual({ year: '2021' })
  })

  it('counts only the facet filters', () => {
    expect(activeFilterCount({ q: 'x', sort: 'name' })).toBe(0)
    expect(activeFilterCount({ field: 'aerospace', year: 2021, status: 'valid' })).toBe(3)
  })

  it('builds export links with the filter, sort and language', () => {
    expect(catalogueExportUrl('csv', { q: '机器人', sort: 'name' }, 'zh-CN')).toBe(
      `/api/v1/catalogue/export.csv?q=${encodeURIComponent('机器人')}&sort=name&lang=zh`,
    )
    expect(catalogueExportUrl('json', {}, 'en')).toBe('/api/v1/catalogue/export.json')
    expect(catalogueExportUrl('xlsx', { district: 'haidian' }, 'en')).toBe('/api/v1/catalogue/export.xlsx?district=haidian&lang=en')
  })
})

describe('Beijing dates', () => {
  it('gives the date in Beijing, not in the reader’s time zone', () => {
    // 17:00 UTC is 01:00 the next day in Beijing.
    expect(formatBeijingDate('2026-11-29T17:00:00Z', 'en')).toBe('Nov 30, 2026')
    expect(formatBeijingDate('2026-11-29T15:59:59Z', 'en')).toBe('Nov 29, 2026')
    expect(formatBeijingDate(null, 'en')).toBe('')
  })
})
