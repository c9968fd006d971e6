import { VueQueryPlugin } from '@tanstack/vue-query'
import { flushPromises, mount } from '@vue/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import type { AwardRead, AwardSummary, BatchRead } from '@/api'
import { apiClient } from '@/http/client'
import { ApiError } from '@/http/problem'
import { problemCodes } from '@/i18n/domains/awards'
import awardsScreen from '@/i18n/screens/awards'
import {
  beijingDay,
  canRevoke,
  filtersFromQuery,
  issueResultMessage,
  payloadEntries,
  PAYLOAD_ORDER,
  REASON_MAX,
  reasonLength,
  reasonProblem,
  serverReasonProblem,
  staleRevocation,
  STATUS_TAGS,
} from '@/pages/certificates/certificate'
import CertificatesPage from '@/pages/certificates/CertificatesPage.vue'
import { problemMessage } from '@/problems'
import { createAppQueryClient } from '@/queries/client'
import { CERTIFICATE_STATUSES, certificatePdfPath, verifyPath } from '@/queries/awards'

import { createAppI18n, en, i18n, zhCN } from './support/messages'

function apiError(status: number, code: string, errors: { field: string; code: string; message?: string }[] = []) {
  return new ApiError({
    type: 'about:blank',
    title: code,
    status,
    detail: code,
    code,
    errors: errors.map((e) => ({ message: 'server says no', ...e })),
  })
}

describe('the revocation reason', () => {
  it('needs 10 to 2000 characters of trimmed text, counted as the server counts', () => {
    expect(reasonProblem('')).toEqual({ key: 'required' })
    expect(reasonProblem(' \n\t ')).toEqual({ key: 'required' })
    expect(reasonProblem('太短的原因')).toEqual({ key: 'tooShort', params: { n: 10 } })
    // Ten characters once the spaces around them are gone.
    expect(reasonProblem('  一二三四五六七八九  ')).toEqual({ key: 'tooShort', params: { n: 10 } })
    expect(reasonProblem('  一二三四五六七八九十  ')).toBeNull()
    expect(reasonProblem('x'.repeat(REASON_MAX))).toBeNull()
    expect(reasonProblem('x'.repeat(REASON_MAX + 1))).toEqual({ key: 'tooLong', params: { n: 2000 } })
  })

  it('counts code points, not UTF-16 units (an emoji is one character to Python)', () => {
    expect(reasonLength('😀'.repeat(10))).toBe(10)
    expect(reasonProblem('😀'.repeat(10))).toBeNull()
    expect(reasonLength(' 证书撤销 ')).toBe(4)
  })

  it('has a message in both languages for every check', () => {
    for (const key of ['required', 'tooShort', 'tooLong']) {
      expect(awardsScreen.zhCN.revoke.errors).toHaveProperty(key)
      expect(awardsScreen.en.revoke.errors).toHaveProperty(key)
    }
    const english = createAppI18n('en').global
    expect(english.t('awards.revoke.errors.tooShort', { n: 10 })).toBe('The reason needs at least 10 characters.')
    expect(createAppI18n('zh-CN').global.t('awards.revoke.errors.tooShort', { n: 10 })).toBe('撤销原因至少 10 个字。')
  })

  it('puts the server 422 on the reason as our own message', () => {
    expect(serverReasonProblem(apiError(422, 'validation_error', [{ field: 'reason', code: 'string_too_short' }]))).toEqual({
      key: 'tooShort',
      params: { n: 10 },
    })
    expect(serverReasonProblem(apiError(422, 'validation_error', [{ field: 'body.reason', code: 'string_too_long' }]))).toEqual({
      key: 'tooLong',
      params: { n: 2000 },
    })
    expect(serverReasonProblem(apiError(422, 'validation_error', [{ field: 'reason', code: 'missing' }]))).toEqual({ key: 'required' })
    expect(
      serverReasonProblem(apiError(422, 'validation_error', [{ field: 'reason', code: 'something_new', message: 'Reason refused.' }])),
    ).toBe('Reason refused.')
  })

  it('leaves other refusals to the dialog alert', () => {
    expect(serverReasonProblem(apiError(422, 'validation_error', [{ field: 'award_id', code: 'uuid_parsing' }]))).toBeNull()
    expect(serverReasonProblem(apiError(409, 'award_already_revoked'))).toBeNull()
    expect(serverReasonProblem(new Error('boom'))).toBeNull()
  })
})

