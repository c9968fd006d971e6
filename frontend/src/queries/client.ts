import { MutationCache, QueryCache, QueryClient } from '@tanstack/vue-query'

import { isApiError } from '@/http/problem'

export type ErrorReporter = (error: unknown) => void

const NO_RETRY_STATUSES = new Set([400, 401, 403, 404, 409, 412, 422, 428, 429])

/**
 * The app's QueryClient. Errors of queries and mutations go to `report` (the global banner)
 * unless their `meta.localErrors` says the screen shows them itself.
 */
export function createAppQueryClient(report: ErrorReporter = () => {}): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (!query.meta?.localErrors) report(error)
      },
    }),
    mutationCache: new MutationCache({
      onError: (error, _vars, _ctx, mutation) => {
        if (!mutation.meta?.localErrors) report(error)
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (count, error) =>
          count < 2 && !(isApiError(error) && NO_RETRY_STATUSES.has(error.status)),
      },
      mutations: { retry: false },
    },
  })
}
