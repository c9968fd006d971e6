import { describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'

import type { Me, Role } from '@/api'
import { accessDecision, safeNext } from '@/router/access'
import { createAppRouter } from '@/router'

// The guard is under test, not the screens: stand-ins keep the lazy chunks light.
vi.mock('@/router/publicPages', () => {
  const Stub = { render: () => null }
  return { HomePage: Stub, LoginPage: Stub, RegisterPage: Stub, NotFoundPage: Stub, ForbiddenPage: Stub }
})
vi.mock('@/router/staffPages', () => {
  const Stub = { render: () => null }
  return {
    WorkbenchPage: Stub,
    UsersPage: Stub,
    AuditPage: Stub,
    OrganizationPage: Stub,
    MyApplicationsPage: Stub,
    NewApplicationPage: Stub,
    ApplicationPage: Stub,
    ReviewQueuePage: Stub,
    ReviewPage: Stub,
    BatchesPage: Stub,
  }
})

function user(...roles: Role[]): Me {
  return {
    id: 'u1',
    email: 'u@example.cn',
    display_name: 'U',
    locale: 'zh-CN',
    roles: roles.map((role) => ({
      role,
      organization_id: 'o1',
      organization_name_zh: '机构',
      organization_name_en: null,
      district: null,
    })),
  }
}

// jsdom has no scrolling; the router's scrollBehavior calls it.
window.scrollTo = vi.fn() as unknown as typeof window.scrollTo

function routerFor(me: Me | null) {
  return createAppRouter({ loadMe: async () => me, history: createMemoryHistory() })
}

describe('router guard', () => {
  it('lets anyone see public pages', async () => {
    const router = routerFor(null)
    await router.push('/register')
    expect(router.currentRoute.value.name).toBe('register')
  })

  it('sends an anonymous visitor from a staff page to login with next', async () => {
    const router = routerFor(null)
    await router.push('/workbench')
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.next).toBe('/workbench')
  })

  it('sends an anonymous visitor from an admin page to login', async () => {
    const router = routerFor(null)
    await router.push('/admin/users?q=x')
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.next).toBe('/admin/users?q=x')
  })

  it('lets a logged-in applicant into the workbench', async () => {
    const router = routerFor(user('applicant'))
    await router.push('/workbench')
    expect(router.currentRoute.value.name).toBe('workbench')
  })

  it('denies a non-admin the admin pages', async () => {
    const router = routerFor(user('applicant', 'expert'))
    await router.push('/admin/users')
    expect(router.currentRoute.value.name).toBe('forbidden')
    await router.push('/admin/audit')
    expect(router.currentRoute.value.name).toBe('forbidden')
  })

  it('lets an admin into the admin pages', async () => {
    const router = routerFor(user('admin'))
    await router.push('/admin/audit')
    expect(router.currentRoute.value.name).toBe('audit')
  })

  it('gives each intake screen to its role only', async () => {
    const cases: [string, Role, string][] = [
      ['/applications', 'applicant', 'applications'],
      ['/applications/new', 'applicant', 'application-new'],
      ['/applications/a1', 'applicant', 'application'],
      ['/organization', 'applicant', 'organization'],
      ['/district/queue', 'district_officer', 'district-queue'],
      ['/district/applications/a1', 'district_officer', 'district-application'],
      ['/admin/batches', 'admin', 'batches'],
      ['/admin/formal-review', 'admin', 'formal-review'],
      ['/admin/formal-review/a1', 'admin', 'formal-application'],
    ]
    for (const [path, role, name] of cases) {
      const allowed = routerFor(user(role))
      await allowed.push(path)
      expect(allowed.currentRoute.value.name, path).toBe(name)
      const other = role === 'admin' ? 'district_officer' : role === 'applicant' ? 'expert' : 'applicant'
      const denied = routerFor(user(other as Role))
      await denied.push(path)
      expect(denied.currentRoute.value.name, `${path} as ${other}`).toBe('forbidden')
    }
  })

  it('passes the check step to the shared queue and review screens', () => {
    const router = routerFor(user('admin'))
    const district = router.resolve('/district/queue').matched[0]!
    const formal = router.resolve('/admin/formal-review/a1').matched[0]!
    expect(district.props.default).toEqual({ step: 'district' })
    expect(formal.props.default).toEqual({ step: 'formal' })
  })

  it('treats a failing user lookup as anonymous', async () => {
    const router = createAppRouter({
      loadMe: async () => {
        throw new Error('down')
      },
      history: createMemoryHistory(),
    })
    await router.push('/workbench')
    expect(router.currentRoute.value.name).toBe('login')
  })

  it('resolves unknown paths to the 404 page', async () => {
    const router = routerFor(null)
    await router.push('/no/such/page')
    expect(router.currentRoute.value.name).toBe('not-found')
  })
})

describe('accessDecision and safeNext', () => {
  it('decides without a router', () => {
    const to = { meta: { requiresAuth: true, roles: ['admin' as Role] }, fullPath: '/admin/users' }
    expect(accessDecision(to, null)).toEqual({ name: 'login', query: { next: '/admin/users' } })
    expect(accessDecision(to, user('admin'))).toBe(true)
  })

  it('refuses off-site redirects', () => {
    expect(safeNext('/admin/users')).toBe('/admin/users')
    expect(safeNext('//evil.example')).toBe('/workbench')
    expect(safeNext('https://evil.example')).toBe('/workbench')
    expect(safeNext(undefined)).toBe('/workbench')
  })
})
