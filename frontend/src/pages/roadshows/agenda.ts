/**
 * Roadshow logic without Vue: Beijing wall-clock times (the program's times are Beijing's
 * wherever the reader is; Beijing keeps UTC+8 all year), the editor's checks mirroring the
 * server's, and the agenda's order and clashes.
 */
import type { Problem, RoadshowSummary, SlotRead } from '@/api'

export const BEIJING_OFFSET = '+08:00'
const BEIJING_MS = 8 * 60 * 60 * 1000

/** Column lengths of the server (titles and venues 200, the presenter 100, descriptions 5000). */
export const LIMITS = { title: 200, venue: 200, presenter: 100, description: 5000 } as const

/** `YYYY-MM-DD` and `HH:mm` of an instant on a Beijing clock. */
export function beijingParts(iso: string): { date: string; time: string } {
  const shifted = new Date(new Date(iso).getTime() + BEIJING_MS).toISOString()
  return { date: shifted.slice(0, 10), time: shifted.slice(11, 16) }
}

/** The instant a Beijing date and clock time name, as the API takes it. */
export function beijingIso(date: string, time: string): string {
  return `${date}T${time}:00${BEIJING_OFFSET}`
}

/** `14:00–14:15` on a Beijing clock. */
export function timeRange(startsAt: string, endsAt: string): string {
  return `${beijingParts(startsAt).time}–${beijingParts(endsAt).time}`
}

export function minutesBetween(startsAt: string, endsAt: string): number {
  return Math.round((new Date(endsAt).getTime() - new Date(startsAt).getTime()) / 60_000)
}

/** The Beijing date of an instant, long form with the weekday, in the reader's language. */
export function beijingDate(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
    dateStyle: 'full',
    timeZone: 'Asia/Shanghai',
  }).format(new Date(iso))
}

/** The text in the reader's language, the Chinese one when there is no English. */
export function inLocale(zh: string, en: string | null | undefined, locale: string): string {
  return locale === 'en' && en ? en : zh
}

// --- checks as the server makes them ----------------------------------------------------------

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/

/** The message key of what is wrong with a text, or null. */
export type TextProblem = 'required' | 'tooLong' | 'control'

