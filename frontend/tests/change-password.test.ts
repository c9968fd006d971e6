import { VueQueryPlugin } from '@tanstack/vue-query'
import { flushPromises, mount } from '@vue/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import { apiClient } from '@/http/client'
import ChangePasswordPage from '@/pages/auth/ChangePasswordPage.vue'
import { createAppQueryClient } from '@/queries/client'
import { queryKeys } from '@/queries/keys'

import { createAppI18n, en, i18n, zhCN } from './support/messages'

type Call = { method: string; path: string; body: unknown }

function problem(status: number, code: string, errors: unknown[] = [], headers: Record<string, string> = {}) {
  const body = { type: 'about:blank', title: code, status, detail: code, code, request_id: 'req-1', errors }
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  })
}

/** A fake API answering the password change with the scripted responses, in turn. */
function fakeServer(...answers: Response[]) {
  const calls: Call[] = []
  const handler = async (request: Request) => {
    const url = new URL(request.url)
    const text = request.method === 'POST' ? await request.clone().text() : ''
    calls.push({ method: request.method, path: url.pathname, body: text ? JSON.parse(text) : null })
    return answers.shift() ?? problem(500, 'internal_error')
  }
  return { calls, handler }
}

const settle = async () => {
  await flushPromises()
  // Element Plus shows a form item's error after a short debounce.
  await new Promise((resolve) => setTimeout(resolve, 250))
  await flushPromises()
}

