/**
 * The three follow-up forms: their state (strings, as typed), the client checks that mirror the
 * server's (as message keys), and the bodies sent (money and rates as decimal strings).
 */
import type {
  IntentionRead,
  IntentionStatus,
  PolicyRead,
  ProjectRead,
  ProjectStage,
} from '@/api'

import {
  fractionToPercent,
  isIsoDate,
  moneyBody,
  moneyProblem,
  percentToFraction,
  policyPeriodProblem,
  projectPeriodProblem,
  ratePercentProblem,
  sharePercentProblem,
  textProblem,
  type MoneyProblem,
  type PercentProblem,
  type TextProblem,
} from './followup'

export const STAGES: readonly ProjectStage[] = ['planned', 'in_demonstration', 'in_application', 'completed']
export const INTENTION_STATUSES: readonly IntentionStatus[] = ['intent', 'signed', 'delivered', 'cancelled']

export type ProjectForm = {
  user_enterprise: string
  site: string
  stage: ProjectStage
  starts_on: string
  ends_on: string
  expected_investment_yuan: string
  notes: string
  public: boolean
}

export type IntentionForm = {
  buyer: string
  amount_yuan: string
  intended_on: string
  status: IntentionStatus
  source: string
  notes: string
}

export type PolicyForm = {
  insurer: string
  policy_number: string
  premium_yuan: string
  /** A percentage as typed: "2.5" is 2.5%. */
  premium_rate: string
  /** A percentage as typed: "80" is 80%. */
  subsidy_share: string
  starts_on: string
  ends_on: string
}

/** Message keys by field. */
export type FormErrors = Record<string, string>

const TEXT_KEYS: Record<TextProblem, string> = {
  required: 'validation.required',
  tooLong: 'validation.tooLong',
  control: 'followup.errors.control',
}
const MONEY_KEYS: Record<MoneyProblem, string> = {
  required: 'validation.required',
  format: 'followup.errors.format',
  decimals: 'followup.errors.decimals',
  positive: 'followup.errors.positive',
  tooLarge: 'followup.errors.tooLarge',
}
const RATE_KEYS: Record<PercentProblem, string> = {
  required: 'validation.required',
  format: 'followup.errors.format',
  decimals: 'followup.errors.rateDecimals',
  positive: 'followup.errors.ratePositive',
  overCap: 'followup.errors.overCap',
  overHundred: 'followup.errors.overHundred',
}
const SHARE_KEYS: Record<PercentProblem, string> = {
  ...RATE_KEYS,
  decimals: 'followup.errors.shareDecimals',
}

function text(errors: FormErrors, field: string, value: string, max: number, required = false, multiline = false) {
  const problem = textProblem(value, { max, required, multiline })
  if (problem) errors[field] = TEXT_KEYS[problem]
}

function money(errors: FormErrors, field: string, value: string) {
  const problem = moneyProblem(value)
  if (problem) errors[field] = MONEY_KEYS[problem]
}

function day(errors: FormErrors, field: string, value: string, required: boolean) {
  if (!value) {
    if (required) errors[field] = 'validation.required'
  } else if (!isIsoDate(value) || value < '1990-01-01' || value > '2100-12-31') {
    errors[field] = 'followup.errors.date'
  }
}

const trimmed = (value: string) => value.trim()
const optional = (value: string) => value.trim() || null

// --- demonstration projects -------------------------------------------------------------------

export function emptyProject(): ProjectForm {
  return {
    user_enterprise: '',
    site: '',
    stage: 'planned',
    starts_on: '',
    ends_on: '',
    expected_investment_yuan: '',
    notes: '',
    public: false,
  }
}

export function projectForm(p: ProjectRead): ProjectForm {
  return {
    user_enterprise: p.user_enterprise,
    site: p.site,
    stage: p.stage,
    starts_on: p.starts_on ?? '',
    ends_on: p.ends_on ?? '',
    expected_investment_yuan: p.expected_investment_yuan,
    notes: p.notes ?? '',
    public: p.public,
  }
}

