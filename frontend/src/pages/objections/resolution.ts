/** The admin's written resolution of an objection (api/publicity/schemas.py ResolutionRequest). */
import type { ObjectionStatus } from '@/api'

export const RESOLUTION_MIN = 10
export const RESOLUTION_MAX = 5000

export type ResolveAction = 'uphold' | 'dismiss'

/** Characters as the server counts them (code points of the trimmed text). */
export function resolutionLength(text: string): number {
  return [...text.trim()].length
}

/** A message key under `publicity.resolve` with its parameters, or null when it may be sent. */
export function resolutionProblem(text: string): { key: string; params?: Record<string, number> } | null {
  const length = resolutionLength(text)
  if (length === 0) return { key: 'required' }
  if (length < RESOLUTION_MIN) return { key: 'tooShort', params: { n: RESOLUTION_MIN } }
  if (length > RESOLUTION_MAX) return { key: 'tooLong', params: { n: RESOLUTION_MAX } }
  return null
}

/** The triage moves open to an objection in each state (api/publicity/objections.py MOVES). */
export function availableActions(status: ObjectionStatus): ('start-review' | ResolveAction)[] {
  if (status === 'filed') return ['start-review', 'uphold', 'dismiss']
  if (status === 'under_review') return ['uphold', 'dismiss']
  return []
}

export const STATUS_TAG_TYPES: Record<ObjectionStatus, 'primary' | 'success' | 'info' | 'warning' | 'danger'> = {
  filed: 'warning',
  under_review: 'primary',
  upheld: 'danger',
  dismissed: 'info',
}
