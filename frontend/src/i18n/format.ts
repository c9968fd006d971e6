import { useI18n } from 'vue-i18n'

/** Locale-aware formatting for dates and numbers; re-evaluates when the locale changes. */
export function formatDateTime(value: string | Date | null | undefined, locale: string): string {
  if (!value) return ''
  const date = typeof value === 'string' ? new Date(value) : value
  if (Number.isNaN(date.getTime())) return String(value)
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date)
}

/** A calendar date (`YYYY-MM-DD`, no time zone) such as a deadline; never shifted by the TZ. */
export function formatDate(value: string | null | undefined, locale: string): string {
  if (!value) return ''
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value)
  if (!match) return String(value)
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date)
}

/** The Beijing calendar date of an instant: the program's dates (issue, revocation) are
 * Beijing dates wherever the reader is. */
export function formatBeijingDate(value: string | null | undefined, locale: string): string {
  if (!value) return ''
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return String(value)
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'Asia/Shanghai' }).format(date)
}

const TEN_THOUSAND = 10_000

/**
 * Money in yuan (the API sends decimal strings). Chinese shows 元, or 万元 from ten thousand
 * on, as officials write amounts; English shows the CNY currency format.
 */
export function formatMoney(value: string | number | null | undefined, locale: string): string {
  if (value === null || value === undefined || value === '') return ''
  const amount = typeof value === 'number' ? value : Number(value)
  if (!Number.isFinite(amount)) return String(value)
  if (locale.startsWith('zh')) {
    if (Math.abs(amount) >= TEN_THOUSAND) {
      const wan = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(
        amount / TEN_THOUSAND,
      )
      return `${wan} 万元`
    }
    const yuan = new Intl.NumberFormat(locale, {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    }).format(amount)
    return `${yuan} 元`
  }
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY' }).format(amount)
}

/** File sizes in B / KB / MB. */
export function formatBytes(bytes: number, locale: string): string {
  const units = ['B', 'KB', 'MB', 'GB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  const digits = unit === 0 ? 0 : 1
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`
}

export function useFormat() {
  const { locale } = useI18n()
  return {
    dateTime: (value: string | Date | null | undefined) => formatDateTime(value, locale.value),
    date: (value: string | null | undefined) => formatDate(value, locale.value),
    beijingDate: (value: string | null | undefined) => formatBeijingDate(value, locale.value),
    money: (value: string | number | null | undefined) => formatMoney(value, locale.value),
    bytes: (value: number) => formatBytes(value, locale.value),
    number: (value: number) => new Intl.NumberFormat(locale.value).format(value),
  }
}