describe('ChangePasswordPage', () => {
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
    i18n.global.locale.value = 'zh-CN'
  })

  async function mountPage(server: ReturnType<typeof fakeServer>, locale: 'zh-CN' | 'en' = 'zh-CN') {
    vi.stubGlobal('fetch', vi.fn(server.handler))
    // Problem messages come from the app's own instance (src/problems.ts).
    i18n.global.locale.value = locale
    const queryClient = createAppQueryClient()
    queryClient.setQueryDefaults(queryKeys.auth.me, { staleTime: Infinity })
    queryClient.setQueryData(queryKeys.auth.me, {
      id: 'u1',
      email: 'li.hua@example.cn',
      display_name: '李华',
      locale: 'zh-CN',
      roles: [],
    })
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [{ path: '/:p(.*)*', component: { render: () => null } }],
    })
    await router.push('/account/password')
    const wrapper = mount(ChangePasswordPage, {
      attachTo: document.body,
      global: { plugins: [router, createAppI18n(locale), [VueQueryPlugin, { queryClient }]] },
    })
    await flushPromises()
    return wrapper
  }

  async function fill(
    wrapper: Awaited<ReturnType<typeof mountPage>>,
    current: string,
    next: string,
    confirm = next,
  ) {
    await wrapper.get('#password-current').setValue(current)
    await wrapper.get('#password-new').setValue(next)
    await wrapper.get('#password-confirm').setValue(confirm)
    await wrapper.get('form').trigger('submit')
    await settle()
  }

  it('labels every field and names the account for password managers', async () => {
    const wrapper = await mountPage(fakeServer())
    for (const [id, label] of [
      ['password-current', zhCN.account.password.current],
      ['password-new', zhCN.account.password.new],
      ['password-confirm', zhCN.account.password.confirm],
    ] as const) {
      expect(wrapper.get(`label[for=${id}]`).text()).toContain(label)
      expect(wrapper.get(`#${id}`).attributes('type')).toBe('password')
    }
    expect(wrapper.get('#password-current').attributes('autocomplete')).toBe('current-password')
    expect(wrapper.get('#password-new').attributes('autocomplete')).toBe('new-password')
    expect(wrapper.get('#password-new').attributes('aria-describedby')).toContain('password-new-hint')
    expect(wrapper.get<HTMLInputElement>('input[autocomplete=username]').element.value).toBe('li.hua@example.cn')
    expect(wrapper.findAll('h1')).toHaveLength(1)
  })

  it('checks the confirmation before asking the server', async () => {
    const server = fakeServer()
    const wrapper = await mountPage(server, 'en')
    await fill(wrapper, 'Correct-Horse-Battery-9', 'Quiet-Lathe-Harbour-42', 'Quiet-Lathe-Harbour-43')
    expect(wrapper.text()).toContain(en.account.password.mismatch)
    expect(wrapper.get('#password-confirm').attributes('aria-invalid')).toBe('true')
    expect(wrapper.get('#password-confirm').attributes('aria-describedby')).toBe('password-confirm-error')
    expect(wrapper.get('#password-confirm-error').text()).toBe(en.account.password.mismatch)
    expect(server.calls).toEqual([])
  })

  it('sends the two passwords and says when they changed', async () => {
    const server = fakeServer(new Response(null, { status: 204 }))
    const wrapper = await mountPage(server)
    await fill(wrapper, 'Correct-Horse-Battery-9', 'Quiet-Lathe-Harbour-42')
    expect(server.calls).toEqual([
      {
        method: 'POST',
        path: '/api/v1/auth/password',
        body: { current_password: 'Correct-Horse-Battery-9', new_password: 'Quiet-Lathe-Harbour-42' },
      },
    ])
    expect(wrapper.get('[data-testid=password-changed]').text()).toBe(zhCN.account.password.changed)
    expect(wrapper.get('[data-testid=password-changed]').attributes('role')).toBe('status')
    for (const id of ['password-current', 'password-new', 'password-confirm']) {
      expect(wrapper.get<HTMLInputElement>(`#${id}`).element.value).toBe('')
    }
    expect(wrapper.find('[role=alert]').exists()).toBe(false)
  })

  it('shows a wrong current password next to that field and moves the focus there', async () => {
    const message = 'The current password is wrong.'
    const server = fakeServer(
      problem(422, 'wrong_password', [{ field: 'current_password', message, code: 'wrong_password' }]),
    )
    const wrapper = await mountPage(server)
    await fill(wrapper, 'Not-my-password-77', 'Quiet-Lathe-Harbour-42')
    const item = wrapper.get('#password-current').element.closest('.el-form-item')
    expect(item?.textContent).toContain(zhCN.problems.wrong_password)
    expect(document.activeElement?.id).toBe('password-current')
    expect(wrapper.get('[role=alert]').text()).toContain(zhCN.problems.wrong_password)
    expect(wrapper.get('[data-testid=password-changed]').text()).toBe('')
    // editing the field clears the server's verdict on it
    await wrapper.get('#password-current').setValue('Correct-Horse-Battery-9')
    await settle()
    expect(wrapper.get('#password-current').element.closest('.el-form-item')?.textContent).not.toContain(
      zhCN.problems.wrong_password,
    )
  })

  it.each(['weak_password', 'password_unchanged'] as const)('shows %s next to the new password', async (code) => {
    const server = fakeServer(
      problem(422, 'validation_error', [{ field: 'new_password', message: 'server says no', code }]),
    )
    const wrapper = await mountPage(server, 'en')
    await fill(wrapper, 'Correct-Horse-Battery-9', 'qwertyuiopasdf')
    const item = wrapper.get('#password-new').element.closest('.el-form-item')
    expect(item?.textContent).toContain(en.problems[code])
    expect(wrapper.get('#password-new').attributes('aria-invalid')).toBe('true')
    expect(wrapper.get('#password-new').attributes('aria-describedby')).toBe('password-new-hint password-new-error')
    expect(document.activeElement?.id).toBe('password-new')
  })

  it('says when to try again once the guesses are used up', async () => {
    const server = fakeServer(problem(429, 'rate_limited', [], { 'Retry-After': '600' }))
    const wrapper = await mountPage(server, 'en')
    await fill(wrapper, 'Not-my-password-77', 'Quiet-Lathe-Harbour-42')
    const alert = wrapper.get('[role=alert]').text()
    expect(alert).toContain(en.problems.rate_limited)
    expect(alert).toContain('Please try again in 600 seconds.')
  })
})