describe('staleRevocation', () => {
  it('recognises a certificate revoked meanwhile or gone', () => {
    expect(staleRevocation(apiError(409, 'award_already_revoked'))).toBe('already_revoked')
    expect(staleRevocation(apiError(404, 'award_not_found'))).toBe('not_found')
  })

  it('is null for anything else', () => {
    expect(staleRevocation(apiError(409, 'conflict'))).toBeNull()
    expect(staleRevocation(apiError(404, 'not_found'))).toBeNull()
    expect(staleRevocation(apiError(403, 'forbidden'))).toBeNull()
    expect(staleRevocation(new Error('x'))).toBeNull()
  })
})

describe('status tags', () => {
  it('gives each status its colour and a text in both languages', () => {
    expect(STATUS_TAGS.valid.type).toBe('success')
    expect(STATUS_TAGS.expired.type).toBe('info')
    expect(STATUS_TAGS.revoked.type).toBe('danger')
    const zh = createAppI18n('zh-CN').global
    const english = createAppI18n('en').global
    expect(CERTIFICATE_STATUSES.map((s) => zh.t(STATUS_TAGS[s].key))).toEqual(['有效', '已过期', '已撤销'])
    expect(CERTIFICATE_STATUSES.map((s) => english.t(STATUS_TAGS[s].key))).toEqual(['Valid', 'Expired', 'Revoked'])
  })

  it('offers revocation until a certificate is revoked, expired ones included', () => {
    expect(canRevoke('valid')).toBe(true)
    expect(canRevoke('expired')).toBe(true)
    expect(canRevoke('revoked')).toBe(false)
  })
})

describe('the issue result', () => {
  it('is a success only when something was issued', () => {
    expect(issueResultMessage(0)).toEqual({ key: 'awards.issue.result', count: 0, type: 'info' })
    expect(issueResultMessage(3)).toEqual({ key: 'awards.issue.result', count: 3, type: 'success' })
  })

  it('says the count with plurals in both languages', () => {
    const say = (locale: 'zh-CN' | 'en', n: number) => {
      const message = issueResultMessage(n)
      return createAppI18n(locale).global.t(message.key, { n: message.count }, message.count)
    }
    expect(say('en', 0)).toBe('Nothing to issue')
    expect(say('en', 1)).toBe('1 certificate issued')
    expect(say('en', 2)).toBe('2 certificates issued')
    expect(say('zh-CN', 0)).toBe('没有待发放的证书')
    expect(say('zh-CN', 1)).toBe('已发放 1 张证书')
    expect(say('zh-CN', 40)).toBe('已发放 40 张证书')
  })
})

describe('beijingDay', () => {
  it('takes the calendar day in Beijing, whatever zone the instant is written in', () => {
    expect(beijingDay('2021-08-31T17:30:00Z')).toBe('2021-09-01')
    expect(beijingDay('2021-09-01T00:10:00+08:00')).toBe('2021-09-01')
    expect(beijingDay('2021-08-31T15:59:59Z')).toBe('2021-08-31')
  })

  it('gives back what it cannot read', () => {
    expect(beijingDay('not a date')).toBe('not a date')
  })
})

