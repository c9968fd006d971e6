import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import { usersDeactivateUser, usersListUsers, usersRevokeSessions } from '@/api'
import '@/http/client'

import { queryKeys } from './keys'

export const USERS_PAGE_SIZE = 50

/** Users, newest pages appended by keyset cursor ("load more"). */
export function useUsers(q: Ref<string>) {
  return useInfiniteQuery({
    queryKey: computed(() => queryKeys.users.list(q.value)),
    queryFn: async ({ pageParam }) =>
      (
        await usersListUsers({
          query: { q: q.value || undefined, limit: USERS_PAGE_SIZE, cursor: pageParam ?? undefined },
        })
      ).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? null,
  })
}

export function useDeactivateUser() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (userId: string) =>
      (await usersDeactivateUser({ path: { user_id: userId } })).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.users.all }),
  })
}

export function useRevokeSessions() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (userId: string) => {
      await usersRevokeSessions({ path: { user_id: userId } })
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.users.all }),
  })
}
