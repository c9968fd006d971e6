import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import type { Ref } from 'vue'

import {
  agencyCreateClient,
  agencyListClients,
  agencyRevokeClient,
  agencyRotateSecret,
  agencyUpdateClient,
  organizationsListOrganizations,
} from '@/api'
import type { AgencyClientCreate, AgencyClientRead, AgencyClientUpdate, OrganizationRead, Scope } from '@/api'
import '@/http/client'

import { fetchAllPages } from './experts'
import { LOCAL_ERRORS, queryKeys } from './keys'

export const SCOPES: readonly Scope[] = [
  'catalogue:read',
  'applications:read',
  'awards:read',
  'statistics:read',
  'webhooks:manage',
]

/** Overlap choices of a secret rotation, in hours: how long the old secret keeps working. */
export const OVERLAP_HOURS: readonly number[] = [0, 1, 24, 168, 720]

export const DEFAULT_RATE_LIMIT = 600

/** The client's ETag, as the API builds it from its id and version (what If-Match names). */
export function clientEtag(client: Pick<AgencyClientRead, 'id' | 'version'>): string {
  return `"${client.id}-v${client.version}"`
}

/** Networks typed one per line or separated by commas or spaces, without blanks or repeats. */
export function parseNetworks(text: string): string[] {
  return [...new Set(text.split(/[\s,;，；]+/).map((n) => n.trim()).filter(Boolean))]
}

export function isRevoked(client: Pick<AgencyClientRead, 'revoked_at'>): boolean {
  return client.revoked_at !== null
}

/** Every agency client, newest first. */
export function useAgencyClients() {
  return useInfiniteQuery({
    queryKey: queryKeys.agency.clients({}),
    queryFn: async ({ pageParam }) =>
      (await agencyListClients({ query: { limit: 50, cursor: pageParam ?? undefined } })).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? null,
    staleTime: 0,
  })
}

/** The agency organisations a client may act for. */
export function useAgencyOrganizations(enabled: Ref<boolean>) {
  return useQuery({
    queryKey: [...queryKeys.agency.all, 'organizations'] as const,
    queryFn: () =>
      fetchAllPages<OrganizationRead>(
        async (cursor) =>
          (await organizationsListOrganizations({ query: { kind: 'agency', limit: 100, cursor } })).data,
      ),
    enabled,
    staleTime: 5 * 60_000,
  })
}

function useInvalidateClients() {
  const queryClient = useQueryClient()
  return () => void queryClient.invalidateQueries({ queryKey: queryKeys.agency.all })
}

/** Registers a client; the answer holds its secret, which is never shown again. */
export function useCreateClient() {
  const invalidate = useInvalidateClients()
  return useMutation({
    mutationFn: async (body: AgencyClientCreate) => (await agencyCreateClient({ body })).data,
    onSuccess: () => invalidate(),
    meta: LOCAL_ERRORS,
  })
}

/** Edits a client as it was read; a 412 means another admin changed it meanwhile. */
export function useUpdateClient() {
  const invalidate = useInvalidateClients()
  return useMutation({
    mutationFn: async ({ client, body }: { client: AgencyClientRead; body: AgencyClientUpdate }) =>
      (
        await agencyUpdateClient({
          path: { client_id: client.id },
          headers: { 'if-match': clientEtag(client) },
          body,
        })
      ).data,
    onSettled: () => invalidate(),
    meta: LOCAL_ERRORS,
  })
}

/** A new secret, shown once; the old ones keep working for `overlapHours`. */
export function useRotateSecret() {
  const invalidate = useInvalidateClients()
  return useMutation({
    mutationFn: async ({ id, overlapHours }: { id: string; overlapHours: number }) =>
      (await agencyRotateSecret({ path: { client_id: id }, body: { overlap_hours: overlapHours } })).data,
    onSettled: () => invalidate(),
    meta: LOCAL_ERRORS,
  })
}

export function useRevokeClient() {
  const invalidate = useInvalidateClients()
  return useMutation({
    mutationFn: async (id: string) => (await agencyRevokeClient({ path: { client_id: id } })).data,
    onSettled: () => invalidate(),
    meta: LOCAL_ERRORS,
  })
}

/** The message key of a scope (vue-i18n paths keep to word characters). */
export function scopeKey(scope: Scope): string {
  return `agency.scopes.${scope.replace(':', '_')}`
}
