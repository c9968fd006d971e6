/**
 * The public objection form: what it checks before sending (mirroring the server's rules in
 * api/publicity/schemas.py), the multipart body it sends, and the server's answers mapped back
 * onto its fields.
 */
import type { FieldError } from '@/api'
import { ApiError } from '@/http/problem'
import { EVIDENCE_MAX_BYTES } from '@/queries/publicity'

export const NAME_MAX = 50
export const PHONE_MIN = 6
export const PHONE_MAX = 20
export const PHONE_PATTERN = /^\+?[0-9][0-9 -]*[0-9]$/
export const EMAIL_MAX = 254
export const ORGANIZATION_MAX = 200
export const STATEMENT_MIN = 10
export const STATEMENT_MAX = 5000

export type ObjectionForm = {
  applicationId: string
  name: string
  phone: string
  email: string
  organization: string
  statement: string
  evidence: File | null
  consent: boolean
}

export type ObjectionField = keyof ObjectionForm

/** A message key under `publicity.form.errors` with its parameters. */
export type Invalid = { key: string; params?: Record<string, string | number> }

export function blankObjection(applicationId = ''): ObjectionForm {
  return {
    applicationId,
    name: '',
    phone: '',
    email: '',
    organization: '',
    statement: '',
    evidence: null,
    consent: false,
  }
}

/** Characters as the server counts them (code points of the trimmed text). */
export function charCount(text: string): number {
  return [...text.trim()].length
}

/** Deliberately loose (the server has the last word): something@something.tld, no spaces. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function phoneProblem(phone: string): Invalid | null {
  const value = phone.trim()
  if (!value) return null
  if (value.length < PHONE_MIN || value.length > PHONE_MAX || !PHONE_PATTERN.test(value)) {
    return { key: 'phoneInvalid', params: { min: PHONE_MIN, max: PHONE_MAX } }
  }
  return null
}

export function emailProblem(email: string): Invalid | null {
  const value = email.trim()
  if (!value) return null
  if (value.length > EMAIL_MAX || !EMAIL_PATTERN.test(value)) return { key: 'emailInvalid' }
  return null
}

/** Why a file cannot be the evidence: it must be a non-empty PDF within the size limit. */
export function evidenceProblem(
  file: Pick<File, 'name' | 'size' | 'type'>,
  maxBytes: number = EVIDENCE_MAX_BYTES,
): 'empty' | 'type' | 'too_large' | null {
  const isPdf = file.type === 'application/pdf' || (!file.type && /\.pdf$/i.test(file.name))
  if (!isPdf) return 'type'
  if (file.size === 0) return 'empty'
  if (file.size > maxBytes) return 'too_large'
  return null
}

const EVIDENCE_KEYS = { empty: 'evidenceEmpty', type: 'evidenceType', too_large: 'evidenceTooLarge' } as const

/** Everything the client can tell before sending; an empty object when the form may go. */
export function validateObjection(form: ObjectionForm): Partial<Record<ObjectionField, Invalid>> {
  const errors: Partial<Record<ObjectionField, Invalid>> = {}
  if (!form.applicationId) errors.applicationId = { key: 'productRequired' }
  const name = form.name.trim()
  if (!name) errors.name = { key: 'nameRequired' }
  else if (name.length > NAME_MAX) errors.name = { key: 'tooLong', params: { n: NAME_MAX } }
  if (!form.phone.trim() && !form.email.trim()) {
    errors.phone = { key: 'contactRequired' }
    errors.email = { key: 'contactRequired' }
  } else {
    const phone = phoneProblem(form.phone)
    if (phone) errors.phone = phone
    const email = emailProblem(form.email)
    if (email) errors.email = email
  }
  if (form.organization.trim().length > ORGANIZATION_MAX) {
    errors.organization = { key: 'tooLong', params: { n: ORGANIZATION_MAX } }
  }
  const length = charCount(form.statement)
  if (length === 0) errors.statement = { key: 'statementRequired' }
  else if (length < STATEMENT_MIN) errors.statement = { key: 'statementTooShort', params: { n: STATEMENT_MIN } }
  else if (length > STATEMENT_MAX) errors.statement = { key: 'statementTooLong', params: { n: STATEMENT_MAX } }
  if (form.evidence) {
    const problem = evidenceProblem(form.evidence)
    if (problem) errors.evidence = { key: EVIDENCE_KEYS[problem] }
  }
  if (!form.consent) errors.consent = { key: 'consentRequired' }
  return errors
}

