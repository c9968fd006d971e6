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
  experts: {
    all: ['experts'] as const,
    pool: (filters: { field: string; active: string }) => ['experts', 'pool', filters] as const,
    detail: (userId: string) => ['experts', 'detail', userId] as const,
    candidates: ['experts', 'candidates'] as const,
    organizations: ['experts', 'organizations'] as const,
  },
  evaluation: {
    all: ['evaluation'] as const,
    ownAssignments: ['evaluation', 'own-assignments'] as const,
    attestation: (batchId: string) => ['evaluation', 'attestation', batchId] as const,
    ownReview: (assignmentId: string) => ['evaluation', 'own-review', assignmentId] as const,
    /** Prefix of every admin query about one batch's review. */
    batch: (batchId: string) => ['evaluation', 'batch', batchId] as const,
    batchPart: (batchId: string, part: string) => ['evaluation', 'batch', batchId, part] as const,
  },
  publicity: {
    all: ['publicity'] as const,
    list: ['publicity', 'list'] as const,
    batch: (batchId: string) => ['publicity', 'batch', batchId] as const,
  },
  objections: {
    all: ['objections'] as const,
    list: (filters: { batchId?: string; statuses?: string[] }) => ['objections', 'list', filters] as const,
    detail: (id: string) => ['objections', 'detail', id] as const,
    openCount: (batchId: string) => ['objections', 'open-count', batchId] as const,
  },
  results: {
    all: ['results'] as const,
    batch: (batchId: string, field: string) => ['results', batchId, { field }] as const,
  },
  calendar: {
    all: ['calendar'] as const,
    years: ['calendar', 'years'] as const,
    year: (year: number) => ['calendar', 'year', year] as const,
    addWorkingDays: (start: string, days: number) => ['calendar', 'add', { start, days }] as const,
  },
  catalogue: {
    all: ['catalogue'] as const,
    list: (filters: object) => ['catalogue', 'list', filters] as const,
    facets: (filters: object) => ['catalogue', 'facets', filters] as const,
    product: (id: string) => ['catalogue', 'product', id] as const,
    projects: (awardId: string) => ['catalogue', 'projects', awardId] as const,
  },
  certificates: {
    keys: ['certificates', 'keys'] as const,
    detail: (number: string) => ['certificates', 'detail', number] as const,
  },
  statistics: {
    all: ['statistics'] as const,
    read: (batchId: string) => ['statistics', { batchId }] as const,
  },
  roadshows: {
    all: ['roadshows'] as const,
    list: (filters: object) => ['roadshows', 'list', filters] as const,
    detail: (id: string) => ['roadshows', 'detail', id] as const,
  },
  followup: {
    all: ['followup'] as const,
    awards: (filters: object) => ['followup', 'awards', filters] as const,
    award: (awardId: string) => ['followup', 'award', awardId] as const,
    queue: (filters: object) => ['followup', 'queue', filters] as const,
  },
  agency: {
    all: ['agency'] as const,
    clients: (filters: object) => ['agency', 'clients', filters] as const,
    client: (id: string) => ['agency', 'client', id] as const,
  },
  webhooks: {
    all: ['webhooks'] as const,
    subscriptions: (filters: object) => ['webhooks', 'subscriptions', filters] as const,
    deliveries: (filters: object) => ['webhooks', 'deliveries', filters] as const,
    delivery: (id: string) => ['webhooks', 'delivery', id] as const,
  },
  notifications: {
    all: ['notifications'] as const,
    unreadCount: ['notifications', 'unread-count'] as const,
    inbox: ['notifications', 'inbox'] as const,
    preferences: ['notifications', 'preferences'] as const,
    mail: (filters: object) => ['notifications', 'mail', filters] as const,
    mailDetail: (id: number) => ['notifications', 'mail-detail', id] as const,
  },
  awards: {
    all: ['awards'] as const,
    list: (filters: { batchId?: string; statuses?: string[] }) => ['awards', 'list', filters] as const,
    detail: (id: string) => ['awards', 'detail', id] as const,
  },
}

/** `meta` a query or mutation sets when its screen shows its own errors (forms). */
export const LOCAL_ERRORS = { localErrors: true } as const
