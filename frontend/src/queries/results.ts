import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import { reviewNotSelect, reviewReadResults, reviewShortlist } from '@/api'
import type { DecisionRead } from '@/api'
import '@/http/client'

import { LOCAL_ERRORS, queryKeys } from './keys'

/** A deliberation decision, as the API's route names it. */
export type DeliberationDecision = 'shortlist' | 'not-select'

/** The results export formats (`/results.csv`, `/results.xlsx`). */
export type ResultsFormat = 'csv' | 'xlsx'

/**
 * The URL of a results download. A plain link (not a fetch) so that the browser's cookie
 * session authenticates it and the browser saves the file itself; `lang` follows the UI.
 */
export function resultsExportUrl(batchId: string, format: ResultsFormat, locale: string, field = ''): string {
  const query = new URLSearchParams({ lang: locale.startsWith('zh') ? 'zh' : 'en' })
  if (field) query.set('field', field)
  return `/api/v1/batches/${encodeURIComponent(batchId)}/results.${format}?${query.toString()}`
}

/** A batch's results, ranked within each field; `field` '' means every field. */
export function useBatchResults(batchId: Ref<string>, field: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.results.batch(batchId.value, field.value)),
    queryFn: async () =>
      (await reviewReadResults({ path: { batch_id: batchId.value }, query: { field: field.value || undefined } })).data,
    enabled: computed(() => !!batchId.value),
    // Other admins decide too, and reviews keep arriving while the batch is in review.
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

/** Shortlist or not-select a reviewed application, with the reason; results refresh either way. */
export function useDeliberate() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({
      applicationId,
      decision,
      reason,
    }: {
      applicationId: string
      decision: DeliberationDecision
      reason: string
    }): Promise<DecisionRead> => {
      const options = { path: { application_id: applicationId }, body: { reason } }
      return (decision === 'shortlist' ? await reviewShortlist(options) : await reviewNotSelect(options)).data
    },
    // A refusal (quota reached, batch moved on) means the table may be stale too.
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.results.all }),
        queryClient.invalidateQueries({ queryKey: queryKeys.applications.all }),
      ]),
    meta: LOCAL_ERRORS,
  })
}
