/**
 * The application form's editable copy: strings as the inputs hold them, turned into the API's
 * shapes per step, and checked before a step is saved. Paths of errors are the API's field
 * paths (`indicators.0.indicator`), so client and server errors land on the same input.
 */
import type {
  ApplicationRead,
  ApplicationUpdate,
  IndicatorRow,
  IpRight,
  IpStatus,
  IpType,
  Licence,
  ProductType,
  SaleRecordInput,
  TechnicalLevel,
} from '@/api'

export type IndicatorDraft = {
  indicator: string
  unit: string
  own_value: string
  best_domestic: string
  best_international: string
  evidence: string
}
export type IpDraft = { number: string; type: IpType | ''; status: IpStatus | '' }
export type SaleDraft = {
  buyer: string
  date: string
  units: string
  amount_yuan: string
  in_beijing: boolean
}
export type LicenceDraft = { name: string; number: string; valid_until: string }

export type BasicDraft = {
  product_name_zh: string
  product_name_en: string
  model_spec: string
  field: string
  product_type: ProductType | ''
  claimed_level: TechnicalLevel | ''
  summary_zh: string
  summary_en: string
  price_yuan: string
  expected_demonstration_use: string
}

export type ApplicationDraft = BasicDraft & {
  indicators: IndicatorDraft[]
  ip_rights: IpDraft[]
  sales: SaleDraft[]
  licences: LicenceDraft[]
}

export const IP_TYPES: readonly IpType[] = [
  'invention_patent',
  'utility_model',
  'design_patent',
  'software_copyright',
  'ic_layout',
]
export const IP_STATUSES: readonly IpStatus[] = ['granted', 'pending']

export const BASIC_FIELDS = [
  'product_name_zh',
  'product_name_en',
  'model_spec',
  'field',
  'product_type',
  'claimed_level',
  'summary_zh',
  'summary_en',
  'price_yuan',
  'expected_demonstration_use',
] as const satisfies readonly (keyof BasicDraft)[]

/** The form's steps; the first three are saved by PATCH, the last two act on their own. */
export const STEPS = ['basic', 'indicators', 'ipSales', 'attachments', 'check'] as const
export type Step = (typeof STEPS)[number]
export type DataStep = 'basic' | 'indicators' | 'ipSales'

export const STEP_FIELDS: Record<DataStep, readonly (keyof ApplicationDraft)[]> = {
  basic: BASIC_FIELDS,
  indicators: ['indicators'],
  ipSales: ['ip_rights', 'sales', 'licences'],
}

export function isDataStep(step: Step): step is DataStep {
  return step in STEP_FIELDS
}

/** The step whose inputs hold the API field `path` (null for non-form paths). */
export function stepOfPath(path: string): DataStep | null {
  const head = path.split('.')[0] ?? ''
  for (const step of Object.keys(STEP_FIELDS) as DataStep[]) {
    if ((STEP_FIELDS[step] as readonly string[]).includes(head)) return step
  }
  return null
}

export const emptyIndicator = (): IndicatorDraft => ({
  indicator: '',
  unit: '',
  own_value: '',
  best_domestic: '',
  best_international: '',
  evidence: '',
})
export const emptyIp = (): IpDraft => ({ number: '', type: '', status: '' })
export const emptySale = (): SaleDraft => ({
  buyer: '',
  date: '',
  units: '1',
  amount_yuan: '',
  in_beijing: true,
})
export const emptyLicence = (): LicenceDraft => ({ name: '', number: '', valid_until: '' })

export function draftFrom(app: ApplicationRead): ApplicationDraft {
  return {
    product_name_zh: app.product_name_zh ?? '',
    product_name_en: app.product_name_en ?? '',
    model_spec: app.model_spec ?? '',
    field: app.field ?? '',
    product_type: app.product_type ?? '',
    claimed_level: app.claimed_level ?? '',
    summary_zh: app.summary_zh ?? '',
    summary_en: app.summary_en ?? '',
    price_yuan: app.price_yuan == null ? '' : String(app.price_yuan),
    expected_demonstration_use: app.expected_demonstration_use ?? '',
    indicators: app.indicators.map((row) => ({
      indicator: row.indicator,
      unit: row.unit ?? '',
      own_value: row.own_value,
      best_domestic: row.best_domestic ?? '',
      best_international: row.best_international ?? '',
      evidence: row.evidence ?? '',
    })),
    ip_rights: app.ip_rights.map((row) => ({ ...row })),
    sales: app.sales.map((row) => ({
      buyer: row.buyer,
      date: row.date,
      units: String(row.units),
      amount_yuan: String(row.amount_yuan),
      in_beijing: row.in_beijing,
    })),
    licences: app.licences.map((row) => ({
      name: row.name,
      number: row.number,
      valid_until: row.valid_until ?? '',
    })),
  }
}

const orNull = (value: string): string | null => (value.trim() ? value.trim() : null)

