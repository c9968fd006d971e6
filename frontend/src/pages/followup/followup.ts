/**
 * The follow-up forms' rules, mirroring the server's: money as decimal strings (never a float),
 * rates entered as percentages and sent as fractions, the insurance caps and date coherence.
 * Decimal arithmetic here is done on digit strings, so nothing drifts.
 */

/** The premium rate cap, as a percentage (the server's MAX_PREMIUM_RATE is 0.03). */
export const MAX_RATE_PERCENT = '3'
export const MAX_POLICY_YEARS = 3
/** NUMERIC(16, 2): at most 14 digits before the point. */
export const MAX_YUAN_WHOLE_DIGITS = 14

const DECIMAL = /^(\d+)(?:\.(\d*))?$/

/** "12,345,678.90" / "１２３" / " 12 345.5 " → "12345678.90" etc.: separators and spaces out,
 * full-width digits and point folded; the digits are otherwise left as typed. */
export function cleanDecimal(input: string): string {
  return input
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/[．。]/g, '.')
    .replace(/[,，\s_']/g, '')
}

type Parsed = { whole: string; fraction: string }

function parse(input: string): Parsed | null {
  const match = DECIMAL.exec(input)
  if (!match) return null
  const whole = match[1]!.replace(/^0+(?=\d)/, '')
  return { whole, fraction: match[2] ?? '' }
}

function canonical({ whole, fraction }: Parsed): string {
  const w = whole.replace(/^0+(?=\d)/, '') || '0'
  const f = fraction.replace(/0+$/, '')
  return f ? `${w}.${f}` : w
}

/** Moves the decimal point: `places` > 0 multiplies by 10^places, < 0 divides. */
export function shiftDecimal(value: string, places: number): string | null {
  const parsed = parse(cleanDecimal(value))
  if (!parsed) return null
  const digits = parsed.whole + parsed.fraction
  let point = parsed.whole.length + places
  let padded = digits
  if (point < 0) {
    padded = '0'.repeat(-point) + padded
    point = 0
  }
  if (point > padded.length) padded = padded + '0'.repeat(point - padded.length)
  return canonical({ whole: padded.slice(0, point) || '0', fraction: padded.slice(point) })
}

/** Compares two non-negative decimal strings exactly: -1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const x = parse(cleanDecimal(a))
  const y = parse(cleanDecimal(b))
  if (!x || !y) throw new Error('not a decimal')
  const xw = x.whole.replace(/^0+/, '')
  const yw = y.whole.replace(/^0+/, '')
  if (xw.length !== yw.length) return xw.length < yw.length ? -1 : 1
  if (xw !== yw) return xw < yw ? -1 : 1
  const width = Math.max(x.fraction.length, y.fraction.length)
  const xf = x.fraction.padEnd(width, '0')
  const yf = y.fraction.padEnd(width, '0')
  return xf === yf ? 0 : xf < yf ? -1 : 1
}

function isZero(value: string): boolean {
  return /^[0.]*$/.test(value)
}

export type MoneyProblem = 'required' | 'format' | 'decimals' | 'positive' | 'tooLarge'

/** What is wrong with an amount in yuan as typed, or null. */
export function moneyProblem(input: string): MoneyProblem | null {
  const value = cleanDecimal(input)
  if (!value) return 'required'
  const parsed = parse(value)
  if (!parsed) return 'format'
  if (parsed.fraction.length > 2) return 'decimals'
  if (isZero(value)) return 'positive'
  if (parsed.whole.replace(/^0+/, '').length > MAX_YUAN_WHOLE_DIGITS) return 'tooLarge'
  return null
}

/** The amount as the API takes it ("12345678.90"), or null when it is not valid. */
export function moneyBody(input: string): string | null {
  if (moneyProblem(input)) return null
  const parsed = parse(cleanDecimal(input))!
  const whole = parsed.whole.replace(/^0+(?=\d)/, '') || '0'
  return `${whole}.${parsed.fraction.padEnd(2, '0')}`
}

export type PercentProblem = 'required' | 'format' | 'decimals' | 'positive' | 'overCap' | 'overHundred'

/** What is wrong with a premium rate typed as a percentage (0 < rate ≤ 3, ≤ 3 decimals). */
export function ratePercentProblem(input: string): PercentProblem | null {
  const value = cleanDecimal(input).replace(/%$/, '')
  if (!value) return 'required'
  const parsed = parse(value)
  if (!parsed) return 'format'
  // A fraction with 5 decimals is a percentage with 3.
  if (parsed.fraction.length > 3) return 'decimals'
  if (isZero(value)) return 'positive'
  if (compareDecimal(value, MAX_RATE_PERCENT) > 0) return 'overCap'
  return null
}

/** What is wrong with a subsidy share typed as a percentage (0–100, ≤ 1 decimal). */
export function sharePercentProblem(input: string): PercentProblem | null {
  const value = cleanDecimal(input).replace(/%$/, '')
  if (!value) return 'required'
  const parsed = parse(value)
  if (!parsed) return 'format'
  if (parsed.fraction.length > 1) return 'decimals'
  if (compareDecimal(value, '100') > 0) return 'overHundred'
  return null
}

/** "2.5" (%) → "0.025"; null when not a number. */
export function percentToFraction(percent: string): string | null {
  return shiftDecimal(cleanDecimal(percent).replace(/%$/, ''), -2)
}

/** "0.02500" → "2.5" (%). */
export function fractionToPercent(fraction: string): string {
  return shiftDecimal(fraction, 2) ?? fraction
}

// --- dates ---------------------------------------------------------------------------------

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value)
  if (!match) return false
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
}