describe('payloadEntries', () => {
  it('lists the signed fields in reading order, unknown ones last and sorted', () => {
    const payload = {
      valid_until: '2029-09-01',
      uscc: '91110108MA01234567',
      zeta: 'z',
      number: 'BJSTT-2021-01-0001',
      product: '七轴协作机器人',
      alpha: 'a',
      level: 'domestic_leading',
    }
    expect(payloadEntries(payload).map(([key]) => key)).toEqual(['number', 'product', 'uscc', 'level', 'valid_until', 'alpha', 'zeta'])
    expect(payloadEntries(payload)[0]).toEqual(['number', 'BJSTT-2021-01-0001'])
  })

  it('has a label for every known field in both languages', () => {
    for (const key of PAYLOAD_ORDER) {
      expect(awardsScreen.zhCN.payload).toHaveProperty(key)
      expect(awardsScreen.en.payload).toHaveProperty(key)
    }
  })
})

describe('filtersFromQuery', () => {
  it('reads batch and status, and takes anything unknown as all', () => {
    expect(filtersFromQuery({ batch: 'b1', status: 'revoked' })).toEqual({ batch: 'b1', status: 'revoked' })
    expect(filtersFromQuery({})).toEqual({ batch: '', status: '' })
    expect(filtersFromQuery({ status: 'toString' })).toEqual({ batch: '', status: '' })
    expect(filtersFromQuery({ status: 'announced', batch: ['a', 'b'] })).toEqual({ batch: '', status: '' })
  })
})

describe('links of a certificate', () => {
  it('point at this origin: the PDF route and the public verification page', () => {
    expect(certificatePdfPath('BJSTT-2021-01-0001')).toBe('/api/v1/certificates/BJSTT-2021-01-0001/pdf')
    expect(verifyPath('BJSTT-2021-01-0040')).toBe('/verify/BJSTT-2021-01-0040')
  })
})

describe('awards problem codes', () => {
  afterEach(() => {
    i18n.global.locale.value = 'zh-CN'
  })

  it('translates the codes of the awards routes in both languages', () => {
    expect([...problemCodes].sort()).toEqual(['award_already_revoked', 'award_not_found', 'signing_key_unavailable'])
    for (const code of problemCodes) {
      for (const locale of ['zh-CN', 'en'] as const) {
        i18n.global.locale.value = locale
        const table = (locale === 'en' ? en : zhCN).problems as Record<string, string>
        expect(table[code]).toBeTruthy()
        expect(problemMessage({ code, title: 'x' })).toBe(table[code])
      }
    }
  })
})

// --- the screen, against a stubbed server --------------------------------------------------------

const BATCH = {
  id: 'b2021',
  year: 2021,
  sequence: 1,
  title_zh: '2021年第一批首台(套)重大技术装备',
  title_en: '2021 first batch',
  status: 'announced',
} as unknown as BatchRead

function summary(n: number, over: Partial<AwardSummary> = {}): AwardSummary {
  const number = `BJSTT-2021-01-${String(n).padStart(4, '0')}`
  return {
    id: `award-${n}`,
    number,
    status: 'valid',
    status_label: { code: 'valid', name_zh: '有效', name_en: 'Valid' },
    application_id: `app-${n}`,
    batch_id: BATCH.id,
    organization_id: 'org',
    organization_name_zh: '北京示范装备有限公司',
    organization_name_en: 'Beijing Demonstration Equipment Co., Ltd.',
    product_name_zh: `示范装备${n}`,
    product_name_en: `Demonstration equipment ${n}`,
    issued_at: '2025-06-01T02:00:00Z',
    valid_until: '2028-06-01',
    revoked_at: null,
    ...over,
  }
}

function detail(row: AwardSummary, over: Partial<AwardRead> = {}): AwardRead {
  return {
    ...row,
    sequence: 1,
    payload: { number: row.number, product: row.product_name_zh, organization: row.organization_name_zh },
    signature: 'c2lnbmF0dXJl',
    key_id: 'k-2025-01',
    revoked_reason: null,
    revoked_by: null,
    pdf_rendered: false,
    verify_url: `https://example.cn/verify/${row.number}`,
    pdf_url: `https://example.cn/api/v1/certificates/${row.number}/pdf`,
    created_at: row.issued_at,
    updated_at: row.issued_at,
    ...over,
  }
}

