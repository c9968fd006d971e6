/** The officer's decision form: what each decision needs before it is sent. */
import type { Decision, DecisionInput } from '@/queries/applications'

import type { Invalid } from './draft'

export const REASON_MIN = 5
export const REASON_MAX = 2000
export const DEADLINE_MIN = 1
export const DEADLINE_MAX = 30
export const DEADLINE_DEFAULT = 5

/** Returning and rejecting must say why; passing an application may add a note. */
export function reasonRequired(decision: Decision): boolean {
  return decision === 'return' || decision === 'reject'
}

export function validateDecision(input: DecisionInput): Partial<Record<'reason' | 'deadline', Invalid>> {
  const errors: Partial<Record<'reason' | 'deadline', Invalid>> = {}
  const reason = input.reason.trim()
  if (reasonRequired(input.decision)) {
    if (!reason) errors.reason = { key: 'required' }
    else if (reason.length < REASON_MIN) errors.reason = { key: 'minLength', params: { n: REASON_MIN } }
  }
  if (!errors.reason && reason.length > REASON_MAX) {
    errors.reason = { key: 'maxLength', params: { n: REASON_MAX } }
  }
  if (input.decision === 'return') {
    const days = input.deadlineWorkingDays
    if (!Number.isInteger(days) || days < DEADLINE_MIN || days > DEADLINE_MAX) {
      errors.deadline = { key: 'integerRange', params: { min: DEADLINE_MIN, max: DEADLINE_MAX } }
    }
  }
  return errors
}
