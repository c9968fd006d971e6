import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import { usersCreateUser, usersDeactivateUser, usersListUsers, usersRevokeSessions, usersSetRoles } from '@/api'
import type { RoleAssignment, UserCreate } from '@/api'
import '@/http/client'

import { LOCAL_ERRORS, queryKeys } from './keys'

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


/** After a user or their roles change: the list, and the expert pool's candidates. */
function useInvalidateUsers() {
  const queryClient = useQueryClient()
  return () => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.users.all })
    void queryClient.invalidateQueries({ queryKey: queryKeys.experts.candidates })
  }
}

export function useCreateUser() {
  const invalidate = useInvalidateUsers()
  return useMutation({
    mutationFn: async (body: UserCreate) => (await usersCreateUser({ body })).data,
    onSuccess: invalidate,
    meta: LOCAL_ERRORS,
  })
}

/** Replaces all of a user's role grants. */
export function useSetRoles() {
  const invalidate = useInvalidateUsers()
  return useMutation({
    mutationFn: async ({ userId, roles }: { userId: string; roles: RoleAssignment[] }) =>
      (await usersSetRoles({ path: { user_id: userId }, body: roles })).data,
    onSuccess: invalidate,
    meta: LOCAL_ERRORS,
  })
}