/** The PATCH body of one step. */
export function payloadFor(step: DataStep, draft: ApplicationDraft): ApplicationUpdate {
  switch (step) {
    case 'basic':
      return {
        product_name_zh: draft.product_name_zh.trim(),
        product_name_en: orNull(draft.product_name_en),
        model_spec: orNull(draft.model_spec),
        field: orNull(draft.field),
        product_type: (draft.product_type || null) as ProductType | null,
        claimed_level: (draft.claimed_level || null) as TechnicalLevel | null,
        summary_zh: orNull(draft.summary_zh),
        summary_en: orNull(draft.summary_en),
        price_yuan: orNull(draft.price_yuan),
        expected_demonstration_use: orNull(draft.expected_demonstration_use),
      }
    case 'indicators':
      return {
        indicators: draft.indicators.map(
          (row): IndicatorRow => ({
            indicator: row.indicator.trim(),
            unit: row.unit.trim(),
            own_value: row.own_value.trim(),
            best_domestic: row.best_domestic.trim(),
            best_international: row.best_international.trim(),
            evidence: row.evidence.trim(),
          }),
        ),
      }
    case 'ipSales':
      return {
        ip_rights: draft.ip_rights.map(
          (row): IpRight => ({
            number: row.number.trim(),
            type: row.type as IpType,
            status: row.status as IpStatus,
          }),
        ),
        sales: draft.sales.map(
          (row): SaleRecordInput => ({
            buyer: row.buyer.trim(),
            date: row.date,
            units: Number(row.units),
            amount_yuan: row.amount_yuan.trim(),
            in_beijing: row.in_beijing,
          }),
        ),
        licences: draft.licences.map(
          (row): Licence => ({
            name: row.name.trim(),
            number: row.number.trim(),
            valid_until: row.valid_until || null,
          }),
        ),
      }
  }
}

/** Whether a step differs from what the server holds (only changed steps are saved). */
export function stepChanged(step: DataStep, draft: ApplicationDraft, saved: ApplicationDraft): boolean {
  return JSON.stringify(payloadFor(step, draft)) !== JSON.stringify(payloadFor(step, saved))
}

// --- validation ---------------------------------------------------------------------------------

/** A problem with one input: an i18n key under `validation.` and its parameters. */
export type Invalid = { key: string; params?: Record<string, unknown> }
export type StepErrors = Record<string, Invalid>

const DECIMAL = /^\d{1,14}(\.\d{1,2})?$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

type Check = (value: string) => Invalid | null

const required: Check = (v) => (v.trim() ? null : { key: 'required' })
const maxLength =
  (n: number): Check =>
  (v) =>
    v.trim().length > n ? { key: 'maxLength', params: { n } } : null
const minLength =
  (n: number): Check =>
  (v) =>
    v.trim() && v.trim().length < n ? { key: 'minLength', params: { n } } : null
const decimal: Check = (v) => (!v.trim() || DECIMAL.test(v.trim()) ? null : { key: 'decimal' })
const date: Check = (v) => (!v || DATE.test(v) ? null : { key: 'date' })
const integerRange =
  (min: number, max: number): Check =>
  (v) => {
    const n = Number(v)
    return v.trim() && Number.isInteger(n) && n >= min && n <= max
      ? null
      : { key: 'integerRange', params: { min, max } }
  }

function run(errors: StepErrors, path: string, value: string, checks: Check[]) {
  for (const check of checks) {
    const problem = check(value)
    if (problem) {
      errors[path] = problem
      return
    }
  }
}

function rows<T>(
  errors: StepErrors,
  name: string,
  list: T[],
  spec: Partial<Record<keyof T & string, Check[]>>,
) {
  list.forEach((row, index) => {
    for (const [key, checks] of Object.entries(spec) as [keyof T & string, Check[]][]) {
      run(errors, `${name}.${index}.${key}`, String(row[key] ?? ''), checks)
    }
  })
}

/**
 * Checks one step. `strict` (moving on to the next step) also asks for what the submission
 * will need; a plain save only refuses what the server would refuse.
 */
export function validateStep(step: DataStep, draft: ApplicationDraft, strict: boolean): StepErrors {
  const errors: StepErrors = {}
  const need = (checks: Check[]) => (strict ? [required, ...checks] : checks)
  switch (step) {
    case 'basic':
      run(errors, 'product_name_zh', draft.product_name_zh, [required, minLength(2), maxLength(200)])
      run(errors, 'product_name_en', draft.product_name_en, [maxLength(300)])
      run(errors, 'model_spec', draft.model_spec, [maxLength(200)])
      run(errors, 'field', draft.field, need([]))
      run(errors, 'product_type', draft.product_type, need([]))
      run(errors, 'claimed_level', draft.claimed_level, need([]))
      run(errors, 'summary_zh', draft.summary_zh, need([maxLength(5000)]))
      run(errors, 'summary_en', draft.summary_en, [maxLength(5000)])
      run(errors, 'price_yuan', draft.price_yuan, [decimal])
      run(errors, 'expected_demonstration_use', draft.expected_demonstration_use, [maxLength(5000)])
      break
    case 'indicators':
      if (strict && draft.indicators.length === 0) errors.indicators = { key: 'atLeastOneRow' }
      rows(errors, 'indicators', draft.indicators, {
        indicator: [required, maxLength(200)],
        unit: [maxLength(40)],
        own_value: [required, maxLength(200)],
        best_domestic: [maxLength(200)],
        best_international: [maxLength(200)],
        evidence: [maxLength(500)],
      })
      break
    case 'ipSales':
      rows(errors, 'ip_rights', draft.ip_rights, {
        number: [required, maxLength(200)],
        type: [required],
        status: [required],
      })
      rows(errors, 'sales', draft.sales, {
        buyer: [required, maxLength(200)],
        date: [required, date],
        units: [integerRange(1, 100_000)],
        amount_yuan: [required, decimal],
      })
      rows(errors, 'licences', draft.licences, {
        name: [required, maxLength(200)],
        number: [required, maxLength(200)],
        valid_until: [date],
      })
      break
  }
  return errors
}
