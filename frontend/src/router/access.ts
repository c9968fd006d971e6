import type { RouteLocationNormalized, RouteLocationRaw } from 'vue-router'

import type { Me, Role } from '@/api'
import type { MessageDomain } from '@/i18n'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the document title. */
    titleKey?: string
    /** Staff pages: a login is required. */
    requiresAuth?: boolean
    /** At least one of these roles is required (implies requiresAuth). */
    roles?: Role[]
    /** Message domains the route's screens show, loaded before it renders (`loadMessages`). */
    messages?: MessageDomain[]
  }
}

/** The guard's decision for a navigation: true to go on, or where to go instead. */
export function accessDecision(
  to: Pick<RouteLocationNormalized, 'meta' | 'fullPath'>,
  me: Me | null,
): true | RouteLocationRaw {
  const roles = to.meta.roles ?? []
  if (!to.meta.requiresAuth && roles.length === 0) return true
  if (!me) return { name: 'login', query: { next: to.fullPath } }
  if (roles.length > 0 && !me.roles.some((grant) => roles.includes(grant.role))) {
    return { name: 'forbidden', query: { from: to.fullPath } }
  }
  return true
}

/** Only same-site paths are followed after login (no open redirect). */
export function safeNext(value: unknown, fallback = '/workbench'): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')
    ? value
    : fallback
}
