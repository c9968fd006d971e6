import { useI18n } from 'vue-i18n'

/** Locale-aware formatting for dates and numbers; re-evaluates when the locale changes. */
export function formatDateTime(value: string | Date | null | undefined, locale: string): string {
  if (!value) return ''
  const date = typeof value === 'string' ? new Date(value) : value
  if (Number.isNaN(date.getTime())) return String(value)
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date)
}

export function useFormat() {
  const { locale } = useI18n()
  return {
    dateTime: (value: string | Date | null | undefined) => formatDateTime(value, locale.value),
    number: (value: number) => new Intl.NumberFormat(locale.value).format(value),
  }
}