/** As the server (and PostgreSQL) add years: 29 February becomes 28 February. */
export function addYears(iso: string, years: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number]
  const year = y + years
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const day = m === 2 && d === 29 && !leap ? 28 : d
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

export type PeriodProblem = 'endsBeforeStart' | 'tooLong'

/** An insurance period: ends after it starts, at most three years later. */
export function policyPeriodProblem(startsOn: string, endsOn: string): PeriodProblem | null {
  if (!isIsoDate(startsOn) || !isIsoDate(endsOn)) return null
  if (endsOn <= startsOn) return 'endsBeforeStart'
  if (endsOn > addYears(startsOn, MAX_POLICY_YEARS)) return 'tooLong'
  return null
}

/** A project's dates: it may end on the day it starts, not before. */
export function projectPeriodProblem(startsOn: string, endsOn: string): PeriodProblem | null {
  if (!isIsoDate(startsOn) || !isIsoDate(endsOn)) return null
  return endsOn < startsOn ? 'endsBeforeStart' : null
}

// --- text ----------------------------------------------------------------------------------

const CONTROL_SINGLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/
const CONTROL_MULTI = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

export type TextProblem = 'required' | 'tooLong' | 'control'

/** The server strips text, limits its length and refuses control characters; so does the form. */
export function textProblem(
  value: string,
  { max, required = false, multiline = false }: { max: number; required?: boolean; multiline?: boolean },
): TextProblem | null {
  const text = value.trim()
  if (!text) return required ? 'required' : null
  if ([...text].length > max) return 'tooLong'
  if ((multiline ? CONTROL_MULTI : CONTROL_SINGLE).test(text)) return 'control'
  return null
}

/** Field codes of the follow-up API that have a message of their own under `followup.errors`. */
export const FIELD_CODE_MESSAGES: Record<string, string> = {
  premium_rate_over_cap: 'followup.errors.overCap',
  policy_period_too_long: 'followup.errors.tooLong',
  ends_before_start: 'followup.errors.endsBeforeStart',
  duplicate_policy_number: 'followup.errors.duplicatePolicy',
  control_characters: 'followup.errors.control',
  greater_than: 'followup.errors.positive',
  decimal_max_places: 'followup.errors.decimals',
  decimal_whole_digits: 'followup.errors.tooLarge',
  decimal_parsing: 'followup.errors.format',
  finite_number: 'followup.errors.format',
  roadshow_not_found: 'followup.errors.roadshow',
  required: 'validation.required',
  missing: 'validation.required',
  string_too_long: 'validation.tooLong',
}

