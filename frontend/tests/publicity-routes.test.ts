import { describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'

import type { Me, Role } from '@/api'
import { createAppRouter } from '@/router'

// The guard is under test, not the screens: stand-ins keep the lazy chunks light.
vi.mock('@/router/publicPages', () => {
  const Stub = { render: () => null }
  return { PublicityPage: Stub, ObjectionFormPage: Stub, LoginPage: Stub, ForbiddenPage: Stub, NotFoundPage: Stub }
})
vi.mock('@/router/staffPages', () => {
  const Stub = { render: () => null }
  return { ObjectionsPage: Stub, ObjectionDetailPage: Stub }
})

window.scrollTo = vi.fn() as unknown as typeof window.scrollTo

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

describe('publicity routes', () => {
  it('opens the publicity list and the objection form to anyone', async () => {
    const router = routerFor(null)
    await router.push('/publicity')
    expect(router.currentRoute.value.name).toBe('publicity')
    await router.push('/publicity/b1/objection?application=a1')
    expect(router.currentRoute.value.name).toBe('publicity-objection')
    expect(router.currentRoute.value.params.batchId).toBe('b1')
    expect(router.currentRoute.value.query.application).toBe('a1')
  })

  it('keeps the objection triage to admins', async () => {
    for (const path of ['/admin/objections', '/admin/objections/o1']) {
      const anonymous = routerFor(null)
      await anonymous.push(path)
      expect(anonymous.currentRoute.value.name).toBe('login')
      const applicant = routerFor(user('applicant'))
      await applicant.push(path)
      expect(applicant.currentRoute.value.name).toBe('forbidden')
      const admin = routerFor(user('admin'))
      await admin.push(path)
      expect(admin.currentRoute.value.name).toBe(path.endsWith('o1') ? 'objection' : 'objections')
    }
  })
})
