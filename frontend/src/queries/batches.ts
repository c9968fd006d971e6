import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'

import { batchesCreateBatch, batchesListBatches, batchesTransitionBatch, batchesUpdateBatch } from '@/api'
import type { BatchAction, BatchCreate, BatchRead, BatchStatus, BatchUpdate, PageBatchRead } from '@/api'
import '@/http/client'

import { LOCAL_ERRORS, queryKeys } from './keys'

/** The one legal next lifecycle action of a batch in each state (DESIGN §3). */
export const NEXT_ACTION: Record<BatchStatus, BatchAction | null> = {
  draft: 'open',
  open: 'close',
  closed: 'start-review',
  reviewing: 'start-deliberation',
  deliberation: 'start-publicity',
  publicity: 'announce',
  announced: 'archive',
  archived: null,
}

/** States in which an admin may still edit a batch. */
export const EDITABLE_BATCH_STATES: readonly BatchStatus[] = ['draft', 'open']

const MAX_PAGE = 100

/** Every batch (a handful a year), following the cursor to the end. */
async function fetchAllBatches(includeDrafts: boolean): Promise<BatchRead[]> {
  const items: BatchRead[] = []
  let cursor: string | null = null
  do {
    const page: PageBatchRead = (
      await batchesListBatches({
        query: { include_drafts: includeDrafts || undefined, limit: MAX_PAGE, cursor: cursor ?? undefined },
      })
    ).data
    items.push(...page.items)
    cursor = page.next ?? null
  } while (cursor)
  return items
}

/** Batches, newest first; drafts too when `includeDrafts` (admins only). */
export function useBatches(includeDrafts = false) {
  return useQuery({
    queryKey: queryKeys.batches.list(includeDrafts),
    queryFn: () => fetchAllBatches(includeDrafts),
  })
}

function useInvalidateBatches() {
  const queryClient = useQueryClient()
  return () => queryClient.invalidateQueries({ queryKey: queryKeys.batches.all })
}

export function useCreateBatch() {
  const invalidate = useInvalidateBatches()
  return useMutation({
    mutationFn: async (body: BatchCreate) => (await batchesCreateBatch({ body })).data,
    onSuccess: invalidate,
    meta: LOCAL_ERRORS,
  })
}

export function useUpdateBatch() {
  const invalidate = useInvalidateBatches()
  return useMutation({
    mutationFn: async ({ id, body }: { id: string; body: BatchUpdate }) =>
      (await batchesUpdateBatch({ path: { batch_id: id }, body })).data,
    onSuccess: invalidate,
    meta: LOCAL_ERRORS,
  })
}

export function useTransitionBatch() {
  const invalidate = useInvalidateBatches()
  return useMutation({
    mutationFn: async ({ id, action }: { id: string; action: BatchAction }) =>
      (await batchesTransitionBatch({ path: { batch_id: id, action } })).data,
    // A refused transition means the list was stale: show the truth either way.
    onSettled: invalidate,
    meta: LOCAL_ERRORS,
  })
}
