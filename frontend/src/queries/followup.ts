import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import {
  followUpCreateIntention,
  followUpCreatePolicy,
  followUpCreateProject,
  followUpDeleteIntention,
  followUpDeletePolicy,
  followUpDeleteProject,
  followUpGetAward,
  followUpListAwards,
  followUpUpdateIntention,
  followUpUpdatePolicy,
  followUpUpdateProject,
  followUpVerificationQueue,
  followUpVerifyRecord,
} from '@/api'
import type {
  FollowUpKind,
  IntentionCreate,
  IntentionUpdate,
  PolicyCreate,
  PolicyUpdate,
  ProjectCreate,
  ProjectUpdate,
} from '@/api'
import '@/http/client'

import { LOCAL_ERRORS, queryKeys } from './keys'

export const FOLLOW_UP_KINDS: readonly FollowUpKind[] = ['projects', 'intentions', 'insurance-policies']
export const QUEUE_PAGE_SIZE = 20

/** The caller's awards (an applicant's own; every award for an admin), with record counts. */
export function useFollowUpAwards() {
  return useQuery({
    queryKey: queryKeys.followup.awards({}),
    queryFn: async () => (await followUpListAwards({ query: { limit: 100 } })).data,
    staleTime: 0,
  })
}

/** One award with all its projects, intentions and policies. */
export function useFollowUpAward(id: Ref<string>, options: { localErrors?: boolean } = {}) {
  return useQuery({
    queryKey: computed(() => queryKeys.followup.award(id.value)),
    queryFn: async () => (await followUpGetAward({ path: { award_id: id.value } })).data,
    enabled: computed(() => !!id.value),
    staleTime: 0,
    meta: options.localErrors ? LOCAL_ERRORS : undefined,
  })
}

/** Unverified records, oldest first, by keyset pages. */
export function useVerificationQueue(kind: Ref<FollowUpKind | ''>) {
  return useInfiniteQuery({
    queryKey: computed(() => queryKeys.followup.queue({ kind: kind.value })),
    queryFn: async ({ pageParam }) =>
      (
        await followUpVerificationQueue({
          query: { kind: kind.value || undefined, limit: QUEUE_PAGE_SIZE, cursor: pageParam ?? undefined },
        })
      ).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? null,
    staleTime: 0,
  })
}

export type RecordBody =
  | { kind: 'projects'; body: ProjectCreate }
  | { kind: 'intentions'; body: IntentionCreate }
  | { kind: 'insurance-policies'; body: PolicyCreate }

export type RecordPatch =
  | { kind: 'projects'; body: ProjectUpdate }
  | { kind: 'intentions'; body: IntentionUpdate }
  | { kind: 'insurance-policies'; body: PolicyUpdate }

function useInvalidateFollowUp() {
  const queryClient = useQueryClient()
  return () => queryClient.invalidateQueries({ queryKey: queryKeys.followup.all })
}

/** Adds a record to an award. */
export function useCreateRecord(awardId: Ref<string>) {
  const invalidate = useInvalidateFollowUp()
  return useMutation({
    mutationFn: async (input: RecordBody) => {
      const path = { award_id: awardId.value }
      if (input.kind === 'projects') return (await followUpCreateProject({ path, body: input.body })).data
      if (input.kind === 'intentions') return (await followUpCreateIntention({ path, body: input.body })).data
      return (await followUpCreatePolicy({ path, body: input.body })).data
    },
    onSuccess: () => invalidate(),
    meta: LOCAL_ERRORS,
  })
}

/** Edits a record with the ETag it was read with; a 412 means it changed meanwhile. */
export function useUpdateRecord() {
  const invalidate = useInvalidateFollowUp()
  return useMutation({
    mutationFn: async ({ id, etag, input }: { id: string; etag: string; input: RecordPatch }) => {
      const common = { path: { record_id: id }, headers: { 'if-match': etag } }
      if (input.kind === 'projects') return (await followUpUpdateProject({ ...common, body: input.body })).data
      if (input.kind === 'intentions') return (await followUpUpdateIntention({ ...common, body: input.body })).data
      return (await followUpUpdatePolicy({ ...common, body: input.body })).data
    },
    // A refusal for a stale version also needs the fresh record.
    onSettled: () => invalidate(),
    meta: LOCAL_ERRORS,
  })
}

export function useDeleteRecord() {
  const invalidate = useInvalidateFollowUp()
  return useMutation({
    mutationFn: async ({ kind, id, etag }: { kind: FollowUpKind; id: string; etag: string }) => {
      const options = { path: { record_id: id }, headers: { 'if-match': etag } }
      if (kind === 'projects') await followUpDeleteProject(options)
      else if (kind === 'intentions') await followUpDeleteIntention(options)
      else await followUpDeletePolicy(options)
    },
    onSettled: () => invalidate(),
    meta: LOCAL_ERRORS,
  })
}

/** An admin verifies a record as read (If-Match). */
export function useVerifyRecord() {
  const invalidate = useInvalidateFollowUp()
  return useMutation({
    mutationFn: async ({ kind, id, etag }: { kind: FollowUpKind; id: string; etag: string }) =>
      (await followUpVerifyRecord({ path: { kind, record_id: id }, headers: { 'if-match': etag } })).data,
    onSettled: () => invalidate(),
    meta: LOCAL_ERRORS,
  })
}
