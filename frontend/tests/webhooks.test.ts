import { describe, expect, it } from 'vitest'

import type { DeliveryRead } from '@/api'
import { DELIVERY_STATUSES, eventTypeKey, lastAttempt, statusTagType } from '@/queries/webhooks'

import { en, zhCN } from './support/messages'

type Tree = { [key: string]: string | Tree }

function lookup(tree: Tree, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Tree | undefined)?.[part], tree)
}

const EVENT_TYPES = [
  'application.status_changed',
  'batch.status_changed',
  'publicity.started',
  'objection.filed',
  'award.granted',
  'certificate.revoked',
]

function attempt(id: number, status_code: number | null) {
  return { id, attempted_at: '2026-11-29T08:00:00Z', status_code, latency_ms: 12, error: null, manual: false }
}

describe('webhooks', () => {
  it('names every subscribable event type in both languages', () => {
    for (const type of EVENT_TYPES) {
      const key = `webhooks.eventTypes.${eventTypeKey(type)}`
      expect(lookup(zhCN as unknown as Tree, key), key).toEqual(expect.any(String))
      expect(lookup(en as unknown as Tree, key), key).toEqual(expect.any(String))
    }
  })

  it('names every delivery status in both languages and colours it', () => {
    for (const status of DELIVERY_STATUSES) {
      expect(lookup(zhCN as unknown as Tree, `webhooks.status.${status}`)).toEqual(expect.any(String))
      expect(lookup(en as unknown as Tree, `webhooks.status.${status}`)).toEqual(expect.any(String))
    }
    expect(statusTagType('succeeded')).toBe('success')
    expect(statusTagType('failed')).toBe('danger')
    expect(statusTagType('pending')).toBe('warning')
  })

  it('turns dots into underscores, which vue-i18n would read as nesting', () => {
    expect(eventTypeKey('award.granted')).toBe('award_granted')
    expect(eventTypeKey('plain')).toBe('plain')
  })

  it('takes the newest attempt of a delivery', () => {
    const none = { attempt_log: [] } as Pick<DeliveryRead, 'attempt_log'>
    expect(lastAttempt(none)).toBeNull()
    const some = { attempt_log: [attempt(1, 500), attempt(2, 204)] } as Pick<DeliveryRead, 'attempt_log'>
    expect(lastAttempt(some)?.status_code).toBe(204)
  })
})
