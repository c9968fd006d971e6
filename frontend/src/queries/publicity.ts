import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import {
  publicityDismissObjection,
  publicityGetObjection,
  publicityGetPublicity,
  publicityListObjections,
  publicityListPublicity,
  publicityStartObjectionReview,
  publicityUpholdObjection,
} from '@/api'
import type { ObjectionFiled, ObjectionRead, ObjectionStatus } from '@/api'
import '@/http/client'
import { uploadWithProgress, type UploadProgress } from '@/http/upload'

import { LOCAL_ERRORS, queryKeys } from './keys'

/**
 * The largest evidence file the server accepts: api/config.py `attachment_max_bytes` (20 MiB).
 * Checked here before the upload; the server answers 413 anyway.
 */
export const EVIDENCE_MAX_BYTES = 20 * 1024 * 1024

/** Objection states an admin still has to act on. */
export const OPEN_OBJECTION_STATUSES: readonly ObjectionStatus[] = ['filed', 'under_review']
export const OBJECTION_STATUSES: readonly ObjectionStatus[] = ['filed', 'under_review', 'upheld', 'dismissed']

export const OBJECTIONS_PAGE_SIZE = 50

// --- public ----------------------------------------------------------------------------------

/** Batches in publicity with their shortlisted products (public). */
export function usePublicity() {
  return useQuery({
    queryKey: queryKeys.publicity.list,
    queryFn: async () => (await publicityListPublicity()).data,
    // The page says itself when the list cannot be loaded.
    meta: LOCAL_ERRORS,
  })
}

/** One batch in publicity (public); 404 `not_in_publicity` once it is out of publicity. */
export function usePublicityBatch(batchId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.publicity.batch(batchId.value)),
    queryFn: async () => (await publicityGetPublicity({ path: { batch_id: batchId.value } })).data,
    enabled: computed(() => !!batchId.value),
    meta: LOCAL_ERRORS,
  })
}

export type FileObjectionInput = {
  batchId: string
  form: FormData
  onProgress?: (progress: UploadProgress) => void
}

/**
 * Files an objection: a multipart POST through XMLHttpRequest for the upload progress of the
 * evidence (the route needs no login; the CSRF header goes along when a session exists).
 */
export function useFileObjection() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ batchId, form, onProgress }: FileObjectionInput) =>
      uploadWithProgress<ObjectionFiled>({
        url: `/api/v1/publicity/${encodeURIComponent(batchId)}/objections`,
        form,
        onProgress,
      }),
    onError: (_error, { batchId }) => {
      // A closed window or a product taken off the list: show the current state.
      void queryClient.invalidateQueries({ queryKey: queryKeys.publicity.batch(batchId) })
    },
    meta: LOCAL_ERRORS,
  })
}

// --- triage (admins) -------------------------------------------------------------------------

export type ObjectionFilters = { batchId?: string; statuses?: ObjectionStatus[] }

/** Objections, oldest first (the order they are dealt with), pages by keyset cursor. */
export function useObjections(filters: Ref<ObjectionFilters>) {
  return useInfiniteQuery({
    queryKey: computed(() => queryKeys.objections.list({ ...filters.value })),
    queryFn: async ({ pageParam }) =>
      (
        await publicityListObjections({
          query: {
            batch_id: filters.value.batchId || undefined,
            status: filters.value.statuses?.length ? filters.value.statuses : undefined,
            limit: OBJECTIONS_PAGE_SIZE,
            cursor: pageParam ?? undefined,
          },
        })
      ).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? null,
    // The public files new ones at any time: look again on each visit.
    staleTime: 0,
  })
}

/** How many objections of a batch are still open (first page only: "100+" beyond). */
export function useOpenObjectionCount(batchId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.objections.openCount(batchId.value)),
    queryFn: async () => {
      const page = (
        await publicityListObjections({
          query: { batch_id: batchId.value, status: [...OPEN_OBJECTION_STATUSES], limit: 100 },
        })
      ).data
      return { count: page.items.length, more: !!page.next }
    },
    enabled: computed(() => !!batchId.value),
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

export function useObjection(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.objections.detail(id.value)),
    queryFn: async () => (await publicityGetObjection({ path: { objection_id: id.value } })).data,
    enabled: computed(() => !!id.value),
    staleTime: 0,
  })
}

/** Where an admin's browser downloads the evidence (same origin, the session cookie goes along). */
export function evidenceUrl(objectionId: string): string {
  return `/api/v1/objections/${encodeURIComponent(objectionId)}/evidence`
}

export type TriageAction = 'start-review' | 'uphold' | 'dismiss'
export type TriageInput = { action: TriageAction; resolution?: string }

export function useTriageObjection(id: Ref<string>) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ action, resolution }: TriageInput): Promise<ObjectionRead> => {
      const path = { objection_id: id.value }
      if (action === 'start-review') return (await publicityStartObjectionReview({ path })).data
      const body = { resolution: resolution ?? '' }
      return action === 'uphold'
        ? (await publicityUpholdObjection({ path, body })).data
        : (await publicityDismissObjection({ path, body })).data
    },
    onSuccess: (objection) => {
      queryClient.setQueryData(queryKeys.objections.detail(id.value), objection)
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.objections.all })
      // An upheld objection takes a product off the public list.
      void queryClient.invalidateQueries({ queryKey: queryKeys.publicity.all })
      void queryClient.invalidateQueries({ queryKey: queryKeys.applications.all })
    },
    meta: LOCAL_ERRORS,
  })
}
