import {
  QueryClient,
  queryOptions,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/vue-query'
import { computed } from 'vue'

import {
  authChangePassword,
  authConfirmPasswordReset,
  authLogin,
  authLogout,
  authMe,
  authRegister,
  authRequestPasswordReset,
} from '@/api'
import type {
  LoginRequest,
  Me,
  PasswordChangeRequest,
  PasswordResetConfirm,
  PasswordResetRequest,
  RegisterRequest,
  Role,
} from '@/api'
import '@/http/client'
import { CSRF_COOKIE, readCookie } from '@/http/csrf'
import { isApiError } from '@/http/problem'

import { LOCAL_ERRORS, queryKeys } from './keys'

/** The logged-in user, or null for an anonymous visitor (401 is an answer, not an error). */
export async function fetchMe(): Promise<Me | null> {
  // The readable CSRF cookie lives exactly as long as a session: without it nobody is logged
  // in, and an anonymous visitor is spared a request (and a 401 in the console).
  if (!readCookie(CSRF_COOKIE)) return null
  try {
    const { data } = await authMe()
    return data
  } catch (error) {
    if (isApiError(error) && error.status === 401) return null
    throw error
  }
}

export const meQuery = queryOptions({
  queryKey: queryKeys.auth.me,
  queryFn: fetchMe,
  staleTime: 60_000,
})

export function hasRole(me: Me | null | undefined, role: Role): boolean {
  return !!me?.roles.some((grant) => grant.role === role)
}

/**
 * Drops every cached answer that belonged to the previous identity. The `me` query itself is
 * overwritten rather than removed, so mounted observers (the header) stay attached to it.
 */
function forgetIdentity(queryClient: QueryClient, me: Me | null) {
  queryClient.removeQueries({
    predicate: (q) => q.queryKey[0] !== 'taxonomy' && q.queryKey[0] !== 'auth',
  })
  queryClient.setQueryData(queryKeys.auth.me, me)
}

export function useMe() {
  const query = useQuery(meQuery)
  const me = computed(() => query.data.value ?? null)
  return {
    ...query,
    me,
    isLoggedIn: computed(() => me.value !== null),
    isAdmin: computed(() => hasRole(me.value, 'admin')),
  }
}

export function useLogin() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: LoginRequest) => (await authLogin({ body })).data,
    onSuccess: (me) => forgetIdentity(queryClient, me),
    meta: LOCAL_ERRORS,
  })
}

export function useRegister() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: RegisterRequest) => (await authRegister({ body })).data,
    onSuccess: (me) => forgetIdentity(queryClient, me),
    meta: LOCAL_ERRORS,
  })
}

/** The caller's own password; the server ends their other sessions and keeps this one. */
export function useChangePassword() {
  return useMutation({
    mutationFn: async (body: PasswordChangeRequest) => {
      await authChangePassword({ body })
    },
    meta: LOCAL_ERRORS,
  })
}

/** Ask for a reset link; the server answers alike whether or not the address is known. */
export function useRequestPasswordReset() {
  return useMutation({
    mutationFn: async (body: PasswordResetRequest) => (await authRequestPasswordReset({ body })).data,
    meta: LOCAL_ERRORS,
  })
}

/** Set a new password with a reset link's token; every session of the account ends. */
export function useConfirmPasswordReset() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: PasswordResetConfirm) => {
      await authConfirmPasswordReset({ body })
    },
    // If this browser was signed in to the account, that session has ended too.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.auth.me }),
    meta: LOCAL_ERRORS,
  })
}

export function useLogout() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async () => {
      try {
        await authLogout()
      } catch (error) {
        // Already logged out (expired session): the goal is reached.
        if (!(isApiError(error) && error.status === 401)) throw error
      }
    },
    onSuccess: () => forgetIdentity(queryClient, null),
  })
}
