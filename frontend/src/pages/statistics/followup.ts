/**
 * The programme's follow-up figures (demonstration, purchase intentions, insurance) as headline
 * cards and tables, and any data table as a CSV download. Pure functions, unit-tested.
 */
import type { FollowUp, YearStatistics } from '@/api'

import { formatCount, formatShare, type DataTable, type Translate } from './charts'

const HUNDRED_MILLION = 100_000_000
const TEN_THOUSAND = 10_000

/**
 * A large amount of yuan the way the programme reports it: 亿元 / 万元 in Chinese, compact CNY
 * in English. For display only (the API's decimal strings stay exact everywhere else).
 */
export function formatYuan(value: string, locale: string): string {
  const amount = Number(value)
  if (!Number.isFinite(amount)) return value
  if (locale.startsWith('zh')) {
    const number = (n: number, digits: number) =>
      new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n)
    if (Math.abs(amount) >= HUNDRED_MILLION) return `${number(amount / HUNDRED_MILLION, 2)} 亿元`
    if (Math.abs(amount) >= TEN_THOUSAND) return `${number(amount / TEN_THOUSAND, 1)} 万元`
    return `${number(amount, 2)} 元`
  }
  const compact = Math.abs(amount) >= TEN_THOUSAND
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'CNY',
    notation: compact ? 'compact' : 'standard',
    minimumFractionDigits: compact ? 0 : 2,
    maximumFractionDigits: 2,
  }).format(amount)
}

export type FollowUpFigure = { key: string; label: string; value: string; detail: string }

/** The headline cards: demonstration share, purchase intentions, investment, insurance. */
export function followUpFigures(followup: FollowUp, locale: string, t: Translate): FollowUpFigure[] {
  const { demonstration, intentions, insurance } = followup
  return [
    {
      key: 'demonstration',
      label: t('statistics.followup.demonstration'),
      value: formatShare(demonstration.demonstration_share, locale),
      detail: t('statistics.followup.demonstrationDetail', {
        n: formatCount(demonstration.awards_in_demonstration, locale),
        total: formatCount(followup.awards, locale),
      }),
    },
    {
      key: 'intentions',
      label: t('statistics.followup.intentions'),
      value: formatYuan(intentions.total_yuan, locale),
      detail: t('statistics.followup.intentionsDetail', {
        signed: formatYuan(intentions.signed_yuan, locale),
        intent: formatYuan(intentions.intent_yuan, locale),
      }),
    },
    {
      key: 'investment',
      label: t('statistics.followup.investment'),
      value: formatYuan(demonstration.expected_investment_yuan, locale),
      detail: t('statistics.followup.investmentDetail', { n: formatCount(demonstration.projects, locale) }),
    },
    {
      key: 'insurance',
      label: t('statistics.followup.insurance'),
      value: formatShare(insurance.coverage_share, locale),
      detail: t('statistics.followup.insuranceDetail', {
        n: formatCount(insurance.awards_insured, locale),
        premium: formatYuan(insurance.premium_yuan, locale),
        subsidy: formatYuan(insurance.subsidy_yuan, locale),
      }),
    },
  ]
}

/** Records counted that no admin has verified yet (the figures say so beside them). */
export function unverifiedCount(followup: FollowUp): number {
  return followup.demonstration.unverified + followup.intentions.unverified + followup.insurance.unverified
}

/** The follow-up figures as a table (the cards' numbers, exact to the yuan). */
export function followUpTable(followup: FollowUp, locale: string, t: Translate): DataTable {
  const exact = (value: string) => `${new Intl.NumberFormat(locale, { minimumFractionDigits: 2 }).format(Number(value))}`
  const { demonstration, intentions, insurance } = followup
  const row = (key: string, value: string) => ({ key, cells: [t(`statistics.followup.rows.${key}`), value] })
  return {
    columns: [t('statistics.followup.rows.measure'), t('statistics.followup.rows.value')],
    rows: [
      row('awards', formatCount(followup.awards, locale)),
      row('awardsInDemonstration', formatCount(demonstration.awards_in_demonstration, locale)),
      row('demonstrationShare', formatShare(demonstration.demonstration_share, locale)),
      row('projects', formatCount(demonstration.projects, locale)),
      row('investmentYuan', exact(demonstration.expected_investment_yuan)),
      row('intentions', formatCount(intentions.count, locale)),
      row('intentYuan', exact(intentions.intent_yuan)),
      row('signedYuan', exact(intentions.signed_yuan)),
      row('totalYuan', exact(intentions.total_yuan)),
      row('policies', formatCount(insurance.policies, locale)),
      row('awardsInsured', formatCount(insurance.awards_insured, locale)),
      row('premiumYuan', exact(insurance.premium_yuan)),
      row('subsidyYuan', exact(insurance.subsidy_yuan)),
      row('unverified', formatCount(unverifiedCount(followup), locale)),
    ],
  }
}

/** One row per year: the funnel's ends and the follow-up headline figures. */
export function yearsTable(years: YearStatistics[], locale: string, t: Translate): DataTable {
  return {
    columns: [
      t('statistics.years.year'),
      t('statistics.years.submitted'),
      t('statistics.years.awarded'),
      t('statistics.years.demonstrationShare'),
      t('statistics.years.intentions'),
      t('statistics.years.investment'),
      t('statistics.years.coverage'),
    ],
    rows: years.map((y) => ({
      key: String(y.year),
      cells: [
        String(y.year),
        formatCount(y.funnel.submitted, locale),
        formatCount(y.funnel.awarded, locale),
        formatShare(y.followup.demonstration.demonstration_share, locale),
        formatYuan(y.followup.intentions.total_yuan, locale),
        formatYuan(y.followup.demonstration.expected_investment_yuan, locale),
        formatShare(y.followup.insurance.coverage_share, locale),
      ],
    })),
  }
}

// A spreadsheet runs a cell starting with these as a formula; an apostrophe keeps it text.
const FORMULA_START = /^[=+\-@\t\r]/

function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** The table as CSV: UTF-8 with a BOM (so spreadsheets read Chinese), CRLF line ends. */
export function tableCsv(table: DataTable): string {
  const lines = [table.columns, ...table.rows.map((r) => r.cells)].map((cells) => cells.map(csvCell).join(','))
  return `\uFEFF${lines.join('\r\n')}\r\n`
}

/** Saves the table as `<name>.csv` through a temporary link. */
export function downloadCsv(table: DataTable, name: string): void {
  const url = URL.createObjectURL(new Blob([tableCsv(table)], { type: 'text/csv;charset=utf-8' }))
  const link = document.createElement('a')
  link.href = url
  link.download = `${name}.csv`
  document.body.appendChild(link)
  link.click()
  link.remove()
  URL.revokeObjectURL(url)
}
