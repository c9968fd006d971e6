import { keepPreviousData, useQuery } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import { statisticsReadStatistics } from '@/api'
import '@/http/client'

import { LOCAL_ERRORS, queryKeys } from './keys'

/**
 * The public statistics: every published batch together when `batchId` is empty, else that
 * batch only (404 `batch_not_found` for a batch that is not published).
 */
export function useStatistics(batchId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.statistics.read(batchId.value)),
    queryFn: async () =>
      (await statisticsReadStatistics({ query: { batch_id: batchId.value || undefined } })).data,
    // Switching batches keeps the charts of the last one on screen until the new numbers come.
    placeholderData: keepPreviousData,
    // The page says itself when the numbers cannot be loaded.
    meta: LOCAL_ERRORS,
  })
}
