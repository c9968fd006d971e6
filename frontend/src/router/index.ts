import {
  createRouter,
  createWebHistory,
  type RouteLocationNormalized,
  type RouteRecordRaw,
  type Router,
  type RouterHistory,
} from 'vue-router'

import type { Me } from '@/api'
import { loadMessages as loadDomain, type MessageDomain } from '@/i18n'

import { accessDecision } from './access'

const publicPages = () => import('./publicPages')
const staffPages = () => import('./staffPages')

export const routes: RouteRecordRaw[] = [
  {
    path: '/',
    name: 'home',
    component: () => publicPages().then((m) => m.HomePage),
    meta: { titleKey: 'home.title' },
  },
  {
    path: '/login',
    name: 'login',
    component: () => publicPages().then((m) => m.LoginPage),
    meta: { titleKey: 'login.title' },
  },
  {
    path: '/forgot-password',
    name: 'forgot-password',
    component: () => publicPages().then((m) => m.ForgotPasswordPage),
    meta: { titleKey: 'passwordReset.requestTitle' },
  },
  {
    path: '/reset-password',
    name: 'reset-password',
    component: () => publicPages().then((m) => m.ResetPasswordPage),
    meta: { titleKey: 'passwordReset.title' },
  },
  {
    path: '/register',
    name: 'register',
    component: () => publicPages().then((m) => m.RegisterPage),
    meta: { titleKey: 'register.title' },
  },
  {
    path: '/publicity',
    name: 'publicity',
    component: () => publicPages().then((m) => m.PublicityPage),
    meta: { titleKey: 'publicity.title', messages: ['publicity'] },
  },
  {
    path: '/publicity/:batchId/objection',
    name: 'publicity-objection',
    component: () => publicPages().then((m) => m.ObjectionFormPage),
    meta: { titleKey: 'publicity.form.title', messages: ['publicity'] },
  },
  {
    path: '/catalogue',
    name: 'catalogue',
    component: () => import('@/pages/catalogue/CataloguePage.vue'),
    meta: { titleKey: 'catalogue.title' },
  },
  {
    path: '/catalogue/:id',
    name: 'catalogue-product',
    component: () => import('@/pages/catalogue/ProductPage.vue'),
    meta: { titleKey: 'catalogue.detail.title', messages: ['followup'] },
  },
  {
    path: '/verify',
    name: 'verify',
    component: () => import('@/pages/catalogue/VerifyPage.vue'),
    meta: { titleKey: 'catalogue.verify.title' },
  },
  {
    path: '/verify/:number',
    name: 'verify-certificate',
    component: () => import('@/pages/catalogue/VerifyPage.vue'),
    meta: { titleKey: 'catalogue.verify.title' },
  },
  {
    path: '/roadshows',
    name: 'roadshows',
    component: () => publicPages().then((m) => m.RoadshowsPage),
    meta: { titleKey: 'roadshows.title', messages: ['roadshows'] },
  },
  {
    path: '/roadshows/:id',
    name: 'roadshow',
    component: () => publicPages().then((m) => m.RoadshowPage),
    meta: { titleKey: 'roadshows.title', messages: ['roadshows'] },
  },
  {
    // ECharts is heavy: the page and its charts load only when someone opens it.
    path: '/statistics',
    name: 'statistics',
    component: () => import('@/pages/statistics/StatisticsPage.vue'),
    meta: { titleKey: 'statistics.title', messages: ['statistics'] },
  },
  {
    path: '/workbench',
    name: 'workbench',
    component: () => staffPages().then((m) => m.WorkbenchPage),
    meta: {
      titleKey: 'workbench.title',
      requiresAuth: true,
      messages: ['staff', 'calendar', 'evaluation', 'publicity', 'ranking'],
    },
  },
  {
    path: '/account/password',
    name: 'change-password',
    component: () => staffPages().then((m) => m.ChangePasswordPage),
    meta: { titleKey: 'account.password.title', requiresAuth: true, messages: ['staff'] },
  },
  {
    path: '/organization',
    name: 'organization',
    component: () => staffPages().then((m) => m.OrganizationPage),
    meta: {
      titleKey: 'organization.title',
      requiresAuth: true,
      roles: ['applicant'],
      messages: ['staff'],
    },
  },
  {
    path: '/applications',
    name: 'applications',
    component: () => staffPages().then((m) => m.MyApplicationsPage),
    meta: {
      titleKey: 'applications.title',
      requiresAuth: true,
      roles: ['applicant'],
      messages: ['staff'],
    },
  },
  {
    path: '/applications/new',
    name: 'application-new',
    component: () => staffPages().then((m) => m.NewApplicationPage),
    meta: {
      titleKey: 'newApplication.title',
      requiresAuth: true,
      roles: ['applicant'],
      messages: ['staff'],
    },
  },
  {
    path: '/applications/:id',
    name: 'application',
    component: () => staffPages().then((m) => m.ApplicationPage),
    meta: { titleKey: 'form.title', requiresAuth: true, roles: ['applicant'], messages: ['staff'] },
  },
  {
    path: '/district/queue',
    name: 'district-queue',
    component: () => staffPages().then((m) => m.ReviewQueuePage),
    props: { step: 'district' },
    meta: {
      titleKey: 'queue.heading.district',
      requiresAuth: true,
      roles: ['district_officer'],
      messages: ['staff'],
    },
  },
  {
    path: '/district/applications/:id',
    name: 'district-application',
    component: () => staffPages().then((m) => m.ReviewPage),
    props: { step: 'district' },
    meta: {
      titleKey: 'review.title',
      requiresAuth: true,
      roles: ['district_officer'],
      messages: ['staff'],
    },
  },
  {
    path: '/admin/batches',
    name: 'batches',
    component: () => staffPages().then((m) => m.BatchesPage),
    meta: {
      titleKey: 'batches.title',
      requiresAuth: true,
      roles: ['admin'],
      messages: ['staff', 'evaluation', 'publicity', 'ranking'],
    },
  },
  {
    path: '/admin/batches/:id/results',
    name: 'batch-results',
    component: () => staffPages().then((m) => m.ResultsPage),
    meta: {
      titleKey: 'ranking.title',
      requiresAuth: true,
      roles: ['admin'],
      messages: ['staff', 'ranking'],
    },
  },
  {
    path: '/admin/calendar',
    name: 'calendar',
    component: () => staffPages().then((m) => m.CalendarPage),
    meta: {
      titleKey: 'calendar.title',
      requiresAuth: true,
      roles: ['admin'],
      messages: ['calendar'],
    },
  },
  {
    path: '/admin/formal-review',
    name: 'formal-review',
    component: () => staffPages().then((m) => m.ReviewQueuePage),
    props: { step: 'formal' },
    meta: {
      titleKey: 'queue.heading.formal',
      requiresAuth: true,
      roles: ['admin'],
      messages: ['staff'],
    },
  },
  {
    path: '/admin/formal-review/:id',
    name: 'formal-application',
    component: () => staffPages().then((m) => m.ReviewPage),
    props: { step: 'formal' },
    meta: { titleKey: 'review.title', requiresAuth: true, roles: ['admin'], messages: ['staff'] },
  },
  {
    path: '/admin/objections',
    name: 'objections',
    component: () => staffPages().then((m) => m.ObjectionsPage),
    meta: {
      titleKey: 'publicity.admin.title',
      requiresAuth: true,
      roles: ['admin'],
      messages: ['publicity'],
    },
  },
  {
    path: '/admin/objections/:id',
    name: 'objection',
    component: () => staffPages().then((m) => m.ObjectionDetailPage),
    meta: {
      titleKey: 'publicity.detail.title',
      requiresAuth: true,
      roles: ['admin'],
      messages: ['publicity'],
    },
  },
  {
    path: '/expert/assignments',
    name: 'expert-assignments',
    component: () => staffPages().then((m) => m.MyAssignmentsPage),
    meta: {
      titleKey: 'evaluation.mine.title',
      requiresAuth: true,
      roles: ['expert'],
      messages: ['evaluation'],
    },
  },
  {
    path: '/expert/assignments/:id',
    name: 'expert-scoring',
    component: () => staffPages().then((m) => m.ScoringPage),
    meta: {
      titleKey: 'evaluation.scoring.title',
      requiresAuth: true,
      roles: ['expert'],
      messages: ['staff', 'evaluation'],
    },
  },
  {
    path: '/admin/experts',
    name: 'experts',
    component: () => staffPages().then((m) => m.ExpertPoolPage),
    meta: {
      titleKey: 'evaluation.experts.title',
      requiresAuth: true,
      roles: ['admin'],
      messages: ['evaluation'],
    },
  },
  {
    path: '/admin/batches/:id/review',
    name: 'batch-review-setup',
    component: () => staffPages().then((m) => m.BatchReviewSetupPage),
    meta: {
      titleKey: 'evaluation.setup.title',
      requiresAuth: true,
      roles: ['admin'],
      messages: ['evaluation'],
    },
  },
  {
    path: '/admin/users',
    name: 'users',
    component: () => staffPages().then((m) => m.UsersPage),
    meta: { titleKey: 'users.title', requiresAuth: true, roles: ['admin'], messages: ['staff'] },
  },
  {
    path: '/follow-up',
    name: 'follow-up',
    component: () => staffPages().then((m) => m.FollowUpPage),
    meta: {
      titleKey: 'followup.title',
      requiresAuth: true,
      roles: ['applicant'],
      messages: ['followup', 'awards'],
    },
  },
  {
    path: '/admin/roadshows',
    name: 'roadshows-admin',
    component: () => staffPages().then((m) => m.RoadshowEditorPage),
    meta: {
      titleKey: 'roadshows.adminTitle',
      requiresAuth: true,
      roles: ['admin'],
      messages: ['roadshows'],
    },
  },
  {
    path: '/admin/verification',
    name: 'verification',
    component: () => staffPages().then((m) => m.VerificationQueuePage),
    meta: {
      titleKey: 'followup.adminTitle',
      requiresAuth: true,
      roles: ['admin'],
      messages: ['followup'],
    },
  },
  {
    path: '/admin/agency-clients',
    name: 'agency-clients',
    component: () => staffPages().then((m) => m.AgencyClientsPage),
    meta: { titleKey: 'agency.title', requiresAuth: true, roles: ['admin'], messages: ['agency'] },
  },
  {
    path: '/admin/webhooks',
    name: 'webhooks',
    component: () => staffPages().then((m) => m.WebhooksPage),
    meta: {
      titleKey: 'webhooks.title',
      requiresAuth: true,
      roles: ['admin'],
      messages: ['webhooks'],
    },
  },
  {
    path: '/admin/mail',
    name: 'mail',
    component: () => staffPages().then((m) => m.MailLogPage),
    meta: {
      titleKey: 'notifications.mail.title',
      requiresAuth: true,
      roles: ['admin'],
      messages: ['notifications'],
    },
  },
  {
    path: '/notifications',
    name: 'notifications',
    component: () => staffPages().then((m) => m.NotificationsPage),
    meta: {
      titleKey: 'notifications.inbox.title',
      requiresAuth: true,
      messages: ['notifications'],
    },
  },
  {
    path: '/notifications/preferences',
    name: 'notification-preferences',
    component: () => staffPages().then((m) => m.NotificationPreferencesPage),
    meta: {
      titleKey: 'notifications.preferences.title',
      requiresAuth: true,
      messages: ['notifications'],
    },
  },
  {
    path: '/admin/certificates',
    name: 'certificates',
    component: () => staffPages().then((m) => m.CertificatesPage),
    meta: { titleKey: 'awards.title', requiresAuth: true, roles: ['admin'], messages: ['awards'] },
  },
  {
    path: '/admin/audit',
    name: 'audit',
    component: () => staffPages().then((m) => m.AuditPage),
    meta: { titleKey: 'audit.title', requiresAuth: true, roles: ['admin'], messages: ['staff'] },
  },
  {
    path: '/forbidden',
    name: 'forbidden',
    component: () => publicPages().then((m) => m.ForbiddenPage),
    meta: { titleKey: 'errors.forbiddenTitle' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => publicPages().then((m) => m.NotFoundPage),
    meta: { titleKey: 'errors.notFoundTitle' },
  },
]

export type RouterOptions = {
  /** Resolves the current user (null when anonymous). */
  loadMe: () => Promise<Me | null>
  history?: RouterHistory
  /** Fetches and installs a message domain (the app's i18n by default). */
  loadMessages?: (domain: MessageDomain) => Promise<void>
}

export function createAppRouter({
  loadMe,
  history,
  loadMessages = loadDomain,
}: RouterOptions): Router {
  const router = createRouter({
    history: history ?? createWebHistory('/'),
    routes,
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  })
  // A route's screen messages are fetched beside its chunk and awaited before it renders, so no
  // screen (nor the document title) shows a raw key. `loadMessages` fetches a domain once.
  const domains = (to: RouteLocationNormalized) => to.meta.messages ?? []
  router.beforeEach(async (to) => {
    if (to.meta.requiresAuth || to.meta.roles?.length) {
      const decision = accessDecision(to, await loadMe().catch(() => null))
      if (decision !== true) return decision
    }
    // Not awaited here: a failure fails the navigation in beforeResolve.
    for (const domain of domains(to)) loadMessages(domain).catch(() => undefined)
    return true
  })
  router.beforeResolve(async (to) => {
    await Promise.all(domains(to).map((domain) => loadMessages(domain)))
  })
  return router
}
