import { useInfiniteQuery } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import { auditListAuditEvents } from '@/api'
import '@/http/client'

import { queryKeys } from './keys'

export const AUDIT_PAGE_SIZE = 50

export type AuditFilters = { action: string; objectType: string }

export function useAuditEvents(filters: Ref<AuditFilters>) {
  return useInfiniteQuery({
    queryKey: computed(() => queryKeys.audit.list({ ...filters.value })),
    queryFn: async ({ pageParam }) =>
      (
        await auditListAuditEvents({
          query: {
            action: filters.value.action || undefined,
            object_type: filters.value.objectType || undefined,
            limit: AUDIT_PAGE_SIZE,
            cursor: pageParam ?? undefined,
          },
        })
      ).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? null,
  })
}
