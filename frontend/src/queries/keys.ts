/** Every vue-query cache key of the app, so invalidation never guesses a spelling. */
export const queryKeys = {
  auth: {
    me: ['auth', 'me'] as const,
  },
  taxonomy: {
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
}

/** `meta` a query or mutation sets when its screen shows its own errors (forms). */
export const LOCAL_ERRORS = { localErrors: true } as const
