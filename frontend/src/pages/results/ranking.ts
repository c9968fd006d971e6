/** What the results and deliberation screen computes from the API's answers (no Vue here). */
import type { ApplicationStatus, BatchStatus, ResultRow } from '@/api'
import { isApiError } from '@/http/problem'

/** A message key with its parameters, translated by the screen. */
export type Message = { key: string; params?: Record<string, unknown> }

/** Batch states with results worth showing (reviews exist from `reviewing` on). */
export const RESULTS_STATES: readonly BatchStatus[] = ['reviewing', 'deliberation', 'publicity', 'announced']

/** Applications the joint meeting decides on while the batch is in deliberation. */
export const DECIDABLE: readonly ApplicationStatus[] = ['reviewed', 'shortlisted', 'not_selected']

export const REASON_MIN = 2
export const REASON_MAX = 2000

/** The reason of a deliberation decision: required, 2–2000 characters once trimmed. */
export function validateReason(reason: string): Message | null {
  const text = reason.trim()
  if (!text) return { key: 'validation.required' }
  if (text.length < REASON_MIN) return { key: 'validation.minLength', params: { n: REASON_MIN } }
  if (text.length > REASON_MAX) return { key: 'validation.maxLength', params: { n: REASON_MAX } }
  return null
}

/**
 * A decimal string of the API for display, in the locale's digits: at least `digits` decimals,
 * at most 2 ("50.00000" → "50" with 0, "45.5" → "45.50" with 2). '—' for no value.
 */
export function decimalText(value: string | null | undefined, locale: string, digits = 2): string {
  if (value === null || value === undefined || value === '') return '—'
  const n = Number(value)
  if (!Number.isFinite(n)) return String(value)
  return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: 2 }).format(n)
}

/** 0 → A, 25 → Z, 26 → AA: the anonymous name of an application's n-th submitted total. */
export function expertLetter(index: number): string {
  let name = ''
  let n = index + 1
  while (n > 0) {
    const rest = (n - 1) % 26
    name = String.fromCharCode(65 + rest) + name
    n = Math.floor((n - 1) / 26)
  }
  return name
}

export type FieldGroup = {
  /** The field code ('' for applications without one). */
  field: string
  rows: ResultRow[]
}

/**
 * The rows by field, fields in the batch's order (then any others as they come), rows in the
 * API's order (rank within the field).
 */
export function groupByField(rows: readonly ResultRow[], batchFields: readonly string[] = []): FieldGroup[] {
  const groups = new Map<string, ResultRow[]>()
  for (const code of batchFields) groups.set(code, [])
  for (const row of rows) {
    const code = row.field ?? ''
    if (!groups.has(code)) groups.set(code, [])
    groups.get(code)!.push(row)
  }
  return [...groups.entries()].filter(([, list]) => list.length > 0).map(([field, list]) => ({ field, rows: list }))
}

export type QuotaState = {
  shortlisted: number
  /** null: the field has no quota. */
  quota: number | null
  /** No further application of the field can be shortlisted. */
  reached: boolean
}

/** How many of a field's rows are shortlisted (or awarded) against the field's quota. */
export function quotaState(rows: readonly ResultRow[], quotas: Record<string, number>, field: string): QuotaState {
  const shortlisted = rows.filter((r) => r.status === 'shortlisted' || r.status === 'awarded').length
  const quota = Object.prototype.hasOwnProperty.call(quotas, field) ? quotas[field]! : null
  return { shortlisted, quota, reached: quota !== null && shortlisted >= quota }
}

function extra(error: unknown): Record<string, unknown> {
  return isApiError(error) ? (error.problem as unknown as Record<string, unknown>) : {}
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined
}

/**
 * Why a batch move was refused, in words that say what to do, using the counts the problem
 * carries; null when the generic problem message says enough.
 */
export function transitionProblem(error: unknown): Message | null {
  if (!isApiError(error)) return null
  const data = extra(error)
  switch (error.code) {
    case 'reviews_outstanding':
      return { key: 'ranking.blocked.reviewsOutstanding', params: { n: count(data.not_fully_reviewed) ?? '?' } }
    case 'undecided_applications':
      return { key: 'ranking.blocked.undecided', params: { n: count(data.undecided) ?? '?' } }
    case 'nothing_shortlisted':
      return { key: 'ranking.blocked.nothingShortlisted' }
    case 'calendar_year_unknown':
      return { key: 'ranking.blocked.calendarUnknown', params: { year: count(data.year) ?? '?' } }
    case 'invalid_transition':
      return typeof data.current_state === 'string'
        ? { key: 'ranking.blocked.invalidTransition', params: { status: data.current_state } }
        : null
    default:
      return null
  }
}

/** Why a shortlist / not-select was refused; null when the generic message says enough. */
export function decisionProblem(error: unknown): Message | null {
  if (!isApiError(error)) return null
  const data = extra(error)
  switch (error.code) {
    case 'quota_reached':
      return {
        key: 'ranking.blocked.quotaReached',
        params: { quota: count(data.quota) ?? '?', shortlisted: count(data.shortlisted) ?? '?' },
      }
    case 'batch_not_in_deliberation':
      return typeof data.current_state === 'string'
        ? { key: 'ranking.blocked.notInDeliberation', params: { status: data.current_state } }
        : null
    default:
      return null
  }
}
