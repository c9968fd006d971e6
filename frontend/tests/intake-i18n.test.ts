import { describe, expect, it } from 'vitest'

import type { ApplicationStatus, BatchStatus } from '@/api'
import { IP_STATUSES, IP_TYPES, STEPS } from '@/pages/applications/draft'
import { ATTACHMENT_KINDS } from '@/queries/attachments'
import { NEXT_ACTION } from '@/queries/batches'
import { STEP_DECISIONS } from '@/queries/applications'

import { en, zhCN } from './support/messages'

// Messages looked up with a computed key (`status.${s}`) escape the parity test's eye when a
// new value is added: every value of these vocabularies must have its message in both files.
const APPLICATION_STATUSES: ApplicationStatus[] = [
  'draft',
  'submitted',
  'returned',
  'recommended',
  'accepted',
  'rejected',
  'in_review',
  'reviewed',
  'shortlisted',
  'not_selected',
  'awarded',
  'withdrawn',
]
const BATCH_STATUSES = Object.keys(NEXT_ACTION) as BatchStatus[]
const TIMELINE_ACTIONS = [
  'create',
  'submit',
  'resubmit',
  'withdraw',
  'district_recommend',
  'district_return',
  'district_reject',
  'formal_accept',
  'formal_return',
  'formal_reject',
]
const RULES = [
  'required_content',
  'beijing_registration',
  'technical_level',
  'beijing_sales',
  'ip_present',
  'licence_present',
  'attachments_present',
  'no_duplicate',
]

const camel = (key: string) => key.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())

describe.each([
  ['zh-CN', zhCN],
  ['en', en],
] as const)('intake messages in %s', (_name, messages) => {
  it('name every status, batch state and batch action', () => {
    for (const s of APPLICATION_STATUSES) expect(messages.status).toHaveProperty(s)
    for (const s of BATCH_STATUSES) expect(messages.batchStatus).toHaveProperty(s)
    for (const action of Object.values(NEXT_ACTION)) {
      if (action) expect(messages.batchActions).toHaveProperty(camel(action))
    }
  })

  it('name every step, decision, attachment kind, IP type and status', () => {
    for (const step of STEPS) expect(messages.form.steps).toHaveProperty(step)
    for (const d of [...STEP_DECISIONS.district, ...STEP_DECISIONS.formal]) {
      expect(messages.decision.options).toHaveProperty(d)
      expect(messages.decision.confirm).toHaveProperty(d)
      expect(messages.decision.done).toHaveProperty(d)
      expect(messages.decision.explain).toHaveProperty(d)
    }
    for (const kind of ATTACHMENT_KINDS) expect(messages.attachmentKind).toHaveProperty(kind)
    for (const type of IP_TYPES) expect(messages.ipType).toHaveProperty(type)
    for (const status of IP_STATUSES) expect(messages.ipStatus).toHaveProperty(status)
  })

  it('name every timeline action and eligibility rule', () => {
    for (const action of TIMELINE_ACTIONS) expect(messages.timeline.actions).toHaveProperty(action)
    for (const rule of RULES) expect(messages.eligibility.rules).toHaveProperty(rule)
  })
})
