import { VueQueryPlugin } from '@tanstack/vue-query'
import { mount, flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import type { Me } from '@/api'
import AppHeader from '@/components/AppHeader.vue'
import { createAppQueryClient } from '@/queries/client'
import { queryKeys } from '@/queries/keys'

import { createAppI18n } from './support/messages'

function admin(): Me {
  return {
    id: 'u1',
    email: 'admin@example.cn',
    display_name: '王管理',
    locale: 'zh-CN',
    roles: [
      {
        role: 'admin',
        organization_id: 'o1',
        organization_name_zh: '市发改委',
        organization_name_en: null,
        district: null,
      },
    ],
  }
}

async function mountHeader(me: Me | null, unread = 0) {
  const queryClient = createAppQueryClient()
  queryClient.setQueryData(queryKeys.auth.me, me)
  queryClient.setQueryDefaults(queryKeys.auth.me, { staleTime: Infinity })
  queryClient.setQueryData(queryKeys.notifications.unreadCount, { unread })
  queryClient.setQueryDefaults(queryKeys.notifications.unreadCount, { staleTime: Infinity })
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/:p(.*)*', component: { render: () => null } }],
  })
  await router.push('/')
  const wrapper = mount(AppHeader, {
    global: { plugins: [router, createAppI18n('zh-CN'), [VueQueryPlugin, { queryClient }]] },
  })
  await flushPromises()
  return wrapper
}

const testIds = (wrapper: Awaited<ReturnType<typeof mountHeader>>) =>
  wrapper.findAll('nav a').map((a) => a.attributes('data-testid'))


const PUBLIC_LINKS = ['nav-home', 'nav-catalogue', 'nav-verify', 'nav-statistics', 'nav-roadshows', 'nav-publicity']

describe('AppHeader', () => {
  it('shows login and register to an anonymous visitor', async () => {
    const wrapper = await mountHeader(null)
    expect(testIds(wrapper)).toEqual([...PUBLIC_LINKS, 'nav-login', 'nav-register'])
    expect(wrapper.find('[data-testid=current-user]').exists()).toBe(false)
    expect(wrapper.find('[data-testid=change-password]').exists()).toBe(false)
    expect(wrapper.find('nav').attributes('aria-label')).toBe('主导航')
    expect(wrapper.find('[data-testid=locale-switch]').text()).toContain('English')
  })

  it('shows the admin pages, the user and logout to an admin', async () => {
    const wrapper = await mountHeader(admin())
    expect(testIds(wrapper)).toEqual([
      ...PUBLIC_LINKS,
      'nav-workbench',
      'nav-notifications',
      'nav-batches',
      'nav-formal-review',
      'nav-experts',
      'nav-objections',
      'nav-certificates',
      'nav-verification',
      'nav-roadshows-admin',
      'nav-agency-clients',
      'nav-webhooks',
      'nav-mail',
      'nav-users',
      'nav-audit',
      'nav-calendar',
    ])
    expect(wrapper.find('[data-testid=nav-formal-review]').text()).toBe('形式审查')
    expect(wrapper.find('[data-testid=current-user]').text()).toBe('王管理')
    expect(wrapper.find('[data-testid=logout]').exists()).toBe(true)
    const changePassword = wrapper.get('[data-testid=change-password]')
    expect(changePassword.attributes('href')).toBe('/account/password')
    expect(changePassword.text()).toBe('修改密码')
  })

  it('shows an applicant their applications and organisation', async () => {
    const me = admin()
    me.roles[0]!.role = 'applicant'
    const wrapper = await mountHeader(me)
    expect(testIds(wrapper)).toEqual([...PUBLIC_LINKS, 'nav-workbench', 'nav-notifications', 'nav-applications', 'nav-organization', 'nav-follow-up'])
    expect(wrapper.find('[data-testid=nav-applications]').text()).toBe('我的申报')
  })

  it('shows a district officer the district check queue', async () => {
    const me = admin()
    me.roles[0]!.role = 'district_officer'
    const wrapper = await mountHeader(me)
    expect(testIds(wrapper)).toEqual([...PUBLIC_LINKS, 'nav-workbench', 'nav-notifications', 'nav-district-queue'])
    expect(wrapper.find('[data-testid=nav-district-queue]').text()).toBe('区级初审')
  })

  it('hides the admin pages from other roles', async () => {
    const me = admin()
    me.roles[0]!.role = 'expert'
    const wrapper = await mountHeader(me)
    expect(testIds(wrapper)).toEqual([...PUBLIC_LINKS, 'nav-workbench', 'nav-notifications', 'nav-expert-reviews'])
    expect(wrapper.find('[data-testid=nav-expert-reviews]').text()).toBe('评审任务')
  })

  it('shows every logged-in user the unread count in the notifications link', async () => {
    const me = admin()
    me.roles[0]!.role = 'applicant'
    const wrapper = await mountHeader(me, 3)
    const link = wrapper.find('[data-testid=nav-notifications]')
    expect(link.attributes('href')).toBe('/notifications')
    expect(link.attributes('aria-label')).toBe('通知，3 条未读')
    expect(wrapper.find('[data-testid=unread-badge]').text()).toBe('3')
  })

  it('shows no badge when nothing is unread', async () => {
    const wrapper = await mountHeader(admin(), 0)
    expect(wrapper.find('[data-testid=nav-notifications]').attributes('aria-label')).toBe('通知')
    expect(wrapper.find('[data-testid=unread-badge]').exists()).toBe(false)
  })
})
