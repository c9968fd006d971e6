/** Column definitions of the application form's editable tables. */
import { IP_STATUSES, IP_TYPES } from './draft'

/** One column of an editable table: how its cells are edited. */
export type RowsColumn = {
  key: string
  label: string
  type?: 'text' | 'select' | 'date' | 'integer' | 'decimal' | 'boolean'
  options?: { code: string; label: string }[]
  required?: boolean
  maxlength?: number
  /** Wider inputs for long text. */
  wide?: boolean
}

type T = (key: string) => string

export function indicatorColumns(t: T): RowsColumn[] {
  return [
    { key: 'indicator', label: t('indicators.indicator'), required: true, maxlength: 200, wide: true },
    { key: 'unit', label: t('indicators.unit'), maxlength: 40 },
    { key: 'own_value', label: t('indicators.ownValue'), required: true, maxlength: 200 },
    { key: 'best_domestic', label: t('indicators.bestDomestic'), maxlength: 200 },
    { key: 'best_international', label: t('indicators.bestInternational'), maxlength: 200 },
    { key: 'evidence', label: t('indicators.evidence'), maxlength: 500, wide: true },
  ]
}

export function ipColumns(t: T): RowsColumn[] {
  return [
    { key: 'number', label: t('ipRights.number'), required: true, maxlength: 200, wide: true },
    {
      key: 'type',
      label: t('ipRights.type'),
      type: 'select',
      required: true,
      options: IP_TYPES.map((code) => ({ code, label: t(`ipType.${code}`) })),
    },
    {
      key: 'status',
      label: t('ipRights.status'),
      type: 'select',
      required: true,
      options: IP_STATUSES.map((code) => ({ code, label: t(`ipStatus.${code}`) })),
    },
  ]
}

export function saleColumns(t: T): RowsColumn[] {
  return [
    { key: 'buyer', label: t('sales.buyer'), required: true, maxlength: 200, wide: true },
    { key: 'date', label: t('sales.date'), type: 'date', required: true },
    { key: 'units', label: t('sales.units'), type: 'integer', required: true },
    { key: 'amount_yuan', label: t('sales.amountYuan'), type: 'decimal', required: true },
    { key: 'in_beijing', label: t('sales.inBeijing'), type: 'boolean' },
  ]
}

export function licenceColumns(t: T): RowsColumn[] {
  return [
    { key: 'name', label: t('licences.name'), required: true, maxlength: 200, wide: true },
    { key: 'number', label: t('licences.number'), required: true, maxlength: 200 },
    { key: 'valid_until', label: t('licences.validUntil'), type: 'date' },
  ]
}
