/**
 * Scoring: the expert's own review with its ETag (drafts are saved with If-Match, so a second
 * tab cannot silently overwrite the first), submission; and the admin's view of a batch's
 * reviews with waive and reopen.
 */
import { QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import {
  reviewListReviews,
  reviewReadOwnReview,
  reviewReopenReview,
  reviewSaveOwnReview,
  reviewSubmitOwnReview,
  reviewWaiveReview,
} from '@/api'
import type { AdminReview, ReviewDraft, ReviewRead } from '@/api'
import '@/http/client'

import { fetchAllPages } from './experts'
import { LOCAL_ERRORS, queryKeys } from './keys'

/** A review with the ETag it was read with: what the next save names in If-Match. */
export type VersionedReview = { data: ReviewRead; etag: string | null }

type WithResponse = { data: ReviewRead; response: Response }

function versioned({ data, response }: WithResponse): VersionedReview {
  return { data, etag: response.headers.get('ETag') }
}

async function fetchOwnReview(assignmentId: string): Promise<VersionedReview> {
  return versioned(await reviewReadOwnReview({ path: { assignment_id: assignmentId } }))
}

export function useOwnReview(assignmentId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.evaluation.ownReview(assignmentId.value)),
    queryFn: () => fetchOwnReview(assignmentId.value),
    enabled: computed(() => !!assignmentId.value),
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

/**
 * The reviews of several assignments (the expert's list shows how far each one is). Reading a
 * review opens an empty draft the first time — the API has no lighter way to ask.
 */
function cachedEtag(queryClient: QueryClient, assignmentId: string): string | null {
  return (
    queryClient.getQueryData<VersionedReview>(queryKeys.evaluation.ownReview(assignmentId))?.etag ?? null
  )
}

function store(queryClient: QueryClient, assignmentId: string, result: VersionedReview) {
  queryClient.setQueryData(queryKeys.evaluation.ownReview(assignmentId), result)
}

export function useSaveReview(assignmentId: Ref<string>) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: ReviewDraft) => {
      const etag = cachedEtag(queryClient, assignmentId.value)
      return versioned(
        await reviewSaveOwnReview({
          path: { assignment_id: assignmentId.value },
          body,
          headers: etag ? { 'if-match': etag } : undefined,
        }),
      )
    },
    onSuccess: (result) => store(queryClient, assignmentId.value, result),
    meta: LOCAL_ERRORS,
  })
}

export function useSubmitReview(assignmentId: Ref<string>) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async () => {
      const etag = cachedEtag(queryClient, assignmentId.value)
      return versioned(
        await reviewSubmitOwnReview({
          path: { assignment_id: assignmentId.value },
          headers: etag ? { 'if-match': etag } : undefined,
        }),
      )
    },
    onSuccess: (result) => {
      store(queryClient, assignmentId.value, result)
      void queryClient.invalidateQueries({ queryKey: queryKeys.evaluation.ownAssignments })
    },
    meta: LOCAL_ERRORS,
  })
}

// --- the admin's side ---------------------------------------------------------------------------

/** Every assignment of a batch with its review (status, total) and expert. */
export function useBatchReviews(batchId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.evaluation.batchPart(batchId.value, 'reviews')),
    queryFn: () =>
      fetchAllPages<AdminReview>(async (cursor) =>
        (await reviewListReviews({ path: { batch_id: batchId.value }, query: { limit: 100, cursor } })).data,
      ),
    enabled: computed(() => !!batchId.value),
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

function useInvalidateBatch(batchId: Ref<string>) {
  const queryClient = useQueryClient()
  return () => queryClient.invalidateQueries({ queryKey: queryKeys.evaluation.batch(batchId.value) })
}

export function useWaiveReview(batchId: Ref<string>) {
  const invalidate = useInvalidateBatch(batchId)
  return useMutation({
    mutationFn: async ({ assignmentId, reason }: { assignmentId: string; reason: string }) =>
      (await reviewWaiveReview({ path: { assignment_id: assignmentId }, body: { reason } })).data,
    onSettled: invalidate,
    meta: LOCAL_ERRORS,
  })
}

export function useReopenReview(batchId: Ref<string>) {
  const invalidate = useInvalidateBatch(batchId)
  return useMutation({
    mutationFn: async ({ reviewId, reason }: { reviewId: string; reason: string }) =>
      (await reviewReopenReview({ path: { review_id: reviewId }, body: { reason } })).data,
    onSettled: invalidate,
    meta: LOCAL_ERRORS,
  })
}