/** The multipart body of `POST /publicity/{batch_id}/objections`; empty optional fields are left out. */
export function objectionFormData(form: ObjectionForm): FormData {
  const data = new FormData()
  data.append('application_id', form.applicationId)
  data.append('objector_name', form.name.trim())
  const optional: [string, string][] = [
    ['objector_phone', form.phone],
    ['objector_email', form.email],
    ['objector_organization', form.organization],
  ]
  for (const [key, value] of optional) {
    if (value.trim()) data.append(key, value.trim())
  }
  data.append('statement', form.statement.trim())
  if (form.evidence) data.append('evidence', form.evidence, form.evidence.name)
  return data
}

/** The API's field names → the form's. */
const API_FIELDS: Record<string, ObjectionField> = {
  application_id: 'applicationId',
  objector_name: 'name',
  objector_phone: 'phone',
  objector_email: 'email',
  objector_organization: 'organization',
  statement: 'statement',
  evidence: 'evidence',
}

/** A field error of the API as a message key of the form, or null to show the server's text. */
function fieldInvalid(field: ObjectionField, error: FieldError): Invalid | null {
  switch (error.code) {
    case 'contact_required':
      return { key: 'contactRequired' }
    case 'not_in_publicity':
      return { key: 'notInPublicity' }
    case 'empty_file':
      return { key: 'evidenceEmpty' }
    case 'missing':
      return { key: field === 'applicationId' ? 'productRequired' : field === 'statement' ? 'statementRequired' : 'nameRequired' }
  }
  if (field === 'phone') return { key: 'phoneInvalid', params: { min: PHONE_MIN, max: PHONE_MAX } }
  if (field === 'email') return { key: 'emailInvalid' }
  if (field === 'applicationId') return { key: 'notInPublicity' }
  if (field === 'statement' && error.code === 'string_too_short') return { key: 'statementTooShort', params: { n: STATEMENT_MIN } }
  if (field === 'statement' && error.code === 'string_too_long') return { key: 'statementTooLong', params: { n: STATEMENT_MAX } }
  if (field === 'name' && error.code === 'string_too_long') return { key: 'tooLong', params: { n: NAME_MAX } }
  if (field === 'organization' && error.code === 'string_too_long') return { key: 'tooLong', params: { n: ORGANIZATION_MAX } }
  return null
}

/**
 * The server's refusal mapped onto the form's fields: 422 field errors, and the 413/415 of the
 * evidence. Each value is a message key, or the server's own text when nothing better is known.
 */
export function serverFieldErrors(error: unknown): Partial<Record<ObjectionField, Invalid | string>> {
  if (!(error instanceof ApiError)) return {}
  if (error.status === 413) return { evidence: { key: 'evidenceTooLarge' } }
  if (error.status === 415) return { evidence: { key: 'evidenceType' } }
  const result: Partial<Record<ObjectionField, Invalid | string>> = {}
  for (const item of error.fieldErrors) {
    const field = API_FIELDS[item.field.replace(/^body\./, '')]
    if (!field || field in result) continue
    result[field] = fieldInvalid(field, item) ?? item.message
  }
  return result
}

/** Minutes to wait before filing again after a 429 (at least one), or null when not said. */
export function retryMinutes(seconds: number | null | undefined): number | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return null
  return Math.max(1, Math.ceil(seconds / 60))
}

export type ReferenceParts = { year: number; sequence: number; number: number }

/** `YY-2025-02-0001` → the batch's year and sequence and the objection's number in it. */
export function parseReference(reference: string): ReferenceParts | null {
  const match = /^YY-(\d{4})-(\d{2,})-(\d{4,})$/.exec(reference.trim())
  if (!match) return null
  return { year: Number(match[1]), sequence: Number(match[2]), number: Number(match[3]) }
}
