import { afterEach, describe, expect, it } from 'vitest'

import { ApiError, toApiError } from '@/http/problem'
import { PROBLEM_CODES, errorMessage, fieldErrors, problemMessage } from '@/problems'

import { en, i18n, zhCN } from './support/messages'

function problem(code: string, extra: Record<string, unknown> = {}) {
  return { type: 'about:blank', title: `Title of ${code}`, status: 400, detail: 'd', code, ...extra }
}

describe('problemMessage', () => {
  afterEach(() => {
    i18n.global.locale.value = 'zh-CN'
  })

  it('has a message for every known code in both locales', () => {
    for (const code of PROBLEM_CODES) {
      expect(zhCN.problems).toHaveProperty(code)
      expect(en.problems).toHaveProperty(code)
    }
  })

  it.each(['zh-CN', 'en'] as const)('translates known codes in %s', (locale) => {
    i18n.global.locale.value = locale
    const table = locale === 'en' ? en.problems : zhCN.problems
    expect(problemMessage(problem('invalid_credentials'))).toBe(table.invalid_credentials)
    expect(problemMessage(problem('rate_limited'))).toBe(table.rate_limited)
    expect(problemMessage(problem('csrf_failed'))).toBe(table.csrf_failed)
    for (const code of PROBLEM_CODES) {
      expect(problemMessage(problem(code))).toBe(table[code])
    }
  })

  it('is different per locale', () => {
    i18n.global.locale.value = 'zh-CN'
    const zh = problemMessage(problem('not_found'))
    i18n.global.locale.value = 'en'
    expect(problemMessage(problem('not_found'))).not.toBe(zh)
  })

  it('falls back to the title for an unknown code', () => {
    expect(problemMessage(problem('brand_new_code'))).toBe('Title of brand_new_code')
  })

  it('falls back to the generic message without a title', () => {
    expect(problemMessage({ code: 'brand_new_code', title: '' })).toBe(zhCN.problems.generic)
    expect(problemMessage(null)).toBe(zhCN.problems.generic)
    expect(errorMessage(new Error('boom'))).toBe(zhCN.problems.generic)
  })
})

describe('toApiError', () => {
  it('keeps the problem and reads Retry-After', () => {
    const response = new Response(null, { status: 429, headers: { 'Retry-After': '42' } })
    const error = toApiError(problem('rate_limited', { status: 429, request_id: 'r-1' }), response)
    expect(error).toBeInstanceOf(ApiError)
    expect(error.code).toBe('rate_limited')
    expect(error.status).toBe(429)
    expect(error.retryAfter).toBe(42)
    expect(error.requestId).toBe('r-1')
  })

  it('turns a non-problem body into a generic problem', () => {
    const response = new Response(null, { status: 502, statusText: 'Bad Gateway' })
    const error = toApiError('<html>bad gateway</html>', response)
    expect(error.code).toBe('service_unavailable')
    expect(error.status).toBe(502)
  })

  it('reports a network failure', () => {
    expect(toApiError(new TypeError('Failed to fetch'), undefined).code).toBe('network_error')
  })
})

describe('fieldErrors', () => {
  it('maps errors[] to their dotted fields, translating known codes', () => {
    const error = toApiError(
      problem('validation_error', {
        status: 422,
        errors: [
          { field: 'organization.uscc', message: 'bad uscc', code: 'uscc_invalid' },
          { field: 'password', message: 'Too short', code: 'weak_password' },
          { field: 'display_name', message: 'Server says no', code: 'something_else' },
        ],
      }),
      new Response(null, { status: 422 }),
    )
    expect(fieldErrors(error)).toEqual({
      'organization.uscc': zhCN.problems.uscc_invalid,
      password: zhCN.problems.weak_password,
      display_name: 'Server says no',
    })
  })

  it('puts a taken email next to the email field even without errors[]', () => {
    const error = toApiError(problem('email_taken', { status: 409 }), new Response(null, { status: 409 }))
    expect(fieldErrors(error)).toEqual({ email: zhCN.problems.email_taken })
  })
})