export function checkText(
  value: string,
  { required = false, max, multiline = false }: { required?: boolean; max: number; multiline?: boolean },
): TextProblem | null {
  const text = value.trim()
  if (!text) return required ? 'required' : null
  if (text.length > max) return 'tooLong'
  if ((multiline ? CONTROL_MULTILINE : CONTROL).test(text)) return 'control'
  return null
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
const TIME = /^\d{2}:\d{2}$/

export type EventForm = {
  title_zh: string
  title_en: string
  start_date: string
  start_time: string
  end_date: string
  end_time: string
  venue_zh: string
  venue_en: string
  description_zh: string
  description_en: string
}

/** Problems of the event form by field: a message key under `roadshows.validation`. */
export function validateEvent(form: EventForm): Record<string, string> {
  const errors: Record<string, string> = {}
  const texts: [keyof EventForm, number, boolean, boolean][] = [
    ['title_zh', LIMITS.title, true, false],
    ['title_en', LIMITS.title, false, false],
    ['venue_zh', LIMITS.venue, true, false],
    ['venue_en', LIMITS.venue, false, false],
    ['description_zh', LIMITS.description, false, true],
    ['description_en', LIMITS.description, false, true],
  ]
  for (const [field, max, required, multiline] of texts) {
    const problem = checkText(form[field], { required, max, multiline })
    if (problem) errors[field] = problem
  }
  if (!DATE.test(form.start_date)) errors.start_date = 'required'
  if (!TIME.test(form.start_time)) errors.start_time = 'required'
  if (!DATE.test(form.end_date)) errors.end_date = 'required'
  if (!TIME.test(form.end_time)) errors.end_time = 'required'
  if (!Object.keys(errors).some((f) => f.startsWith('start_') || f.startsWith('end_'))) {
    const start = beijingIso(form.start_date, form.start_time)
    const end = beijingIso(form.end_date, form.end_time)
    if (new Date(end) <= new Date(start)) errors.end_time = 'endsBeforeStart'
  }
  return errors
}

/** The event form as the API body (empty optional texts sent as null). */
export function eventBody(form: EventForm) {
  const optional = (value: string) => value.trim() || null
  return {
    title_zh: form.title_zh.trim(),
    title_en: optional(form.title_en),
    starts_at: beijingIso(form.start_date, form.start_time),
    ends_at: beijingIso(form.end_date, form.end_time),
    venue_zh: form.venue_zh.trim(),
    venue_en: optional(form.venue_en),
    description_zh: optional(form.description_zh),
    description_en: optional(form.description_en),
  }
}

export type SlotForm = {
  date: string
  start_time: string
  end_time: string
  organization_id: string
  award_id: string
  talk_title_zh: string
  talk_title_en: string
  presenter: string
}

export type Window = { starts_at: string; ends_at: string }

/**
 * Problems of the slot form by field, as keys under `roadshows.validation`. Clashes with other
 * slots are left to the server, which checks them under a lock (409 `slot_overlap`).
 */
export function validateSlot(form: SlotForm, window: Window): Record<string, string> {
  const errors: Record<string, string> = {}
  const texts: [keyof SlotForm, number, boolean][] = [
    ['talk_title_zh', LIMITS.title, true],
    ['talk_title_en', LIMITS.title, false],
    ['presenter', LIMITS.presenter, true],
  ]
  for (const [field, max, required] of texts) {
    const problem = checkText(form[field], { required, max })
    if (problem) errors[field] = problem
  }
  if (!form.organization_id) errors.organization_id = 'required'
  if (!DATE.test(form.date)) errors.date = 'required'
  if (!TIME.test(form.start_time)) errors.start_time = 'required'
  if (!TIME.test(form.end_time)) errors.end_time = 'required'
  if (errors.date || errors.start_time || errors.end_time) return errors
  const start = beijingIso(form.date, form.start_time)
  const end = beijingIso(form.date, form.end_time)
  if (new Date(end) <= new Date(start)) {
    errors.end_time = 'endsBeforeStart'
  } else if (new Date(start) < new Date(window.starts_at)) {
    errors.start_time = 'outsideWindow'
  } else if (new Date(end) > new Date(window.ends_at)) {
    errors.end_time = 'outsideWindow'
  }
  return errors
}

export function slotBody(form: SlotForm) {
  return {
    starts_at: beijingIso(form.date, form.start_time),
    ends_at: beijingIso(form.date, form.end_time),
    organization_id: form.organization_id,
    award_id: form.award_id || null,
    talk_title_zh: form.talk_title_zh.trim(),
    talk_title_en: form.talk_title_en.trim() || null,
    presenter: form.presenter.trim(),
  }
}

/** A new slot's form: right after the last slot (or at the start), as long as the last one. */
export function nextSlotForm(window: Window, slots: readonly SlotRead[]): SlotForm {
  const last = slots[slots.length - 1]
  const start = last ? last.ends_at : window.starts_at
  const minutes = last ? minutesBetween(last.starts_at, last.ends_at) : 15
  const end = new Date(Math.min(new Date(start).getTime() + minutes * 60_000, new Date(window.ends_at).getTime()))
  const { date, time } = beijingParts(start)
  return {
    date,
    start_time: time,
    end_time: beijingParts(end.toISOString()).time,
    organization_id: '',
    award_id: '',
    talk_title_zh: '',
    talk_title_en: '',
    presenter: '',
  }
}

/** The Beijing dates an event spans, for the slot form's date choice. */
export function windowDates(window: Window): string[] {
  const first = beijingParts(window.starts_at).date
  const last = beijingParts(window.ends_at).date
  const dates: string[] = []
  for (let day = new Date(`${first}T00:00:00Z`); dates.length < 31; day = new Date(day.getTime() + 86_400_000)) {
    const iso = day.toISOString().slice(0, 10)
    if (iso > last) break
    dates.push(iso)
  }
  return dates
}

// --- lists and problems -----------------------------------------------------------------------

/** Events still to come (or running), soonest first, and past ones, latest first. */
export function splitByTime<T extends Pick<RoadshowSummary, 'starts_at' | 'ends_at'>>(
  items: readonly T[],
  now: Date,
): { upcoming: T[]; past: T[] } {
  const upcoming = items.filter((i) => new Date(i.ends_at) >= now)
  const past = items.filter((i) => new Date(i.ends_at) < now)
  upcoming.sort((a, b) => a.starts_at.localeCompare(b.starts_at))
  past.sort((a, b) => b.starts_at.localeCompare(a.starts_at))
  return { upcoming, past }
}

/** The calendar download in the reader's language. */
export function calendarHref(calendarUrl: string, locale: string): string {
  return locale === 'en' ? `${calendarUrl}?lang=en` : calendarUrl
}

export type ClashingSlot = { id: string; starts_at: string; ends_at: string; talk_title_zh: string }

/** The slot a 409 `slot_overlap` names, if that is what the problem is. */
export function clashingSlot(problem: Problem | null | undefined): ClashingSlot | null {
  if (!problem || problem.code !== 'slot_overlap') return null
  const slot = (problem as Problem & { clashing_slot?: ClashingSlot }).clashing_slot
  return slot && typeof slot.starts_at === 'string' && typeof slot.ends_at === 'string' ? slot : null
}

/** Field codes of the roadshow API's 422 answers → keys under `roadshows.validation`. */
const FIELD_CODES: Record<string, string> = {
  missing: 'required',
  required: 'required',
  string_too_short: 'required',
  string_too_long: 'tooLong',
  control_characters: 'control',
  ends_before_start: 'endsBeforeStart',
  slot_outside_window: 'outsideWindow',
  award_revoked: 'awardRevoked',
  award_not_of_organization: 'awardNotOfOrganization',
  not_found: 'organizationMissing',
}

/** Where a server field lands in the slot form (its times are split into date and clock). */
const SLOT_FIELDS: Record<string, string> = { starts_at: 'start_time', ends_at: 'end_time' }
/** … and in the event form. */
const EVENT_FIELDS: Record<string, string> = { starts_at: 'start_time', ends_at: 'end_time' }

/** Server field errors as form errors: message keys under `roadshows.validation`, or the
 * server's own message (prefixed `!`) when the code has no key. */
export function serverFieldErrors(
  errors: readonly { field: string; code: string; message: string }[],
  form: 'event' | 'slot',
): Record<string, string> {
  const fields = form === 'slot' ? SLOT_FIELDS : EVENT_FIELDS
  const result: Record<string, string> = {}
  for (const error of errors) {
    const raw = error.field.replace(/^body\./, '')
    const field = fields[raw] ?? raw
    if (field in result) continue
    result[field] = FIELD_CODES[error.code] ?? `!${error.message}`
  }
  return result
}
