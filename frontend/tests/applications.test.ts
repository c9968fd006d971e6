import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { ApplicationRead } from '@/api'
import { apiClient } from '@/http/client'
import { ApiError } from '@/http/problem'
import { cachedEtag, fetchApplication, patchApplication, type Versioned } from '@/queries/applications'
import { createAppQueryClient } from '@/queries/client'
import { queryKeys } from '@/queries/keys'

function application(overrides: Partial<ApplicationRead> = {}): ApplicationRead {
  return {
    id: 'a1',
    status: 'draft',
    product_name_zh: '七轴协作机器人',
    product_name_en: null,
    model_spec: null,
    field: null,
    claimed_level: null,
    organization: { id: 'o1', name_zh: '企业', name_en: null, district: 'haidian' },
    batch: { id: 'b1', year: 2026, sequence: 1, title_zh: '2026 年第一批', title_en: null },
    submitted_at: null,
    return_step: null,
    return_deadline_on: null,
    overdue: false,
    created_at: '2026-03-01T00:00:00Z',
    updated_at: '2026-03-01T00:00:00Z',
    version: 1,
    summary_zh: null,
    summary_en: null,
    product_type: null,
    indicators: [],
    ip_rights: [],
    sales: [],
    licences: [],
    price_yuan: null,
    expected_demonstration_use: null,
    return_reason: null,
    decision_reason: null,
    ...overrides,
  }
}

const fetchMock = vi.fn<(request: Request) => Promise<Response>>()

beforeEach(() => {
  fetchMock.mockReset()
  apiClient.setConfig({ baseUrl: 'http://localhost', fetch: fetchMock as unknown as typeof fetch })
})

afterEach(() => {
  apiClient.setConfig({ baseUrl: undefined, fetch: undefined })
})

function seeded(etag: string | null) {
  const queryClient = createAppQueryClient()
  const value: Versioned<ApplicationRead> = { data: application(), etag }
  queryClient.setQueryData(queryKeys.applications.detail('a1'), value)
  return queryClient
}

describe('fetchApplication', () => {
  it('keeps the ETag the application was read with', async () => {
    fetchMock.mockResolvedValueOnce(Response.json(application(), { headers: { ETag: '"a1-v1"' } }))
    const result = await fetchApplication('a1')
    expect(result.etag).toBe('"a1-v1"')
    expect(result.data.product_name_zh).toBe('七轴协作机器人')
    expect(fetchMock.mock.calls[0]![0].url).toBe('http://localhost/api/v1/applications/a1')
  })
})

describe('patchApplication', () => {
  it('sends If-Match with the cached ETag and caches the new one', async () => {
    const queryClient = seeded('"a1-v1"')
    fetchMock.mockResolvedValueOnce(
      Response.json(application({ version: 2, model_spec: 'TH-C7' }), { headers: { ETag: '"a1-v2"' } }),
    )

    const result = await patchApplication(queryClient, 'a1', { model_spec: 'TH-C7' })

    const request = fetchMock.mock.calls[0]![0]
    expect(request.method).toBe('PATCH')
    expect(request.headers.get('If-Match')).toBe('"a1-v1"')
    expect(await request.json()).toEqual({ model_spec: 'TH-C7' })
    expect(result.etag).toBe('"a1-v2"')
    expect(cachedEtag(queryClient, 'a1')).toBe('"a1-v2"')
    const cached = queryClient.getQueryData<Versioned<ApplicationRead>>(queryKeys.applications.detail('a1'))
    expect(cached?.data.model_spec).toBe('TH-C7')
  })

  it('sends the newest ETag on the next edit', async () => {
    const queryClient = seeded('"a1-v1"')
    fetchMock
      .mockResolvedValueOnce(Response.json(application({ version: 2 }), { headers: { ETag: '"a1-v2"' } }))
      .mockResolvedValueOnce(Response.json(application({ version: 3 }), { headers: { ETag: '"a1-v3"' } }))

    await patchApplication(queryClient, 'a1', { summary_zh: '一' })
    await patchApplication(queryClient, 'a1', { summary_zh: '二' })

    expect(fetchMock.mock.calls[1]![0].headers.get('If-Match')).toBe('"a1-v2"')
    expect(cachedEtag(queryClient, 'a1')).toBe('"a1-v3"')
  })

  it('turns a stale ETag into precondition_failed and keeps the cache', async () => {
    const queryClient = seeded('"a1-v1"')
    fetchMock.mockResolvedValueOnce(
      Response.json(
        {
          type: 'about:blank',
          title: 'Precondition failed',
          status: 412,
          detail: 'changed',
          code: 'precondition_failed',
        },
        { status: 412, headers: { 'Content-Type': 'application/problem+json' } },
      ),
    )

    const error = await patchApplication(queryClient, 'a1', { summary_zh: 'x' }).catch((e) => e)

    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('precondition_failed')
    expect(cachedEtag(queryClient, 'a1')).toBe('"a1-v1"')
  })

  it('sends no If-Match when nothing was read (the server answers 428)', async () => {
    const queryClient = createAppQueryClient()
    fetchMock.mockResolvedValueOnce(Response.json(application(), { headers: { ETag: '"a1-v2"' } }))
    await patchApplication(queryClient, 'a1', { summary_zh: 'x' })
    expect(fetchMock.mock.calls[0]![0].headers.has('If-Match')).toBe(false)
  })
})

describe('query keys', () => {
  it('keep every application query under one prefix for invalidation', () => {
    expect(queryKeys.applications.detail('a1').slice(0, 1)).toEqual(queryKeys.applications.all)
    expect(queryKeys.applications.eligibility('a1')[0]).toBe('applications')
    expect(queryKeys.applications.list({ statuses: ['submitted'] })).toEqual([
      'applications',
      'list',
      { statuses: ['submitted'] },
    ])
  })
})
