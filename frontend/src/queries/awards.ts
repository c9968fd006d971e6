import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import { awardsGetAward, awardsIssueAwards, awardsListAwards, awardsRevokeAward } from '@/api'
import type { AwardRead, CertificateStatus } from '@/api'
import '@/http/client'

import { LOCAL_ERRORS, queryKeys } from './keys'

export const CERTIFICATE_STATUSES: readonly CertificateStatus[] = ['valid', 'expired', 'revoked']

export const AWARDS_PAGE_SIZE = 50

export type AwardFilters = { batchId?: string; statuses?: CertificateStatus[] }

/**
 * The certificate PDF on this origin. The API's `pdf_url` is built from the configured public
 * base URL, which is not where an admin's browser is when it runs elsewhere (a test server).
 */
export function certificatePdfPath(number: string): string {
  return `/api/v1/certificates/${encodeURIComponent(number)}/pdf`
}

/** The public verification page of a certificate (a route of this SPA). */
export function verifyPath(number: string): string {
  return `/verify/${encodeURIComponent(number)}`
}

/** Certificates in number order, filtered by batch and status; pages by keyset cursor. */
export function useAwards(filters: Ref<AwardFilters>) {
  return useInfiniteQuery({
    queryKey: computed(() => queryKeys.awards.list({ ...filters.value })),
    queryFn: async ({ pageParam }) =>
      (
        await awardsListAwards({
          query: {
            batch_id: filters.value.batchId || undefined,
            status: filters.value.statuses?.length ? filters.value.statuses : undefined,
            limit: AWARDS_PAGE_SIZE,
            cursor: pageParam ?? undefined,
          },
        })
      ).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? null,
    // The worker issues certificates and other admins revoke them at any time.
    staleTime: 0,
  })
}

/** One award with its signed payload, signature and revocation. */
export function useAward(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.awards.detail(id.value)),
    queryFn: async () => (await awardsGetAward({ path: { award_id: id.value } })).data,
    enabled: computed(() => !!id.value),
    staleTime: 0,
    // The expanded row says itself when the details cannot be loaded.
    meta: LOCAL_ERRORS,
  })
}

/** Issuing or revoking changes the public catalogue and the verification answers as well. */
function useInvalidateCertificates() {
  const queryClient = useQueryClient()
  return (number?: string) => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.awards.all })
    void queryClient.invalidateQueries({ queryKey: queryKeys.catalogue.all })
    if (number) void queryClient.invalidateQueries({ queryKey: queryKeys.certificates.detail(number) })
  }
}

/** Issues now the certificates of announced awards the worker has not issued yet. */
export function useIssueAwards() {
  const invalidate = useInvalidateCertificates()
  return useMutation({
    mutationFn: async () => (await awardsIssueAwards()).data,
    onSuccess: () => invalidate(),
    meta: LOCAL_ERRORS,
  })
}

export type RevokeInput = { id: string; number: string; reason: string }

export function useRevokeAward() {
  const queryClient = useQueryClient()
  const invalidate = useInvalidateCertificates()
  return useMutation({
    mutationFn: async ({ id, reason }: RevokeInput): Promise<AwardRead> =>
      (await awardsRevokeAward({ path: { award_id: id }, body: { reason } })).data,
    onSuccess: (award) => {
      queryClient.setQueryData(queryKeys.awards.detail(award.id), award)
    },
    // A refusal (already revoked, gone) means the list was stale: show the truth either way.
    onSettled: (_award, _error, { number }) => invalidate(number),
    meta: LOCAL_ERRORS,
  })
}