type Call = { method: string; path: string; query: URLSearchParams; body: unknown }

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
  })
}

function problemBody(status: number, code: string, errors: unknown[] = []) {
  return { type: 'about:blank', title: code, status, detail: code, code, request_id: 'req-1', errors }
}

/** A fake API: batches, the listed awards, and scripted answers to issue and revoke. */
function fakeServer(rows: AwardSummary[]) {
  const calls: Call[] = []
  const revokeAnswers: Response[] = []
  let issued = 0
  const handler = async (request: Request) => {
    const url = new URL(request.url)
    const body = request.method === 'POST' ? await request.clone().text() : ''
    calls.push({ method: request.method, path: url.pathname, query: url.searchParams, body: body ? JSON.parse(body) : null })
    if (url.pathname === '/api/v1/batches') return json(200, { items: [BATCH], next: null })
    if (url.pathname === '/api/v1/awards') {
      const statuses = url.searchParams.getAll('status')
      return json(200, { items: rows.filter((r) => !statuses.length || statuses.includes(r.status)), next: null })
    }
    if (url.pathname === '/api/v1/awards/issue') return json(200, { issued })
    const revoke = /^\/api\/v1\/awards\/([^/]+)\/revoke$/.exec(url.pathname)
    if (revoke) return revokeAnswers.shift() ?? json(500, problemBody(500, 'internal_error'))
    const one = /^\/api\/v1\/awards\/([^/]+)$/.exec(url.pathname)
    const row = one && rows.find((r) => r.id === one[1])
    if (row) return json(200, detail(row))
    return json(404, problemBody(404, 'not_found'))
  }
  return {
    calls,
    handler,
    rows,
    willIssue: (n: number) => {
      issued = n
    },
    answerRevoke: (response: Response) => revokeAnswers.push(response),
  }
}

