import { describe, expect, it } from 'vitest'

import type { Problem, SlotRead } from '@/api'
import {
  beijingIso,
  beijingParts,
  calendarHref,
  checkText,
  clashingSlot,
  eventBody,
  minutesBetween,
  nextSlotForm,
  serverFieldErrors,
  slotBody,
  splitByTime,
  timeRange,
  validateEvent,
  validateSlot,
  windowDates,
  type EventForm,
  type SlotForm,
} from '@/pages/roadshows/agenda'

const WINDOW = { starts_at: '2021-10-22T06:00:00Z', ends_at: '2021-10-22T09:30:00Z' }

function event(overrides: Partial<EventForm> = {}): EventForm {
  return {
    title_zh: '2021首台(套)重大技术装备及项目授牌路演',
    title_en: '',
    start_date: '2021-10-22',
    start_time: '14:00',
    end_date: '2021-10-22',
    end_time: '17:30',
    venue_zh: '中关村国家自主创新示范区展示中心',
    venue_en: '',
    description_zh: '第一行\n第二行',
    description_en: '',
    ...overrides,
  }
}

function slotForm(overrides: Partial<SlotForm> = {}): SlotForm {
  return {
    date: '2021-10-22',
    start_time: '14:15',
    end_time: '14:30',
    organization_id: 'org-1',
    award_id: '',
    talk_title_zh: '报告',
    talk_title_en: '',
    presenter: '王志远',
    ...overrides,
  }
}

function slot(id: string, starts_at: string, ends_at: string): SlotRead {
  return {
    id,
    starts_at,
    ends_at,
    organization: { id: 'org-1', name_zh: '单位', name_en: null },
    product: null,
    talk_title_zh: id,
    talk_title_en: null,
    presenter: '某人',
  }
}

describe('Beijing times', () => {
  it('reads an instant on a Beijing clock whatever the zone it is written in', () => {
    expect(beijingParts('2021-10-22T06:00:00Z')).toEqual({ date: '2021-10-22', time: '14:00' })
    expect(beijingParts('2021-10-22T14:00:00+08:00')).toEqual({ date: '2021-10-22', time: '14:00' })
    // after 16:00 UTC it is the next day in Beijing
    expect(beijingParts('2021-10-22T16:30:00Z')).toEqual({ date: '2021-10-23', time: '00:30' })
  })

  it('writes a Beijing wall-clock time with its offset', () => {
    expect(beijingIso('2021-10-22', '14:00')).toBe('2021-10-22T14:00:00+08:00')
    expect(new Date(beijingIso('2021-10-22', '14:00')).toISOString()).toBe('2021-10-22T06:00:00.000Z')
  })

  it('shows ranges and lengths', () => {
    expect(timeRange('2021-10-22T06:00:00Z', '2021-10-22T06:15:00Z')).toBe('14:00–14:15')
    expect(minutesBetween('2021-10-22T06:00:00Z', '2021-10-22T06:15:00Z')).toBe(15)
  })

  it('lists the dates an event spans', () => {
    expect(windowDates(WINDOW)).toEqual(['2021-10-22'])
    expect(windowDates({ starts_at: '2021-10-22T01:00:00Z', ends_at: '2021-10-24T01:00:00Z' })).toEqual([
      '2021-10-22',
      '2021-10-23',
      '2021-10-24',
    ])
  })
})

describe('text checks mirror the server', () => {
  it('strips, limits and refuses control characters', () => {
    expect(checkText('  ', { required: true, max: 10 })).toBe('required')
    expect(checkText('  ', { max: 10 })).toBeNull()
    expect(checkText('x'.repeat(11), { max: 10 })).toBe('tooLong')
    expect(checkText(` ${'x'.repeat(10)} `, { max: 10 })).toBeNull()
    expect(checkText('a\u0007b', { max: 10 })).toBe('control')
    expect(checkText('a\nb', { max: 10 })).toBe('control')
    expect(checkText('a\nb\tc', { max: 10, multiline: true })).toBeNull()
    expect(checkText('a\u0085b', { max: 10, multiline: true })).toBe('control')
  })
})

describe('the event form', () => {
  it('accepts a good event and sends Beijing times and nulls for empty texts', () => {
    expect(validateEvent(event())).toEqual({})
    expect(eventBody(event({ title_zh: '  路演  ' }))).toEqual({
      title_zh: '路演',
      title_en: null,
      starts_at: '2021-10-22T14:00:00+08:00',
      ends_at: '2021-10-22T17:30:00+08:00',
      venue_zh: '中关村国家自主创新示范区展示中心',
      venue_en: null,
      description_zh: '第一行\n第二行',
      description_en: null,
    })
  })

  it('names each problem by field', () => {
    expect(validateEvent(event({ title_zh: '', venue_en: 'a\nb', end_time: '13:00' }))).toEqual({
      title_zh: 'required',
      venue_en: 'control',
      end_time: 'endsBeforeStart',
    })
    expect(validateEvent(event({ start_time: '' }))).toEqual({ start_time: 'required' })
    // ending the next morning is fine
    expect(validateEvent(event({ end_date: '2021-10-23', end_time: '09:00' }))).toEqual({})
  })
})

