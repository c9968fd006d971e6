/**
 * What the certificate screen works out without the server: the revocation reason's checks
 * (api/awards/schemas.py AwardRevoke), the status tags, the issue result, dates in Beijing.
 */
import type { CertificateStatus } from '@/api'
import { isApiError } from '@/http/problem'

export const REASON_MIN = 10
export const REASON_MAX = 2000

/** A message under `awards.revoke.errors` with its parameters. */
export type MessageRef = { key: string; params?: Record<string, number> }

/** Characters as the server counts them: code points of the text with its whitespace stripped. */
export function reasonLength(text: string): number {
  return [...text.trim()].length
}

/** Why the reason cannot be sent yet, or null when the server would take it. */
export function reasonProblem(text: string): MessageRef | null {
  const length = reasonLength(text)
  if (length === 0) return { key: 'required' }
  if (length < REASON_MIN) return { key: 'tooShort', params: { n: REASON_MIN } }
  if (length > REASON_MAX) return { key: 'tooLong', params: { n: REASON_MAX } }
  return null
}

/**
 * The server's 422 on `reason` as one of our messages; its own text for a check we do not know.
 * Null when the refusal is not about the reason.
 */
export function serverReasonProblem(error: unknown): MessageRef | string | null {
  if (!isApiError(error) || error.status !== 422) return null
  const item = error.fieldErrors.find((e) => e.field.replace(/^body\./, '') === 'reason')
  if (!item) return null
  switch (item.code) {
    case 'missing':
      return { key: 'required' }
    case 'string_too_short':
      return { key: 'tooShort', params: { n: REASON_MIN } }
    case 'string_too_long':
      return { key: 'tooLong', params: { n: REASON_MAX } }
    default:
      return item.message
  }
}

/**
 * A revocation refused because the list was stale: someone revoked the certificate meanwhile
 * (409), or it is gone (404). Null for any other refusal, which the dialog shows itself.
 */
export function staleRevocation(error: unknown): 'already_revoked' | 'not_found' | null {
  if (!isApiError(error)) return null
  if (error.status === 409 && error.code === 'award_already_revoked') return 'already_revoked'
  if (error.status === 404 && error.code === 'award_not_found') return 'not_found'
  return null
}

type TagType = 'success' | 'info' | 'danger'

/** The tag of each status: its colour, and its text under `awards.status` (never colour alone). */
export const STATUS_TAGS: Record<CertificateStatus, { type: TagType; key: string }> = {
  valid: { type: 'success', key: 'awards.status.valid' },
  expired: { type: 'info', key: 'awards.status.expired' },
  revoked: { type: 'danger', key: 'awards.status.revoked' },
}

/** An expired certificate can still be revoked (the server only refuses a second revocation). */
export function canRevoke(status: CertificateStatus): boolean {
  return status !== 'revoked'
}

/** The message after "issue now": a plural of `awards.issue.result`, none issued being no success. */
export function issueResultMessage(issued: number): { key: string; count: number; type: 'success' | 'info' } {
  return { key: 'awards.issue.result', count: issued, type: issued > 0 ? 'success' : 'info' }
}

const BEIJING_DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

/** The calendar day (`YYYY-MM-DD`) of an instant in Beijing, where certificates are issued. */
export function beijingDay(instant: string): string {
  const date = new Date(instant)
  if (Number.isNaN(date.getTime())) return instant
  const parts = Object.fromEntries(BEIJING_DAY.formatToParts(date).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day}`
}

/** The signed payload's fields in the order the certificate reads; fields added later go last. */
export const PAYLOAD_ORDER = [
  'number',
  'product',
  'model',
  'organization',
  'uscc',
  'level',
  'batch',
  'issued_at',
  'valid_until',
] as const

export function payloadEntries(payload: Record<string, string>): [string, string][] {
  const known = PAYLOAD_ORDER.filter((key) => key in payload).map((key): [string, string] => [key, payload[key]!])
  const others = Object.keys(payload)
    .filter((key) => !(PAYLOAD_ORDER as readonly string[]).includes(key))
    .sort()
    .map((key): [string, string] => [key, payload[key]!])
  return [...known, ...others]
}

export type CertificateQuery = { batch: string; status: CertificateStatus | '' }

/** The filters of the URL (`?batch=&status=`); anything unknown means "all". */
export function filtersFromQuery(query: Record<string, unknown>): CertificateQuery {
  const status = typeof query.status === 'string' ? query.status : ''
  return {
    batch: typeof query.batch === 'string' ? query.batch : '',
    status: Object.hasOwn(STATUS_TAGS, status) ? (status as CertificateStatus) : '',
  }
}