describe('CertificatesPage', () => {
  beforeAll(() => {
    // jsdom has no origin for relative request URLs.
    apiClient.setConfig({ baseUrl: 'http://firstset.test' })
  })

  afterAll(() => {
    apiClient.setConfig({ baseUrl: '' })
    vi.unstubAllGlobals()
  })

  afterEach(() => {
    document.body.innerHTML = ''
  })

  async function mountPage(server: ReturnType<typeof fakeServer>, query = '') {
    vi.stubGlobal('fetch', vi.fn(server.handler))
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/admin/certificates', component: CertificatesPage },
        { path: '/:p(.*)*', component: { render: () => null } },
      ],
    })
    await router.push(`/admin/certificates${query}`)
    const wrapper = mount(CertificatesPage, {
      attachTo: document.body,
      global: { plugins: [router, createAppI18n('en'), [VueQueryPlugin, { queryClient: createAppQueryClient() }]] },
    })
    await flushPromises()
    return { wrapper, router }
  }

  const settle = async () => {
    await flushPromises()
    // Element Plus shows a form item's error after a short debounce.
    await new Promise((resolve) => setTimeout(resolve, 250))
    await flushPromises()
  }

  it('lists the certificates with their status, dates and links', async () => {
    const server = fakeServer([summary(1), summary(2, { status: 'revoked', revoked_at: '2025-06-10T18:00:00Z' }), summary(3, { status: 'expired' })])
    const { wrapper } = await mountPage(server)
    const rows = wrapper.findAll('tbody tr.certificates__row')
    expect(rows).toHaveLength(3)
    const first = wrapper.get('[data-testid="certificate-row-BJSTT-2021-01-0001"]')
    // The English screen names the product and holder in English.
    expect(first.text()).toContain('Demonstration equipment 1')
    expect(first.text()).toContain('Beijing Demonstration Equipment Co., Ltd.')
    expect(first.text()).toContain('Jun 1, 2025')
    expect(first.text()).toContain('Jun 1, 2028')
    expect(first.get('[data-testid=certificate-status]').text()).toBe('Valid')
    const pdf = first.get('[data-testid=certificate-pdf]')
    expect(pdf.attributes('href')).toBe('/api/v1/certificates/BJSTT-2021-01-0001/pdf')
    expect(pdf.attributes('aria-label')).toContain('BJSTT-2021-01-0001')
    expect(first.get('[data-testid=certificate-verify]').attributes('href')).toBe('/verify/BJSTT-2021-01-0001')
    expect(first.find('[data-testid=certificate-revoke]').exists()).toBe(true)

    const revoked = wrapper.get('[data-testid="certificate-row-BJSTT-2021-01-0002"]')
    expect(revoked.get('[data-testid=certificate-status]').attributes('data-status')).toBe('revoked')
    // Revoked at 02:00 on 11 June in Beijing.
    expect(revoked.get('[data-testid=certificate-revoked-on]').text()).toBe('on Jun 11, 2025')
    expect(revoked.find('[data-testid=certificate-revoke]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="certificate-row-BJSTT-2021-01-0003"] [data-testid=certificate-revoke]').exists()).toBe(true)
  })

  it('sends the filters of the URL and says when nothing matches', async () => {
    const server = fakeServer([summary(1)])
    const { wrapper } = await mountPage(server, '?batch=b2021&status=revoked')
    const list = server.calls.find((c) => c.path === '/api/v1/awards')!
    expect(list.query.get('batch_id')).toBe('b2021')
    expect(list.query.getAll('status')).toEqual(['revoked'])
    expect(wrapper.get('[data-testid=certificates-empty]').text()).toBe('No certificate matches.')
    expect(wrapper.get<HTMLSelectElement>('[data-testid=certificates-filter-batch]').element.value).toBe('b2021')
  })

  it('issues the pending certificates and says how many', async () => {
    const server = fakeServer([summary(1)])
    server.willIssue(2)
    const { wrapper } = await mountPage(server)
    const before = server.calls.filter((c) => c.path === '/api/v1/awards').length
    await wrapper.get('[data-testid=certificates-issue]').trigger('click')
    await flushPromises()
    expect(server.calls.some((c) => c.method === 'POST' && c.path === '/api/v1/awards/issue')).toBe(true)
    expect(document.body.querySelector('.el-message')?.textContent).toContain('2 certificates issued')
    // The list is read again.
    expect(server.calls.filter((c) => c.path === '/api/v1/awards').length).toBeGreaterThan(before)
  })

  it('shows the signed payload and key of an expanded row', async () => {
    const server = fakeServer([summary(1)])
    const { wrapper } = await mountPage(server)
    const toggle = wrapper.get('[data-testid="certificate-toggle-BJSTT-2021-01-0001"]')
    expect(toggle.attributes('aria-expanded')).toBe('false')
    await toggle.trigger('click')
    await flushPromises()
    expect(toggle.attributes('aria-expanded')).toBe('true')
    const details = wrapper.get('[data-testid=award-details]')
    expect(details.get('[data-testid=award-key-id]').text()).toBe('k-2025-01')
    expect(details.get('[data-testid=award-payload]').text()).toContain('Certificate number')
    expect(details.get('[data-testid=award-payload] dd[data-key=product]').text()).toBe('示范装备1')
  })

  it('checks the reason before sending, then revokes and reads the list again', async () => {
    const rows = [summary(40)]
    const server = fakeServer(rows)
    server.answerRevoke(json(200, detail(summary(40, { status: 'revoked', revoked_at: '2025-06-20T02:00:00Z' }))))
    const { wrapper } = await mountPage(server)
    await wrapper.get('[data-testid=certificate-revoke]').trigger('click')
    await flushPromises()
    const dialog = () => document.body.querySelector('[data-testid=revoke-dialog]')!
    expect(dialog().getAttribute('data-number')).toBe('BJSTT-2021-01-0040')
    expect(dialog().textContent).toContain('public and permanent')

    const textarea = document.body.querySelector<HTMLTextAreaElement>('[data-testid=revoke-reason]')!
    textarea.value = 'Too short'
    textarea.dispatchEvent(new Event('input'))
    ;(document.body.querySelector('[data-testid=revoke-confirm]') as HTMLElement).click()
    await settle()
    expect(dialog().textContent).toContain('The reason needs at least 10 characters.')
    expect(textarea.getAttribute('aria-invalid')).toBe('true')
    expect(server.calls.some((c) => c.path.endsWith('/revoke'))).toBe(false)

    textarea.value = '  The product was found to be sold in Beijing before.  '
    textarea.dispatchEvent(new Event('input'))
    await flushPromises()
    expect(document.body.querySelector('[data-testid=revoke-counter]')!.textContent).toContain('51 / 2000')
    // The list answers with the revoked row from now on.
    rows[0] = summary(40, { status: 'revoked', revoked_at: '2025-06-20T02:00:00Z' })
    ;(document.body.querySelector('[data-testid=revoke-confirm]') as HTMLElement).click()
    await settle()
    const sent = server.calls.find((c) => c.path === '/api/v1/awards/award-40/revoke')!
    expect(sent.body).toEqual({ reason: 'The product was found to be sold in Beijing before.' })
    expect(document.body.querySelector('.el-message')?.textContent).toContain('Certificate BJSTT-2021-01-0040 revoked.')
    const row = wrapper.get('[data-testid="certificate-row-BJSTT-2021-01-0040"]')
    expect(row.get('[data-testid=certificate-status]').attributes('data-status')).toBe('revoked')
    expect(row.get('[data-testid=certificate-revoked-on]').text()).toBe('on Jun 20, 2025')
  })

  it('puts the server 422 under the reason', async () => {
    const server = fakeServer([summary(7)])
    server.answerRevoke(json(422, problemBody(422, 'validation_error', [{ field: 'reason', code: 'string_too_short', message: 'short' }])))
    const { wrapper } = await mountPage(server)
    await wrapper.get('[data-testid=certificate-revoke]').trigger('click')
    await flushPromises()
    const textarea = document.body.querySelector<HTMLTextAreaElement>('[data-testid=revoke-reason]')!
    textarea.value = 'A reason of enough length for the client.'
    textarea.dispatchEvent(new Event('input'))
    ;(document.body.querySelector('[data-testid=revoke-confirm]') as HTMLElement).click()
    await settle()
    const item = textarea.closest('.el-form-item')!
    expect(item.textContent).toContain('The reason needs at least 10 characters.')
    expect(document.body.querySelector('[data-testid=revoke-dialog]')).not.toBeNull()
  })

  it('says so and reads the list again when someone else revoked it first (409)', async () => {
    const rows = [summary(39)]
    const server = fakeServer(rows)
    server.answerRevoke(json(409, problemBody(409, 'award_already_revoked')))
    const { wrapper } = await mountPage(server)
    await wrapper.get('[data-testid=certificate-revoke]').trigger('click')
    await flushPromises()
    const textarea = document.body.querySelector<HTMLTextAreaElement>('[data-testid=revoke-reason]')!
    textarea.value = 'Revoked after the objection was upheld.'
    textarea.dispatchEvent(new Event('input'))
    rows[0] = summary(39, { status: 'revoked', revoked_at: '2025-06-20T02:00:00Z' })
    const listsBefore = server.calls.filter((c) => c.path === '/api/v1/awards').length
    ;(document.body.querySelector('[data-testid=revoke-confirm]') as HTMLElement).click()
    await settle()
    expect(wrapper.get('[data-testid=certificates-stale]').text()).toContain(
      'Certificate BJSTT-2021-01-0039 has already been revoked',
    )
    expect(server.calls.filter((c) => c.path === '/api/v1/awards').length).toBeGreaterThan(listsBefore)
    expect(wrapper.get('[data-testid=certificate-status]').attributes('data-status')).toBe('revoked')
  })
})
