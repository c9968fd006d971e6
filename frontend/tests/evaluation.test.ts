import { describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'

import type { AdminReview, AssignmentRead, CriterionRead, Me, OwnAssignment, Role } from '@/api'
import { createAppRouter } from '@/router'
import { drawBody, fetchAllPages, parseKeepingSeeds, seedProblem } from '@/queries/experts'
import { groupByBatch } from '@/pages/evaluation/assignments'
import { mergeReviews, rowActions, sortRows } from '@/pages/evaluation/assignmentRows'
import { blankRow, moveRow, rowFromCriterion, rubricBody, rubricChanged, rubricMaxTotal, validateRubric } from '@/pages/evaluation/rubric'
import {
  draftBody,
  formFromReview,
  formProblems,
  fromScaled,
  isDirty,
  listedProgress,
  reviewProgress,
  scoreProblem,
  toScaled,
  trimDecimal,
  weightedTotal,
} from '@/pages/evaluation/scoring'
import { integerProblem, quotaFromInputs, quotaInputs } from '@/pages/evaluation/settings'
import { matchOrganizations, organizationLabel } from '@/pages/experts/organizations'

vi.mock('@/router/publicPages', () => {
  const Stub = { render: () => null }
  return { HomePage: Stub, LoginPage: Stub, ForbiddenPage: Stub, NotFoundPage: Stub }
})
vi.mock('@/router/staffPages', () => {
  const Stub = { render: () => null }
  return { MyAssignmentsPage: Stub, ScoringPage: Stub, ExpertPoolPage: Stub, BatchReviewSetupPage: Stub }
})
window.scrollTo = vi.fn() as unknown as typeof window.scrollTo

function criterion(id: string, max: string, weight = '1.000', position = 1): CriterionRead {
  return { id, position, name_zh: `项${id}`, name_en: `C${id}`, max_score: max, weight, guidance_zh: null, guidance_en: null }
}

describe('decimal arithmetic', () => {
  it('scales decimal strings exactly and back', () => {
    expect(toScaled('7.5', 1)).toBe(75)
    expect(toScaled('7', 1)).toBe(70)
    expect(toScaled('7.50', 1)).toBe(75)
    expect(toScaled('7.55', 1)).toBeNull()
    expect(toScaled('-1', 1)).toBeNull()
    expect(toScaled('abc', 1)).toBeNull()
    expect(toScaled('30.00', 2)).toBe(3000)
    expect(fromScaled(75, 1)).toBe('7.5')
    expect(fromScaled(700, 2)).toBe('7')
    expect(fromScaled(5, 2)).toBe('0.05')
    expect(trimDecimal('30.00')).toBe('30')
    expect(trimDecimal('1.250')).toBe('1.25')
    expect(trimDecimal('100')).toBe('100')
  })
})

describe('scores', () => {
  it('accepts 0..max with at most one decimal', () => {
    expect(scoreProblem('', '30.00')).toBeNull()
    expect(scoreProblem('', '30.00', { required: true })).toBe('required')
    expect(scoreProblem('0', '30.00')).toBeNull()
    expect(scoreProblem('30', '30.00')).toBeNull()
    expect(scoreProblem('29.5', '30.00')).toBeNull()
    expect(scoreProblem('30.1', '30.00')).toBe('range')
    expect(scoreProblem('7.25', '30.00')).toBe('format')
    expect(scoreProblem('-1', '30.00')).toBe('format')
    expect(scoreProblem('seven', '30.00')).toBe('format')
    expect(scoreProblem('12.5', '12.50')).toBeNull()
  })

  it('sums weight × score without float error and counts what is scored', () => {
    const criteria = [criterion('a', '30.00'), criterion('b', '25.00', '1.5'), criterion('c', '10.00', '0.333')]
    expect(weightedTotal(criteria, {})).toEqual({ total: '0', scored: 0, count: 3, complete: false })
    const partial = weightedTotal(criteria, { a: '0.1', b: '0.2' })
    expect(partial.total).toBe('0.4')
    expect(partial.scored).toBe(2)
    const full = weightedTotal(criteria, { a: '28.5', b: '20', c: '7.5' })
    // 28.5 + 30 + 2.4975 = 60.9975 → 61.00 (half up, two decimals)
    expect(full).toEqual({ total: '61', scored: 3, count: 3, complete: true })
    // Invalid and out-of-range scores do not count.
    expect(weightedTotal(criteria, { a: '31', b: 'x', c: '1' }).scored).toBe(1)
  })

  it('fills the form from a review and sends only what is scored', () => {
    const criteria = [criterion('a', '30.00'), criterion('b', '25.00')]
    const form = formFromReview({ criteria, scores: { a: '27.0' }, comment: null, recommendation: null })
    expect(form).toEqual({ scores: { a: '27', b: '' }, comment: '', recommendation: '' })
    form.scores.b = ' 20.5 '
    form.comment = '  good  '
    form.recommendation = 'recommend'
    expect(draftBody(form, criteria)).toEqual({
      scores: { a: '27', b: '20.5' },
      comment: 'good',
      recommendation: 'recommend',
    })
    form.comment = ''
    form.recommendation = ''
    form.scores.a = ''
    expect(draftBody(form, criteria)).toEqual({ scores: { b: '20.5' }, comment: null, recommendation: null })
  })

  it('knows a changed form from the same scores written differently', () => {
    const saved = { scores: { a: '7', b: '' }, comment: 'x', recommendation: 'neutral' as const }
    expect(isDirty({ ...saved, scores: { a: '7.0', b: ' ' } }, saved)).toBe(false)
    expect(isDirty({ ...saved, scores: { a: '7.5', b: '' } }, saved)).toBe(true)
    expect(isDirty({ ...saved, scores: { a: '7', b: '1' } }, saved)).toBe(true)
    expect(isDirty({ ...saved, comment: 'y' }, saved)).toBe(true)
    expect(isDirty({ ...saved, recommendation: 'recommend' }, saved)).toBe(true)
  })

  it('asks for every score and a recommendation on submit only', () => {
    const criteria = [criterion('a', '10'), criterion('b', '10')]
    const form = { scores: { a: '5', b: '' }, comment: '', recommendation: '' as const }
    expect(formProblems(form, criteria)).toEqual({})
    expect(formProblems(form, criteria, { submitting: true })).toEqual({ b: 'required', recommendation: 'required' })
    expect(formProblems({ ...form, scores: { a: '11', b: '2.22' } }, criteria)).toEqual({ a: 'range', b: 'format' })
  })

  it('tells a review not started from a draft', () => {
    const base = { status: 'draft' as const, version: 1, scores: {}, comment: null, recommendation: null }
    expect(reviewProgress(base)).toBe('not_started')
    expect(reviewProgress({ ...base, version: 2 })).toBe('draft')
    expect(reviewProgress({ ...base, scores: { a: '1' } })).toBe('draft')
    expect(reviewProgress({ ...base, status: 'submitted', version: 3 })).toBe('submitted')
    expect(reviewProgress({ ...base, status: 'waived' })).toBe('waived')
  })

  it('reads the list: a review never opened is not started', () => {
    expect(listedProgress(null)).toBe('not_started')
    expect(listedProgress('draft')).toBe('draft')
    expect(listedProgress('submitted')).toBe('submitted')
  })
})

function own(id: string, batch: { id: string; year: number; sequence: number }, attested: boolean, at: string): OwnAssignment {
  return {
    id,
    batch: { ...batch, title_zh: `批次${batch.id}`, title_en: null, status: 'reviewing' },
    attested,
    assigned_at: at,
    application: attested
      ? {
          id: `app-${id}`,
          product_name_zh: `产品${id}`,
          product_name_en: null,
          field: 'integrated_circuits',
          status: 'in_review',
          organization_name_zh: '企业',
          organization_name_en: null,
        }
      : null,
  }
}

describe('assignments by batch', () => {
  it('groups by batch, newest batch first, earliest assignment first', () => {
    const b2024 = { id: 'b1', year: 2024, sequence: 1 }
    const b2025a = { id: 'b2', year: 2025, sequence: 1 }
    const b2025b = { id: 'b3', year: 2025, sequence: 2 }
    const groups = groupByBatch([
      own('x', b2024, true, '2024-05-02T00:00:00Z'),
      own('y', b2025a, false, '2025-05-03T00:00:00Z'),
      own('z', b2025b, true, '2025-09-01T00:00:00Z'),
      own('w', b2025a, false, '2025-05-01T00:00:00Z'),
    ])
    expect(groups.map((g) => g.batch.id)).toEqual(['b3', 'b2', 'b1'])
    expect(groups[1]!.items.map((a) => a.id)).toEqual(['w', 'y'])
    expect(groups.map((g) => g.attested)).toEqual([true, false, true])
    expect(groupByBatch([])).toEqual([])
  })
})

describe('rubric editor', () => {
  const rows = () => [
    { ...blankRow(), name_zh: '创新性', name_en: 'Innovation', max_score: '30', weight: '1' },
    { ...blankRow(), name_zh: '先进性', name_en: '', max_score: '25', weight: '2' },
  ]

  it('accepts a valid rubric and computes its highest total', () => {
    expect(validateRubric(rows())).toEqual({})
    expect(rubricMaxTotal(rows())).toBe('80')
    expect(rubricMaxTotal([{ ...blankRow(), max_score: '12.5', weight: '0.333' }])).toBe('4.1625')
  })

  it('names the cell of every problem by the API field path', () => {
    const bad = rows()
    bad[0]!.name_zh = ' '
    bad[1]!.max_score = '0'
    bad[1]!.weight = '1.2345'
    const dup = rows()
    dup[1]!.name_en = ' innovation '
    expect(validateRubric(bad)).toEqual({
      'criteria.0.name_zh': { key: 'required' },
      'criteria.1.max_score': { key: 'number', places: 2, max: 1000 },
      'criteria.1.weight': { key: 'number', places: 3, max: 100 },
    })
    expect(validateRubric(dup)).toEqual({ 'criteria.1.name_en': { key: 'duplicate' } })
    expect(validateRubric([])).toEqual({ criteria: { key: 'rowCount', min: 1, max: 20 } })
  })

  it('moves rows up and down within bounds', () => {
    expect(moveRow(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c'])
    expect(moveRow(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b'])
    expect(moveRow(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c'])
    expect(moveRow(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c'])
  })

  it('sends trimmed rows and notices changes', () => {
    const saved = [criterion('a', '30.00', '1.000'), criterion('b', '25.00', '2.000', 2)]
    const edited = saved.map(rowFromCriterion)
    expect(rubricChanged(edited, saved)).toBe(false)
    edited[1]!.weight = '2.0'
    expect(rubricChanged(edited, saved)).toBe(false)
    edited[1]!.weight = '3'
    expect(rubricChanged(edited, saved)).toBe(true)
    expect(rubricChanged(edited.slice(0, 1), saved)).toBe(true)
    const body = rubricBody([{ ...blankRow(), name_zh: ' 项 ', name_en: '', max_score: '10', weight: '1', guidance_zh: '', guidance_en: ' g ' }])
    expect(body.criteria[0]).toEqual({ name_zh: '项', name_en: null, max_score: '10', weight: '1', guidance_zh: null, guidance_en: 'g' })
  })
})

describe('review settings', () => {
  it('checks whole numbers and turns blank quotas into no quota', () => {
    expect(integerProblem('5', 1, 15)).toBeNull()
    expect(integerProblem('', 1, 15)).toBe('required')
    expect(integerProblem('2.5', 1, 15)).toBe('integer')
    expect(integerProblem('16', 1, 15)).toBe('range')
    expect(quotaInputs(['a', 'b'], { a: 3 })).toEqual({ a: '3', b: '' })
    expect(quotaFromInputs({ a: '3', b: ' ', c: '0' })).toEqual({ a: 3, c: 0 })
  })
})

describe('draw seeds', () => {
  it('keeps 63-bit seeds exact when parsing', () => {
    const text = '[{"id":"d1","seed":9007199254740993,"assigned":2,"coverage":{"seed":1}}]'
    const parsed = parseKeepingSeeds<{ seed: string; assigned: number }[]>(text)
    expect(parsed[0]!.seed).toBe('9007199254740993')
    expect(parsed[0]!.assigned).toBe(2)
    expect(parseKeepingSeeds<{ assignment_seed: string }>('{"assignment_seed": 42}').assignment_seed).toBe('42')
  })

  it('checks a typed seed and sends its digits verbatim', () => {
    expect(seedProblem('')).toBeNull()
    expect(seedProblem('123')).toBeNull()
    expect(seedProblem('9223372036854775807')).toBeNull()
    expect(seedProblem('9223372036854775808')).toBe('range')
    expect(seedProblem('12a')).toBe('format')
    expect(seedProblem('-1')).toBe('format')
    expect(drawBody('')).toBe('{}')
    expect(drawBody(' 9223372036854775807 ')).toBe('{"seed":9223372036854775807}')
    expect(drawBody('007')).toBe('{"seed":7}')
  })

  it('follows every page of a list', async () => {
    const pages: Record<string, { items: number[]; next: string | null }> = {
      start: { items: [1, 2], next: 'p2' },
      p2: { items: [3], next: null },
    }
    const seen: (string | undefined)[] = []
    const items = await fetchAllPages(async (cursor) => {
      seen.push(cursor)
      return pages[cursor ?? 'start']!
    })
    expect(items).toEqual([1, 2, 3])
    expect(seen).toEqual([undefined, 'p2'])
  })
})

function assignment(id: string, over: Partial<AssignmentRead> = {}, appStatus: AssignmentRead['application']['status'] = 'in_review'): AssignmentRead {
  return {
    id,
    batch_id: 'b',
    application: {
      id: `app-${id}`,
      product_name_zh: `产品${id}`,
      product_name_en: null,
      field: 'transport',
      status: appStatus,
      organization: { id: 'o', name_zh: '企业', name_en: null },
    },
    expert: { user_id: `e-${id}`, display_name: `专家${id}` },
    status: 'active',
    source: 'draw',
    draw_id: 'd',
    reason: null,
    ended_reason: null,
    ended_at: null,
    created_at: '2025-01-01T00:00:00Z',
    ...over,
  }
}

function adminReview(assignmentId: string, status: AdminReview['status'], version: number | null = 2): AdminReview {
  return {
    assignment_id: assignmentId,
    assignment_status: 'active',
    application_id: `app-${assignmentId}`,
    application_status: 'in_review',
    product_name_zh: 'x',
    expert: { id: 'e', display_name: 'e', email: 'e@x.cn' },
    review_id: status ? `r-${assignmentId}` : null,
    status,
    scores: {},
    total: status === 'submitted' ? '80.00' : null,
    comment: null,
    recommendation: null,
    version,
    submitted_at: null,
    waived_reason: null,
  }
}

describe('admin assignment rows', () => {
  it('joins reviews to assignments and offers the actions the state allows', () => {
    const rows = mergeReviews(
      [assignment('1'), assignment('2'), assignment('3'), assignment('4', { status: 'removed' })],
      [adminReview('1', 'submitted'), adminReview('2', 'draft', 1), adminReview('3', null, null)],
    )
    expect(rows.map((r) => r.progress)).toEqual(['submitted', 'not_started', 'none', 'none'])
    expect(rowActions(rows[0]!, 'reviewing')).toEqual(['remove', 'reopen'])
    expect(rowActions(rows[1]!, 'reviewing')).toEqual(['remove', 'waive'])
    expect(rowActions(rows[2]!, 'reviewing')).toEqual(['remove', 'waive'])
    expect(rowActions(rows[3]!, 'reviewing')).toEqual([])
    expect(rowActions(rows[0]!, 'deliberation')).toEqual(['reopen'])
    expect(rowActions(rows[1]!, 'publicity')).toEqual([])
    const decided = mergeReviews([assignment('5', {}, 'shortlisted')], [adminReview('5', 'submitted')])
    expect(rowActions(decided[0]!, 'deliberation')).toEqual([])
  })

  it('lists active assignments first', () => {
    const rows = mergeReviews([assignment('b', { status: 'removed' }), assignment('a')], [])
    expect(sortRows(rows).map((r) => r.assignment.id)).toEqual(['a', 'b'])
  })
})

describe('organisation pickers', () => {
  const orgs = [
    { id: '1', name_zh: '北京智芯微装', name_en: 'Zhixin Microfab', uscc: '91110108MA00000001' },
    { id: '2', name_zh: '京华设计院', name_en: null, uscc: null },
  ]
  it('matches by either name or the credit code', () => {
    expect(matchOrganizations(orgs, 'microfab').map((o) => o.id)).toEqual(['1'])
    expect(matchOrganizations(orgs, '京华').map((o) => o.id)).toEqual(['2'])
    expect(matchOrganizations(orgs, 'ma0000').map((o) => o.id)).toEqual(['1'])
    expect(matchOrganizations(orgs, ' ').length).toBe(2)
    expect(organizationLabel(orgs[0]!, 'en')).toBe('Zhixin Microfab (北京智芯微装)')
    expect(organizationLabel(orgs[1]!, 'en')).toBe('京华设计院')
    expect(organizationLabel(orgs[0]!, 'zh-CN')).toBe('北京智芯微装')
  })
})

function user(role: Role): Me {
  return {
    id: 'u1',
    email: 'u@example.cn',
    display_name: 'U',
    locale: 'zh-CN',
    roles: [{ role, organization_id: 'o1', organization_name_zh: '机构', organization_name_en: null, district: null }],
  }
}

const routerFor = (me: Me | null) => createAppRouter({ loadMe: async () => me, history: createMemoryHistory() })

describe('evaluation routes', () => {
  it('gives the expert screens to experts and the setup screens to admins', async () => {
    const cases: [string, Role, string][] = [
      ['/expert/assignments', 'expert', 'expert-assignments'],
      ['/expert/assignments/a1', 'expert', 'expert-scoring'],
      ['/admin/experts', 'admin', 'experts'],
      ['/admin/batches/b1/review?tab=rubric', 'admin', 'batch-review-setup'],
    ]
    for (const [path, role, name] of cases) {
      const allowed = routerFor(user(role))
      await allowed.push(path)
      expect(allowed.currentRoute.value.name, path).toBe(name)
      const denied = routerFor(user(role === 'admin' ? 'expert' : 'applicant'))
      await denied.push(path)
      expect(denied.currentRoute.value.name, path).toBe('forbidden')
      const anonymous = routerFor(null)
      await anonymous.push(path)
      expect(anonymous.currentRoute.value.name, path).toBe('login')
    }
  })
})
