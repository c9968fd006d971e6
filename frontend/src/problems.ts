/**
 * The one place that turns API problem documents (RFC 9457, stable `code`) into translated
 * messages. Screens call these helpers; they never switch on codes themselves.
 */
import type { FieldError, Problem } from '@/api'
import { i18n } from '@/i18n'
import { ApiError, isApiError } from '@/http/problem'
import { problemCodes as calendarCodes } from '@/i18n/domains/calendar'
import { problemCodes as publicityCodes } from '@/i18n/domains/publicity'
import { problemCodes as rankingCodes } from '@/i18n/domains/ranking'
import { problemCodes as evaluationCodes } from '@/i18n/domains/evaluation'
import { problemCodes as catalogueCodes } from '@/i18n/domains/catalogue'
import { problemCodes as statisticsCodes } from '@/i18n/domains/statistics'
import { problemCodes as awardsCodes } from '@/i18n/domains/awards'
import { problemCodes as roadshowsCodes } from '@/i18n/domains/roadshows'
import { problemCodes as followupCodes } from '@/i18n/domains/followup'
import { problemCodes as agencyCodes } from '@/i18n/domains/agency'
import { problemCodes as webhooksCodes } from '@/i18n/domains/webhooks'
import { problemCodes as notificationsCodes } from '@/i18n/domains/notifications'

/** Problem codes with a message under `problems.<code>` in both locale files. */
export const PROBLEM_CODES = [
  'not_authenticated',
  'session_expired',
  'invalid_credentials',
  'user_inactive',
  'rate_limited',
  'csrf_failed',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'validation_error',
  'bad_request',
  'conflict',
  'email_taken',
  'uscc_taken',
  'weak_password',
  'precondition_failed',
  'precondition_required',
  'service_unavailable',
  'internal_error',
  'uscc_invalid',
  'invalid_cursor',
  'self_deactivation',
  'network_error',
  'http_error',
  'invalid_state',
  'invalid_transition',
  'batch_not_open',
  'outside_application_window',
  'not_eligible',
  'deadline_passed',
  'payload_too_large',
  'unsupported_media_type',
  'file_missing',
  'wrong_password',
  'password_unchanged',
  'reset_token_invalid',
] as const

export type ProblemCode = (typeof PROBLEM_CODES)[number]

/** Codes of the later domains, each listed beside its messages in `i18n/domains/`. */
const DOMAIN_PROBLEM_CODES: readonly string[] = [...calendarCodes, ...publicityCodes, ...rankingCodes, ...evaluationCodes, ...catalogueCodes, ...statisticsCodes, ...awardsCodes, ...roadshowsCodes, ...followupCodes, ...agencyCodes, ...webhooksCodes, ...notificationsCodes]

/** Field-level codes (422 `errors[].code`) that have a better message than the server's. */
const FIELD_CODE_KEYS: Record<string, string> = {
  missing: 'validation.required',
  required: 'validation.required',
  uscc_invalid: 'problems.uscc_invalid',
  email_taken: 'problems.email_taken',
  uscc_taken: 'problems.uscc_taken',
  weak_password: 'problems.weak_password',
  wrong_password: 'problems.wrong_password',
  password_unchanged: 'problems.password_unchanged',
  self_deactivation: 'problems.self_deactivation',
  // Pydantic's codes on application and batch inputs.
  string_too_short: 'validation.tooShort',
  string_too_long: 'validation.tooLong',
  too_short: 'validation.atLeastOneRow',
  greater_than_equal: 'validation.outOfRange',
  less_than_equal: 'validation.outOfRange',
  decimal_parsing: 'validation.decimal',
  decimal_max_places: 'validation.decimal',
  decimal_max_digits: 'validation.decimal',
  decimal_whole_digits: 'validation.decimal',
  date_parsing: 'validation.date',
  date_from_datetime_parsing: 'validation.date',
  int_parsing: 'validation.integer',
  enum: 'validation.choice',
  unknown_field: 'validation.choice',
  duplicate_field: 'validation.duplicate',
  field_not_offered: 'validation.fieldNotOffered',
  window_order: 'batches.windowOrder',
  empty_file: 'attachments.problem.empty',
}

/** Codes that answer for a single field even when the problem carries no `errors[]`. */
const CODE_FIELDS: Record<string, string> = {
  email_taken: 'email',
  uscc_taken: 'organization.uscc',
  weak_password: 'password',
  wrong_password: 'current_password',
}

type Translator = {
  t: (key: string) => string
  te: (key: string) => boolean
}

function translator(): Translator {
  const g = i18n.global
  return {
    t: (key) => g.t(key),
    te: (key) => g.te(key, g.locale.value) || g.te(key, 'zh-CN'),
  }
}

export function isKnownProblemCode(code: string): code is ProblemCode {
  return (PROBLEM_CODES as readonly string[]).includes(code) || DOMAIN_PROBLEM_CODES.includes(code)
}

/** The translated message for a problem; unknown codes fall back to its title, then a generic text. */
export function problemMessage(
  problem: Pick<Problem, 'code' | 'title'> | null | undefined,
  tr: Translator = translator(),
): string {
  const code = problem?.code
  if (code && isKnownProblemCode(code) && tr.te(`problems.${code}`)) {
    return tr.t(`problems.${code}`)
  }
  return problem?.title || tr.t('problems.generic')
}

/** The message for any thrown error (ApiError or not). */
export function errorMessage(error: unknown, tr: Translator = translator()): string {
  if (isApiError(error)) return problemMessage(error.problem, tr)
  return tr.t('problems.generic')
}

export function fieldErrorMessage(error: FieldError, tr: Translator = translator()): string {
  const key = FIELD_CODE_KEYS[error.code]
  if (key && tr.te(key)) return tr.t(key)
  return error.message
}

/**
 * Field errors keyed by the API's dotted field path (`password`, `organization.uscc`), for forms
 * to show next to the right input. The first error per field wins.
 */
export function fieldErrors(error: unknown, tr: Translator = translator()): Record<string, string> {
  if (!(error instanceof ApiError)) return {}
  const result: Record<string, string> = {}
  for (const item of error.fieldErrors) {
    const field = item.field.replace(/^body\./, '')
    if (!(field in result)) result[field] = fieldErrorMessage(item, tr)
  }
  const implied = CODE_FIELDS[error.code]
  if (implied && !(implied in result)) result[implied] = problemMessage(error.problem, tr)
  return result
}
