import { useQueries } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import { organizationsReadOrganization } from '@/api'
import '@/http/client'

import { queryKeys } from './keys'

/** Several organisations by id (the caller's own, from `me.roles`). */
export function useOrganizations(ids: Ref<string[]>) {
  return useQueries({
    queries: computed(() =>
      ids.value.map((id) => ({
        queryKey: queryKeys.organizations.detail(id),
        queryFn: async () =>
          (await organizationsReadOrganization({ path: { organization_id: id } })).data,
      })),
    ),
  })
}
