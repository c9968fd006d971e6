import type { ApplicationStatus, District } from '@/api'

/** Filters of an application list (the server scopes it to what the caller may see). */
export type ApplicationFilters = {
  batchId?: string
  statuses?: ApplicationStatus[]
  district?: District
  overdue?: boolean
}

/** Every vue-query cache key of the app, so invalidation never guesses a spelling. */
export const queryKeys = {
  auth: {
    me: ['auth', 'me'] as const,
  },
  taxonomy: {
    all: ['taxonomy', 'all'] as const,
    districts: ['taxonomy', 'districts'] as const,
  },
  users: {
    all: ['users'] as const,
    list: (q: string) => ['users', 'list', { q }] as const,
  },
  audit: {
    all: ['audit'] as const,
    list: (filters: { action: string; objectType: string }) => ['audit', 'list', filters] as const,
  },
  organizations: {
    detail: (id: string) => ['organizations', 'detail', id] as const,
  },
  batches: {
    all: ['batches'] as const,
    list: (includeDrafts: boolean) => ['batches', 'list', { includeDrafts }] as const,
  },
  applications: {
    all: ['applications'] as const,
    list: (filters: ApplicationFilters) => ['applications', 'list', filters] as const,
    detail: (id: string) => ['applications', 'detail', id] as const,
    eligibility: (id: string) => ['applications', 'eligibility', id] as const,
    timeline: (id: string) => ['applications', 'timeline', id] as const,
    attachments: (id: string) => ['applications', 'attachments', id] as const,
  },
}

/** `meta` a query or mutation sets when its screen shows its own errors (forms). */
export const LOCAL_ERRORS = { localErrors: true } as const
