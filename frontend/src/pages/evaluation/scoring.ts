/**
 * The scoring form's arithmetic and checks. Scores have at most one decimal (the API's rule,
 * api/review/schemas.py `Score`), weights at most three; sums are done on scaled integers so
 * that 0.1 + 0.2 is 0.3 and the running total equals the server's Σ weight × score.
 */
import type { CriterionRead, Recommendation, ReviewRead, ReviewStatus } from '@/api'

export const SCORE_DECIMALS = 1
export const COMMENT_MAX = 5000
export const RECOMMENDATIONS: readonly Recommendation[] = ['recommend', 'neutral', 'not_recommend']

/** A decimal string as an integer of 10^-places units; null if it is not such a number. */
export function toScaled(value: string | number, places: number): number | null {
  const text = String(value).trim()
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text)
  if (!match) return null
  const fraction = (match[2] ?? '').replace(/0+$/, '')
  if (fraction.length > places) return null
  return Number(match[1]) * 10 ** places + Number(fraction.padEnd(places, '0') || '0')
}

/** An integer of 10^-places units back to a decimal string without trailing zeros. */
export function fromScaled(units: number, places: number): string {
  const negative = units < 0
  const digits = String(Math.abs(units)).padStart(places + 1, '0')
  const whole = digits.slice(0, digits.length - places)
  const fraction = digits.slice(digits.length - places).replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

/** A decimal string from the API (`"30.00"`, `"1.000"`) written the short way (`30`, `1`). */
export function trimDecimal(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return ''
  const text = String(value)
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text
}

export type ScoreProblem = 'required' | 'format' | 'range'

/**
 * What is wrong with a typed score for a criterion scored 0..max (null: nothing). An empty
 * score is only a problem when submitting (`required`).
 */
export function scoreProblem(text: string, max: string, { required = false } = {}): ScoreProblem | null {
  const value = text.trim()
  if (!value) return required ? 'required' : null
  const units = toScaled(value.replace(/^\+/, ''), SCORE_DECIMALS)
  if (units === null) return 'format'
  const top = toScaled(max, SCORE_DECIMALS + 2)
  if (top !== null && units * 100 > top) return 'range'
  return null
}

export type Total = {
  /** Σ weight × score of the scored criteria, as a decimal string with ≤ 2 decimals. */
  total: string
  scored: number
  count: number
  complete: boolean
}

/** Rounds an integer of 10^-4 units to two decimals, half up (as the server shows totals). */
function roundToCents(units: number): number {
  return Math.floor((units + 50) / 100)
}

/** The running weighted total of a form; unscored or invalid scores count as not scored. */
export function weightedTotal(criteria: readonly CriterionRead[], scores: Record<string, string>): Total {
  let units = 0
  let scored = 0
  for (const criterion of criteria) {
    const text = (scores[criterion.id] ?? '').trim()
    if (!text || scoreProblem(text, criterion.max_score)) continue
    const score = toScaled(text, SCORE_DECIMALS)
    const weight = toScaled(criterion.weight, 3)
    if (score === null || weight === null) continue
    units += score * weight
    scored += 1
  }
  return {
    total: fromScaled(roundToCents(units), 2),
    scored,
    count: criteria.length,
    complete: scored === criteria.length,
  }
}

/** The editable copy of a review: scores as the inputs hold them. */
export type ReviewForm = {
  scores: Record<string, string>
  comment: string
  recommendation: Recommendation | ''
}

export function formFromReview(review: Pick<ReviewRead, 'scores' | 'comment' | 'recommendation' | 'criteria'>): ReviewForm {
  const scores: Record<string, string> = {}
  for (const criterion of review.criteria) {
    const value = review.scores[criterion.id]
    scores[criterion.id] = value === undefined || value === null ? '' : trimDecimal(value)
  }
  return { scores, comment: review.comment ?? '', recommendation: review.recommendation ?? '' }
}

/** The PUT body: scored criteria only (left out = not scored yet), numbers as decimal strings. */
export function draftBody(form: ReviewForm, criteria: readonly CriterionRead[]) {
  const scores: Record<string, string> = {}
  for (const criterion of criteria) {
    const text = (form.scores[criterion.id] ?? '').trim().replace(/^\+/, '')
    if (text) scores[criterion.id] = text
  }
  return {
    scores,
    comment: form.comment.trim() || null,
    recommendation: form.recommendation || null,
  }
}

/** A typed score in a comparable form: `7`, `7.0` and ` 7 ` are the same score. */
function normalScore(text: string | undefined): string {
  const value = (text ?? '').trim()
  const units = toScaled(value, SCORE_DECIMALS)
  return units === null ? value : String(units)
}

/** Whether the form differs from the review it was filled from. */
export function isDirty(form: ReviewForm, saved: ReviewForm): boolean {
  const ids = new Set([...Object.keys(form.scores), ...Object.keys(saved.scores)])
  for (const id of ids) {
    if (normalScore(form.scores[id]) !== normalScore(saved.scores[id])) return true
  }
  return form.comment.trim() !== saved.comment.trim() || form.recommendation !== saved.recommendation
}

/** Client-side problems of the form per criterion id (and `recommendation`) before a save or submit. */
export function formProblems(
  form: ReviewForm,
  criteria: readonly CriterionRead[],
  { submitting = false } = {},
): Record<string, ScoreProblem> {
  const problems: Record<string, ScoreProblem> = {}
  for (const criterion of criteria) {
    const problem = scoreProblem(form.scores[criterion.id] ?? '', criterion.max_score, { required: submitting })
    if (problem) problems[criterion.id] = problem
  }
  if (submitting && !form.recommendation) problems.recommendation = 'required'
  return problems
}

/** How far the expert is with a review, as the assignment list shows it. */
export type ReviewProgress = 'not_started' | ReviewStatus

/** The list's `review_status`: null until the expert first opens the review. */
export function listedProgress(status: ReviewStatus | null): ReviewProgress {
  return status ?? 'not_started'
}

/** A draft nobody saved yet (version 1, nothing in it) has not been started. */
export function reviewProgress(review: Pick<ReviewRead, 'status' | 'version' | 'scores' | 'comment' | 'recommendation'>): ReviewProgress {
  if (review.status !== 'draft') return review.status
  const empty = Object.keys(review.scores).length === 0 && !review.comment && !review.recommendation
  return empty && review.version <= 1 ? 'not_started' : 'draft'
}