describe('the slot form', () => {
  it('keeps a slot inside the window, ending after it starts', () => {
    expect(validateSlot(slotForm(), WINDOW)).toEqual({})
    expect(validateSlot(slotForm({ start_time: '14:00', end_time: '17:30' }), WINDOW)).toEqual({})
    expect(validateSlot(slotForm({ start_time: '13:45' }), WINDOW)).toEqual({ start_time: 'outsideWindow' })
    expect(validateSlot(slotForm({ end_time: '17:45', start_time: '17:15' }), WINDOW)).toEqual({
      end_time: 'outsideWindow',
    })
    expect(validateSlot(slotForm({ end_time: '14:15' }), WINDOW)).toEqual({ end_time: 'endsBeforeStart' })
    expect(validateSlot(slotForm({ organization_id: '', presenter: ' ' }), WINDOW)).toEqual({
      organization_id: 'required',
      presenter: 'required',
    })
  })

  it('sends the award only when one is chosen', () => {
    expect(slotBody(slotForm())).toMatchObject({
      starts_at: '2021-10-22T14:15:00+08:00',
      ends_at: '2021-10-22T14:30:00+08:00',
      award_id: null,
      talk_title_en: null,
    })
    expect(slotBody(slotForm({ award_id: 'a-1' })).award_id).toBe('a-1')
  })

  it('proposes the next slot right after the last, as long as it', () => {
    expect(nextSlotForm(WINDOW, [])).toMatchObject({ date: '2021-10-22', start_time: '14:00', end_time: '14:15' })
    const slots = [slot('a', '2021-10-22T06:00:00Z', '2021-10-22T06:20:00Z')]
    expect(nextSlotForm(WINDOW, slots)).toMatchObject({ start_time: '14:20', end_time: '14:40' })
    // never past the end of the event
    const late = [slot('b', '2021-10-22T09:00:00Z', '2021-10-22T09:20:00Z')]
    expect(nextSlotForm(WINDOW, late)).toMatchObject({ start_time: '17:20', end_time: '17:30' })
  })
})

describe('lists, links and problems', () => {
  it('splits upcoming (soonest first) from past (latest first)', () => {
    const items = [
      { id: '2019', starts_at: '2019-10-22T06:00:00Z', ends_at: '2019-10-22T09:00:00Z' },
      { id: '2031', starts_at: '2031-05-01T01:00:00Z', ends_at: '2031-05-01T04:00:00Z' },
      { id: '2021', starts_at: '2021-10-22T06:00:00Z', ends_at: '2021-10-22T09:30:00Z' },
      { id: '2030', starts_at: '2030-05-01T01:00:00Z', ends_at: '2030-05-01T04:00:00Z' },
      { id: 'now', starts_at: '2025-01-01T00:00:00Z', ends_at: '2025-01-01T10:00:00Z' },
    ]
    const { upcoming, past } = splitByTime(items, new Date('2025-01-01T05:00:00Z'))
    expect(upcoming.map((i) => i.id)).toEqual(['now', '2030', '2031'])
    expect(past.map((i) => i.id)).toEqual(['2021', '2019'])
  })

  it('links the calendar in the reader’s language', () => {
    expect(calendarHref('/api/v1/roadshows/x/calendar.ics', 'zh-CN')).toBe('/api/v1/roadshows/x/calendar.ics')
    expect(calendarHref('/api/v1/roadshows/x/calendar.ics', 'en')).toBe('/api/v1/roadshows/x/calendar.ics?lang=en')
  })

  it('reads the clashing slot of a 409 slot_overlap', () => {
    const problem = {
      type: 'https://firstset.beijing.gov.cn/problems/slot-overlap',
      title: 'Conflict',
      status: 409,
      detail: 'The slot overlaps another slot of the agenda.',
      code: 'slot_overlap',
      clashing_slot: {
        id: 's-1',
        starts_at: '2021-10-22T06:30:00Z',
        ends_at: '2021-10-22T07:00:00Z',
        talk_title_zh: '第二场',
      },
    } as Problem
    expect(clashingSlot(problem)).toMatchObject({ id: 's-1', talk_title_zh: '第二场' })
    expect(clashingSlot({ ...problem, code: 'conflict' })).toBeNull()
    expect(clashingSlot(null)).toBeNull()
  })

  it('maps server field errors onto the form', () => {
    expect(
      serverFieldErrors(
        [
          { field: 'starts_at', code: 'slot_outside_window', message: '…' },
          { field: 'award_id', code: 'award_revoked', message: '…' },
          { field: 'presenter', code: 'something_new', message: 'Server says no.' },
          { field: 'presenter', code: 'string_too_long', message: 'second error of the field' },
        ],
        'slot',
      ),
    ).toEqual({ start_time: 'outsideWindow', award_id: 'awardRevoked', presenter: '!Server says no.' })
  })
})
