import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { authLogin, authLogout, authMe } from '@/api'
import { apiClient } from '@/http/client'
import { csrfInterceptor, readCookie } from '@/http/csrf'
import { ApiError } from '@/http/problem'

function clearCookies() {
  for (const part of document.cookie.split(';')) {
    const name = part.split('=')[0]?.trim()
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`
  }
}

describe('readCookie', () => {
  it('finds a cookie among others', () => {
    expect(readCookie('csrf_token', 'a=1; csrf_token=tok%3D; b=2')).toBe('tok=')
    expect(readCookie('csrf_token', 'a=1')).toBeNull()
    expect(readCookie('csrf_token', 'xcsrf_token=1')).toBeNull()
  })
})

describe('csrfInterceptor', () => {
  beforeEach(() => {
    clearCookies()
    document.cookie = 'csrf_token=abc123; path=/'
    document.cookie = 'other=zzz; path=/'
  })
  afterEach(clearCookies)

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('adds the header on %s', (method) => {
    const request = csrfInterceptor(new Request('http://localhost/api/v1/x', { method }))
    expect(request.headers.get('X-CSRF-Token')).toBe('abc123')
  })

  it.each(['GET', 'HEAD', 'OPTIONS'])('leaves %s alone', (method) => {
    const request = csrfInterceptor(new Request('http://localhost/api/v1/x', { method }))
    expect(request.headers.has('X-CSRF-Token')).toBe(false)
  })

  it('sends nothing when there is no cookie', () => {
    clearCookies()
    const request = csrfInterceptor(new Request('http://localhost/api/v1/x', { method: 'POST' }))
    expect(request.headers.has('X-CSRF-Token')).toBe(false)
  })
})

describe('the generated client', () => {
  beforeEach(() => {
    clearCookies()
    document.cookie = 'csrf_token=from-cookie; path=/'
  })
  afterEach(clearCookies)

  function fakeFetch(response: () => Response) {
    return vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => response())
  }

  const me = { id: 'u1', email: 'a@b.cn', display_name: 'A', locale: 'zh-CN', roles: [] }

  it('is the configured instance', () => {
    expect(apiClient.getConfig().credentials).toBe('same-origin')
  })

  it('adds X-CSRF-Token to unsafe requests and sends cookies', async () => {
    const fetch = fakeFetch(() => new Response(null, { status: 204 }))
    await authLogout({ baseUrl: 'http://localhost', fetch })
    const request = fetch.mock.calls[0]![0] as Request
    expect(request.method).toBe('POST')
    expect(request.headers.get('X-CSRF-Token')).toBe('from-cookie')
    expect(request.credentials).toBe('same-origin')
  })

  it('does not add it to GET requests', async () => {
    const fetch = fakeFetch(() => Response.json(me))
    const { data } = await authMe({ baseUrl: 'http://localhost', fetch })
    expect(data.email).toBe('a@b.cn')
    expect((fetch.mock.calls[0]![0] as Request).headers.has('X-CSRF-Token')).toBe(false)
  })

  it('throws problems as ApiError', async () => {
    const fetch = fakeFetch(
      () =>
        new Response(
          JSON.stringify({
            type: 'about:blank',
            title: 'Too many requests',
            status: 429,
            detail: 'Slow down',
            code: 'rate_limited',
            request_id: 'req-9',
          }),
          {
            status: 429,
            headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '30' },
          },
        ),
    )
    const error = await authLogin({
      baseUrl: 'http://localhost',
      fetch,
      body: { email: 'a@b.cn', password: 'x' },
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('rate_limited')
    expect((error as ApiError).retryAfter).toBe(30)
    expect((error as ApiError).requestId).toBe('req-9')
  })
})
