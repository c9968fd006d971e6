import { describe, expect, it } from 'vitest'

import type { ApplicationStatus, ResultRow } from '@/api'
import { ApiError } from '@/http/problem'
import {
  decimalText,
  decisionProblem,
  expertLetter,
  groupByField,
  quotaState,
  transitionProblem,
  validateReason,
} from '@/pages/results/ranking'
import { resultsExportUrl } from '@/queries/results'

import { en, zhCN } from './support/messages'

function row(id: string, field: string | null, status: ApplicationStatus = 'reviewed'): ResultRow {
  return {
    application_id: id,
    product_name_zh: `产品${id}`,
    product_name_en: null,
    organization: { id: 'o', name_zh: '机构', name_en: null },
    field,
    field_zh: null,
    field_en: null,
    status,
    n_assigned: 3,
    n_submitted: 3,
    n_waived: 0,
    totals: ['40.00', '42.00', '44.00'],
    aggregate: '42.00',
    rank_in_field: 1,
    spread: '4.00',
    disagreement: false,
    recommendations: { recommend: 3, neutral: 0, not_recommend: 0 },
    decision: null,
    decision_reason: null,
  }
}

function problem(code: string, extra: Record<string, unknown> = {}) {
  return new ApiError({ type: 'about:blank', title: code, status: 409, detail: '', code, ...extra } as never)
}

describe('decimalText', () => {
  it('shows the API decimals with the decimals asked for, at most two', () => {
    expect(decimalText('50.00000', 'zh-CN', 0)).toBe('50')
    expect(decimalText('10.000000', 'en', 0)).toBe('10')
    expect(decimalText('45.5', 'en')).toBe('45.50')
    expect(decimalText('37.333333', 'zh-CN')).toBe('37.33')
    expect(decimalText(null, 'en')).toBe('—')
  })
})

describe('expertLetter', () => {
  it('names totals like spreadsheet columns', () => {
    expect([0, 1, 25, 26, 27, 51, 52].map(expertLetter)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA'])
  })
})

describe('groupByField', () => {
  it('keeps the batch order of fields and the API order of rows, skipping empty fields', () => {
    const rows = [row('1', 'b'), row('2', 'a'), row('3', 'b'), row('4', null), row('5', 'z')]
    const groups = groupByField(rows, ['a', 'b', 'c'])
    expect(groups.map((g) => g.field)).toEqual(['a', 'b', '', 'z'])
    expect(groups[1]!.rows.map((r) => r.application_id)).toEqual(['1', '3'])
  })
})

describe('quotaState', () => {
  const rows = [row('1', 'a', 'shortlisted'), row('2', 'a', 'not_selected'), row('3', 'a', 'reviewed')]

  it('counts shortlisted rows against the field quota', () => {
    expect(quotaState(rows, { a: 2 }, 'a')).toEqual({ shortlisted: 1, quota: 2, reached: false })
    expect(quotaState(rows, { a: 1 }, 'a')).toEqual({ shortlisted: 1, quota: 1, reached: true })
  })

  it('has no quota for a field the batch does not limit, and a zero quota is reached at once', () => {
    expect(quotaState(rows, { b: 1 }, 'a')).toEqual({ shortlisted: 1, quota: null, reached: false })
    expect(quotaState([row('9', 'a')], { a: 0 }, 'a').reached).toBe(true)
  })

  it('counts awarded rows as shortlisted', () => {
    expect(quotaState([row('1', 'a', 'awarded')], {}, 'a').shortlisted).toBe(1)
  })
})

describe('validateReason', () => {
  it('asks for 2 to 2000 characters', () => {
    expect(validateReason('  ')).toEqual({ key: 'validation.required' })
    expect(validateReason('好')).toEqual({ key: 'validation.minLength', params: { n: 2 } })
    expect(validateReason('很好')).toBeNull()
    expect(validateReason('x'.repeat(2001))).toEqual({ key: 'validation.maxLength', params: { n: 2000 } })
  })
})

describe('transitionProblem', () => {
  it('explains each refusal of a batch move with its count', () => {
    expect(transitionProblem(problem('reviews_outstanding', { not_fully_reviewed: 3 }))).toEqual({
      key: 'ranking.blocked.reviewsOutstanding',
      params: { n: 3 },
    })
    expect(transitionProblem(problem('undecided_applications', { undecided: 2 }))).toEqual({
      key: 'ranking.blocked.undecided',
      params: { n: 2 },
    })
    expect(transitionProblem(problem('nothing_shortlisted'))?.key).toBe('ranking.blocked.nothingShortlisted')
    expect(transitionProblem(problem('calendar_year_unknown', { year: 2031 }))).toEqual({
      key: 'ranking.blocked.calendarUnknown',
      params: { year: 2031 },
    })
    expect(transitionProblem(problem('invalid_transition', { current_state: 'publicity' }))).toEqual({
      key: 'ranking.blocked.invalidTransition',
      params: { status: 'publicity' },
    })
  })

  it('leaves other errors to the generic message', () => {
    expect(transitionProblem(problem('forbidden'))).toBeNull()
    expect(transitionProblem(new Error('x'))).toBeNull()
  })
})

describe('decisionProblem', () => {
  it('names the quota and how many are shortlisted', () => {
    expect(decisionProblem(problem('quota_reached', { quota: 1, shortlisted: 1, field: 'a' }))).toEqual({
      key: 'ranking.blocked.quotaReached',
      params: { quota: 1, shortlisted: 1 },
    })
    expect(decisionProblem(problem('batch_not_in_deliberation', { current_state: 'publicity' }))?.params).toEqual({
      status: 'publicity',
    })
    expect(decisionProblem(problem('invalid_state'))).toBeNull()
  })
})

describe('messages', () => {
  it('has every key the helpers return in both languages', () => {
    const keys = ['reviewsOutstanding', 'undecided', 'nothingShortlisted', 'calendarUnknown', 'invalidTransition', 'quotaReached', 'notInDeliberation'] as const
    for (const key of keys) {
      expect(zhCN.ranking.blocked[key]).toBeTruthy()
      expect(en.ranking.blocked[key]).toBeTruthy()
    }
    for (const code of ['quota_reached', 'reviews_outstanding', 'undecided_applications', 'nothing_shortlisted']) {
      expect(zhCN.problems).toHaveProperty(code)
      expect(en.problems).toHaveProperty(code)
    }
  })
})

describe('resultsExportUrl', () => {
  it('asks for the UI language and the field filter', () => {
    expect(resultsExportUrl('b1', 'csv', 'zh-CN')).toBe('/api/v1/batches/b1/results.csv?lang=zh')
    expect(resultsExportUrl('b1', 'xlsx', 'en', 'integrated_circuits')).toBe(
      '/api/v1/batches/b1/results.xlsx?lang=en&field=integrated_circuits',
    )
  })
})
