/** The working-day calendar editor's rules (no Vue here), mirroring the API's checks. */
import type { CalendarDayRead, CalendarDayWrite, FieldError } from '@/api'
import { isApiError } from '@/http/problem'

export type Message = { key: string; params?: Record<string, unknown> }

export const MIN_YEAR = 2000
export const MAX_YEAR = 2100
export const MAX_DAYS = 366
export const NAME_ZH_MAX = 60
export const NAME_EN_MAX = 80

/** One editable row: a holiday (working=false) or a make-up working day 调休 (working=true). */
export type DayRow = {
  /** A stable key for the list (rows move when sorted). */
  key: number
  day: string
  working: boolean
  name_zh: string
  name_en: string
}

/** The row fields a message can belong to (`3.day` in the API's field paths). */
export type RowField = 'day' | 'working' | 'name_zh' | 'name_en'
export type RowErrors = Record<string, Message>

let nextKey = 1

export function newRow(values: Partial<Omit<DayRow, 'key'>> = {}): DayRow {
  return { key: nextKey++, day: '', working: false, name_zh: '', name_en: '', ...values }
}

export function rowsFrom(days: readonly CalendarDayRead[]): DayRow[] {
  return days.map((d) =>
    newRow({ day: d.day, working: d.working, name_zh: d.name_zh ?? '', name_en: d.name_en ?? '' }),
  )
}

/** The PUT body: names trimmed, empty names left out. */
export function payloadOf(rows: readonly DayRow[]): CalendarDayWrite[] {
  return rows.map((r) => ({
    day: r.day,
    working: r.working,
    name_zh: r.name_zh.trim() || null,
    name_en: r.name_en.trim() || null,
  }))
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** The date of `YYYY-MM-DD` at UTC midnight, or null when it is no real date. */
export function parseDay(value: string): Date | null {
  const match = ISO_DATE.exec(value)
  if (!match) return null
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? date : null
}

/** Saturday or Sunday. */
export function isWeekend(value: string): boolean {
  const date = parseDay(value)
  return !!date && (date.getUTCDay() === 0 || date.getUTCDay() === 6)
}

/** The weekday's name in `locale` ("周三", "Wed"), '' for no date. */
export function weekdayName(value: string, locale: string): string {
  const date = parseDay(value)
  if (!date) return ''
  return new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(date)
}

/** The checks the API makes (api/calendar/service.py validate_year_days), keyed `index.field`. */
export function validateRows(year: number, rows: readonly DayRow[]): RowErrors {
  const errors: RowErrors = {}
  const seen = new Set<string>()
  rows.forEach((row, index) => {
    const date = parseDay(row.day)
    if (!date) {
      errors[`${index}.day`] = row.day ? { key: 'validation.date' } : { key: 'validation.required' }
      return
    }
    if (date.getUTCFullYear() !== year) {
      errors[`${index}.day`] = { key: 'calendar.rowErrors.day_outside_year', params: { year } }
      return
    }
    if (seen.has(row.day)) errors[`${index}.day`] = { key: 'calendar.rowErrors.duplicate_day' }
    seen.add(row.day)
    const weekend = isWeekend(row.day)
    const named = !!(row.name_zh.trim() || row.name_en.trim())
    if (row.working && !weekend) {
      errors[`${index}.working`] = { key: 'calendar.rowErrors.working_day_not_weekend' }
    } else if (!row.working && weekend && !named) {
      errors[`${index}.working`] = { key: 'calendar.rowErrors.weekend_not_named' }
    }
    if (row.name_zh.trim().length > NAME_ZH_MAX) {
      errors[`${index}.name_zh`] = { key: 'validation.maxLength', params: { n: NAME_ZH_MAX } }
    }
    if (row.name_en.trim().length > NAME_EN_MAX) {
      errors[`${index}.name_en`] = { key: 'validation.maxLength', params: { n: NAME_EN_MAX } }
    }
  })
  return errors
}

/** Row codes the calendar screen words itself; any other code keeps the server's message. */
export const ROW_CODES = ['day_outside_year', 'duplicate_day', 'working_day_not_weekend', 'weekend_not_named'] as const

/**
 * A 422's field errors as row errors: `3.day` (or `body.3.day`) → `3.day`. Known codes get
 * their message key; others carry the server's text under `text`.
 */
export function serverRowErrors(error: unknown, year: number): Record<string, Message | { text: string }> {
  if (!isApiError(error)) return {}
  const result: Record<string, Message | { text: string }> = {}
  for (const item of error.fieldErrors as FieldError[]) {
    const path = item.field.replace(/^body\./, '')
    if (!/^\d+\.\w+$/.test(path) || path in result) continue
    result[path] = (ROW_CODES as readonly string[]).includes(item.code)
      ? { key: `calendar.rowErrors.${item.code}`, params: { year } }
      : { text: item.message }
  }
  return result
}

/** The rows in date order (rows without a valid date last, as they were). */
export function sortRows(rows: readonly DayRow[]): DayRow[] {
  return [...rows].sort((a, b) => {
    const [da, db] = [parseDay(a.day), parseDay(b.day)]
    if (da && db) return da.getTime() - db.getTime()
    return da ? -1 : db ? 1 : 0
  })
}

export type MonthGroup<T> = { month: number; days: T[] }

/** Days grouped by month (1–12), months in order, only months with days. */
export function groupByMonth<T extends { day: string }>(days: readonly T[]): MonthGroup<T>[] {
  const months = new Map<number, T[]>()
  for (const item of days) {
    const date = parseDay(item.day)
    if (!date) continue
    const month = date.getUTCMonth() + 1
    if (!months.has(month)) months.set(month, [])
    months.get(month)!.push(item)
  }
  return [...months.entries()].sort(([a], [b]) => a - b).map(([month, list]) => ({ month, days: list }))
}

/** The year a `calendar_year_unknown` problem names, else null. */
export function unknownYear(error: unknown): number | null {
  if (!isApiError(error) || error.code !== 'calendar_year_unknown') return null
  const year = (error.problem as unknown as Record<string, unknown>).year
  return typeof year === 'number' ? year : null
}

/** Whether a year number is one the API accepts. */
export function isValidYear(year: unknown): year is number {
  return typeof year === 'number' && Number.isInteger(year) && year >= MIN_YEAR && year <= MAX_YEAR
}

/** Counts shown beside a year. */
export function countDays(days: readonly { working: boolean }[]): { holidays: number; makeUp: number } {
  return {
    holidays: days.filter((d) => !d.working).length,
    makeUp: days.filter((d) => d.working).length,
  }
}
