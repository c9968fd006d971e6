import { describe, expect, it } from 'vitest'

import { ApiError } from '@/http/problem'
import {
  ROW_CODES,
  groupByMonth,
  isValidYear,
  isWeekend,
  newRow,
  parseDay,
  payloadOf,
  serverRowErrors,
  sortRows,
  unknownYear,
  validateRows,
  weekdayName,
} from '@/pages/calendar/calendarEdit'

import { en, zhCN } from './support/messages'

function problem(status: number, code: string, extra: Record<string, unknown> = {}) {
  return new ApiError({ type: 'about:blank', title: code, status, detail: '', code, ...extra } as never)
}

describe('dates', () => {
  it('parses real ISO dates only', () => {
    expect(parseDay('2031-01-01')?.toISOString()).toBe('2031-01-01T00:00:00.000Z')
    expect(parseDay('2031-02-30')).toBeNull()
    expect(parseDay('2031-1-1')).toBeNull()
    expect(parseDay('')).toBeNull()
  })

  it('knows weekends and weekday names without shifting by time zone', () => {
    expect(isWeekend('2025-09-28')).toBe(true) // Sunday, a make-up day of National Day 2025
    expect(isWeekend('2025-10-09')).toBe(false)
    expect(weekdayName('2025-10-09', 'zh-CN')).toBe('周四')
    expect(weekdayName('2025-10-09', 'en')).toBe('Thu')
  })
})

describe('validateRows', () => {
  it('accepts a weekday holiday, a named weekend holiday and a weekend make-up day', () => {
    const rows = [
      newRow({ day: '2031-01-01', working: false, name_zh: '元旦' }), // Wednesday
      newRow({ day: '2031-01-04', working: true }), // Saturday
      newRow({ day: '2031-02-01', working: false, name_en: 'Spring Festival' }), // Saturday
    ]
    expect(validateRows(2031, rows)).toEqual({})
  })

  it('puts each problem on its row and field, as the API names them', () => {
    const rows = [
      newRow({ day: '' }),
      newRow({ day: '2030-12-31' }),
      newRow({ day: '2031-01-01' }),
      newRow({ day: '2031-01-01' }),
      newRow({ day: '2031-01-02', working: true }),
      newRow({ day: '2031-01-05', working: false }),
      newRow({ day: '2031-01-06', name_zh: 'x'.repeat(61) }),
    ]
    expect(validateRows(2031, rows)).toEqual({
      '0.day': { key: 'validation.required' },
      '1.day': { key: 'calendar.rowErrors.day_outside_year', params: { year: 2031 } },
      '3.day': { key: 'calendar.rowErrors.duplicate_day' },
      '4.working': { key: 'calendar.rowErrors.working_day_not_weekend' },
      '5.working': { key: 'calendar.rowErrors.weekend_not_named' },
      '6.name_zh': { key: 'validation.maxLength', params: { n: 60 } },
    })
  })
})

describe('payloadOf and sortRows', () => {
  it('trims names and sends null for empty ones', () => {
    expect(payloadOf([newRow({ day: '2031-01-01', name_zh: ' 元旦 ', name_en: '  ' })])).toEqual([
      { day: '2031-01-01', working: false, name_zh: '元旦', name_en: null },
    ])
  })

  it('sorts by date and keeps undated rows last', () => {
    const rows = [newRow({ day: '' }), newRow({ day: '2031-05-01' }), newRow({ day: '2031-01-01' })]
    expect(sortRows(rows).map((r) => r.day)).toEqual(['2031-01-01', '2031-05-01', ''])
  })
})

describe('serverRowErrors', () => {
  it('maps `3.day` and `body.3.day` to their rows with the screen’s words for known codes', () => {
    const error = problem(422, 'validation_error', {
      errors: [
        { field: '3.day', message: '2030-01-01 is not in 2031.', code: 'day_outside_year' },
        { field: 'body.1.working', message: 'x', code: 'working_day_not_weekend' },
        { field: '2.name_zh', message: 'String should have at most 60 characters', code: 'string_too_long' },
        { field: '3.day', message: 'second', code: 'duplicate_day' },
      ],
    })
    expect(serverRowErrors(error, 2031)).toEqual({
      '3.day': { key: 'calendar.rowErrors.day_outside_year', params: { year: 2031 } },
      '1.working': { key: 'calendar.rowErrors.working_day_not_weekend', params: { year: 2031 } },
      '2.name_zh': { text: 'String should have at most 60 characters' },
    })
  })

  it('has a message for every row code in both languages', () => {
    for (const code of ROW_CODES) {
      expect(zhCN.calendar.rowErrors[code]).toBeTruthy()
      expect(en.calendar.rowErrors[code]).toBeTruthy()
    }
  })
})

describe('groupByMonth', () => {
  it('groups days by month in order', () => {
    const days = [{ day: '2025-10-01' }, { day: '2025-01-01' }, { day: '2025-10-08' }]
    expect(groupByMonth(days).map((g) => [g.month, g.days.length])).toEqual([
      [1, 1],
      [10, 2],
    ])
  })
})

describe('unknownYear and isValidYear', () => {
  it('reads the year of a calendar_year_unknown problem', () => {
    expect(unknownYear(problem(409, 'calendar_year_unknown', { year: 2031 }))).toBe(2031)
    expect(unknownYear(problem(409, 'conflict', { year: 2031 }))).toBeNull()
    expect(unknownYear(new Error('x'))).toBeNull()
  })

  it('accepts the years the API accepts', () => {
    expect([1999, 2000, 2031, 2100, 2101, 2031.5].map(isValidYear)).toEqual([false, true, true, true, false, false])
  })
})
