import { describe, expect, it } from 'vitest'

import openapi from '../openapi.json'

import type { Kind, PreferenceRead } from '@/api'
import { ApiError } from '@/http/problem'
import {
  MAIL_STATUSES,
  NOTIFICATION_KINDS,
  badgeLabel,
  badgeText,
  mailStatusTagType,
  preferencesToSave,
  problemMessages,
  spaPath,
} from '@/queries/notifications'

import { en, i18n, zhCN } from './support/messages'

// The kinds the API documents, read from the committed OpenAPI document the client is generated
// from: a kind the API adds and the screens miss fails here.
const API_KINDS = (openapi as { components: { schemas: { Kind: { enum: Kind[] } } } }).components
  .schemas.Kind.enum

describe('notification kinds', () => {
  it('lists every kind the API knows', () => {
    expect([...NOTIFICATION_KINDS].sort()).toEqual([...API_KINDS].sort())
  })

  it('has a label for every kind in both languages', () => {
    for (const kind of NOTIFICATION_KINDS) {
      expect(zhCN.notifications.kinds[kind], kind).toBeTruthy()
      expect(en.notifications.kinds[kind], kind).toBeTruthy()
    }
    // E-mails also have the daily digest, which gathers the others, and the password-reset link.
    expect(Object.keys(zhCN.notifications.kinds).sort()).toEqual(
      [...API_KINDS, 'daily_digest', 'password_reset'].sort(),
    )
    expect(en.notifications.kinds.daily_digest).toBe('Daily digest')
  })

  it('has a label for every e-mail status in both languages', () => {
    for (const status of MAIL_STATUSES) {
      expect(zhCN.notifications.status[status]).toBeTruthy()
      expect(en.notifications.status[status]).toBeTruthy()
    }
    expect(mailStatusTagType('sent')).toBe('success')
    expect(mailStatusTagType('failed')).toBe('danger')
    expect(mailStatusTagType('pending')).toBe('warning')
    expect(mailStatusTagType('held')).toBe('info')
    expect(mailStatusTagType('digested')).toBe('success')
    const API_STATUSES = (openapi as { components: { schemas: { MailStatus: { enum: string[] } } } }).components
      .schemas.MailStatus.enum
    expect([...MAIL_STATUSES].sort()).toEqual([...API_STATUSES].sort())
  })
})

describe('badge', () => {
  it('names the count when something is unread', () => {
    expect(badgeLabel(3)).toEqual({ key: 'notifications.badgeUnread', n: 3 })
    expect(badgeLabel(0)).toEqual({ key: 'notifications.badge', n: 0 })
    expect(badgeLabel(undefined)).toEqual({ key: 'notifications.badge', n: 0 })
  })

  it('reads "Notifications, 3 unread" in English', () => {
    const { key, n } = badgeLabel(3)
    const before = i18n.global.locale.value
    try {
      i18n.global.locale.value = 'en'
      expect(i18n.global.t(key, { n })).toBe('Notifications, 3 unread')
      i18n.global.locale.value = 'zh-CN'
      expect(i18n.global.t(key, { n })).toBe('通知，3 条未读')
    } finally {
      i18n.global.locale.value = before
    }
  })

  it('caps the number shown at 99+', () => {
    expect(badgeText(7)).toBe('7')
    expect(badgeText(99)).toBe('99')
    expect(badgeText(120)).toBe('99+')
  })
})

describe('spaPath', () => {
  it('keeps the path, query and fragment of the absolute link', () => {
    expect(spaPath('https://firstset.example.cn/applications/abc')).toBe('/applications/abc')
    expect(spaPath('http://127.0.0.1:8000/district/queue?x=1#top')).toBe('/district/queue?x=1#top')
  })

  it('passes an SPA path through and refuses other hosts as protocol-relative links', () => {
    expect(spaPath('/applications')).toBe('/applications')
    expect(spaPath('//evil.example/x')).toBe('/')
    expect(spaPath('not a url')).toBe('/')
  })
})

describe('preferences', () => {
  it('sends required kinds switched on whatever the form says', () => {
    const rows: PreferenceRead[] = [
      { kind: 'application_returned', in_app: false, email: false, required: true },
      { kind: 'certificate_issued', in_app: true, email: false, required: false },
    ]
    expect(preferencesToSave(rows)).toEqual([
      { kind: 'application_returned', in_app: true, email: true },
      { kind: 'certificate_issued', in_app: true, email: false },
    ])
  })

  it('shows the required-notice refusal by its code', () => {
    i18n.global.locale.value = 'zh-CN'
    const error = new ApiError({
      type: 'about:blank',
      title: 'Validation error',
      status: 422,
      code: 'validation_error',
      errors: [{ field: 'items.0', message: 'This notice is required.', code: 'notification_required' }],
    } as never)
    expect(problemMessages(error)).toEqual(['法定通知不能关闭。'])
  })
})