export function validateProject(f: ProjectForm): FormErrors {
  const errors: FormErrors = {}
  text(errors, 'user_enterprise', f.user_enterprise, 200, true)
  text(errors, 'site', f.site, 200, true)
  if (!STAGES.includes(f.stage)) errors.stage = 'validation.choice'
  day(errors, 'starts_on', f.starts_on, false)
  day(errors, 'ends_on', f.ends_on, false)
  if (!errors.starts_on && !errors.ends_on && projectPeriodProblem(f.starts_on, f.ends_on)) {
    errors.ends_on = 'followup.errors.projectEndsBeforeStart'
  }
  money(errors, 'expected_investment_yuan', f.expected_investment_yuan)
  text(errors, 'notes', f.notes, 5000, false, true)
  return errors
}

export function projectBody(f: ProjectForm) {
  return {
    user_enterprise: trimmed(f.user_enterprise),
    site: trimmed(f.site),
    stage: f.stage,
    starts_on: f.starts_on || null,
    ends_on: f.ends_on || null,
    expected_investment_yuan: moneyBody(f.expected_investment_yuan)!,
    notes: optional(f.notes),
    public: f.public,
  }
}

// --- purchase intentions ----------------------------------------------------------------------

export function emptyIntention(): IntentionForm {
  return { buyer: '', amount_yuan: '', intended_on: '', status: 'intent', source: '', notes: '' }
}

export function intentionForm(i: IntentionRead): IntentionForm {
  return {
    buyer: i.buyer,
    amount_yuan: i.amount_yuan,
    intended_on: i.intended_on,
    status: i.status,
    source: i.source ?? '',
    notes: i.notes ?? '',
  }
}

export function validateIntention(f: IntentionForm): FormErrors {
  const errors: FormErrors = {}
  text(errors, 'buyer', f.buyer, 200, true)
  money(errors, 'amount_yuan', f.amount_yuan)
  day(errors, 'intended_on', f.intended_on, true)
  if (!INTENTION_STATUSES.includes(f.status)) errors.status = 'validation.choice'
  text(errors, 'source', f.source, 200)
  text(errors, 'notes', f.notes, 5000, false, true)
  return errors
}

export function intentionBody(f: IntentionForm) {
  return {
    buyer: trimmed(f.buyer),
    amount_yuan: moneyBody(f.amount_yuan)!,
    intended_on: f.intended_on,
    status: f.status,
    source: optional(f.source),
    notes: optional(f.notes),
  }
}

// --- insurance policies -----------------------------------------------------------------------

export function emptyPolicy(): PolicyForm {
  return {
    insurer: '',
    policy_number: '',
    premium_yuan: '',
    premium_rate: '',
    subsidy_share: '80',
    starts_on: '',
    ends_on: '',
  }
}

export function policyForm(p: PolicyRead): PolicyForm {
  return {
    insurer: p.insurer,
    policy_number: p.policy_number,
    premium_yuan: p.premium_yuan,
    premium_rate: fractionToPercent(p.premium_rate),
    subsidy_share: fractionToPercent(p.subsidy_share),
    starts_on: p.starts_on,
    ends_on: p.ends_on,
  }
}

export function validatePolicy(f: PolicyForm): FormErrors {
  const errors: FormErrors = {}
  text(errors, 'insurer', f.insurer, 200, true)
  text(errors, 'policy_number', f.policy_number, 60, true)
  money(errors, 'premium_yuan', f.premium_yuan)
  const rate = ratePercentProblem(f.premium_rate)
  if (rate) errors.premium_rate = RATE_KEYS[rate]
  const share = sharePercentProblem(f.subsidy_share)
  if (share) errors.subsidy_share = SHARE_KEYS[share]
  day(errors, 'starts_on', f.starts_on, true)
  day(errors, 'ends_on', f.ends_on, true)
  if (!errors.starts_on && !errors.ends_on) {
    const period = policyPeriodProblem(f.starts_on, f.ends_on)
    if (period) errors.ends_on = period === 'tooLong' ? 'followup.errors.tooLong' : 'followup.errors.endsBeforeStart'
  }
  return errors
}

export function policyBody(f: PolicyForm) {
  return {
    insurer: trimmed(f.insurer),
    policy_number: trimmed(f.policy_number),
    premium_yuan: moneyBody(f.premium_yuan)!,
    premium_rate: percentToFraction(f.premium_rate)!,
    subsidy_share: percentToFraction(f.subsidy_share)!,
    starts_on: f.starts_on,
    ends_on: f.ends_on,
  }
}
