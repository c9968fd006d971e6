/**
 * Roadshows: the public list and event pages, and the admins' editor. Every edit of an event or
 * its agenda sends the ETag the editor read as If-Match and caches the answer with its new ETag,
 * so a second admin's edit in between is refused (412) instead of overwritten.
 */
import { QueryClient, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import {
  catalogueListProducts,
  organizationsListOrganizations,
  roadshowsAddSlot,
  roadshowsCreateRoadshow,
  roadshowsDeleteRoadshow,
  roadshowsDeleteSlot,
  roadshowsGetRoadshow,
  roadshowsListRoadshows,
  roadshowsMoveSlot,
  roadshowsPublishRoadshow,
  roadshowsUnpublishRoadshow,
  roadshowsUpdateRoadshow,
  roadshowsUpdateSlot,
} from '@/api'
import type {
  MoveDirection,
  OrganizationRead,
  RoadshowCreate,
  RoadshowRead,
  RoadshowUpdate,
  SlotCreate,
  SlotUpdate,
} from '@/api'
import '@/http/client'

import type { Versioned } from './applications'
import { fetchAllPages } from './experts'
import { LOCAL_ERRORS, queryKeys } from './keys'

export const ROADSHOWS_PAGE_SIZE = 50

/** Public answers may be reused for a minute, as the server's Cache-Control allows. */
const PUBLIC_STALE_MS = 60_000

/** Roadshows, newest start first, a keyset page at a time; drafts too for the editor. */
export function useRoadshows(includeDrafts: boolean) {
  return useInfiniteQuery({
    queryKey: queryKeys.roadshows.list({ includeDrafts }),
    queryFn: async ({ pageParam }) =>
      (
        await roadshowsListRoadshows({
          query: {
            include_drafts: includeDrafts || undefined,
            limit: ROADSHOWS_PAGE_SIZE,
            cursor: pageParam ?? undefined,
          },
        })
      ).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? null,
    staleTime: includeDrafts ? 0 : PUBLIC_STALE_MS,
    meta: LOCAL_ERRORS,
  })
}

/** A published roadshow with its agenda (public); 404 for drafts and unknown ids. */
export function useRoadshow(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.roadshows.detail(id.value)),
    queryFn: async () => (await roadshowsGetRoadshow({ path: { roadshow_id: id.value } })).data,
    enabled: computed(() => !!id.value),
    staleTime: PUBLIC_STALE_MS,
    retry: false,
    meta: LOCAL_ERRORS,
  })
}

// --- the editor -------------------------------------------------------------------------------

/** The editor's copy of an event: the admin answer with the version ETag to send back. */
function editKey(id: string) {
  return [...queryKeys.roadshows.detail(id), 'edit'] as const
}

type WithResponse<T> = { data: T; response: Response }

function versioned<T>({ data, response }: WithResponse<T>): Versioned<T> {
  return { data, etag: response.headers.get('ETag') }
}

export function useEditableRoadshow(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => editKey(id.value)),
    queryFn: async () =>
      versioned(await roadshowsGetRoadshow({ path: { roadshow_id: id.value }, cache: 'no-store' })),
    enabled: computed(() => !!id.value),
    staleTime: 0,
    retry: false,
    meta: LOCAL_ERRORS,
  })
}

function ifMatch(queryClient: QueryClient, id: string) {
  const etag = queryClient.getQueryData<Versioned<RoadshowRead>>(editKey(id))?.etag
  return etag ? { 'if-match': etag } : undefined
}

/** Keeps an answer (and its ETag) as the editor's version; lists and the public page refresh. */
function store(queryClient: QueryClient, result: Versioned<RoadshowRead>) {
  queryClient.setQueryData(editKey(result.data.id), result)
  void queryClient.invalidateQueries({ queryKey: ['roadshows', 'list'] })
  void queryClient.invalidateQueries({ queryKey: queryKeys.roadshows.detail(result.data.id), exact: true })
}

/** Reloads the editor's version (after a 412, someone else's change). */
export function useReloadRoadshow() {
  const queryClient = useQueryClient()
  return (id: string) => queryClient.invalidateQueries({ queryKey: editKey(id) })
}

export function useCreateRoadshow() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: RoadshowCreate) => versioned(await roadshowsCreateRoadshow({ body })),
    onSuccess: (result) => store(queryClient, result),
    meta: LOCAL_ERRORS,
  })
}

export function useUpdateRoadshow() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ id, body }: { id: string; body: RoadshowUpdate }) =>
      versioned(
        await roadshowsUpdateRoadshow({ path: { roadshow_id: id }, body, headers: ifMatch(queryClient, id) }),
      ),
    onSuccess: (result) => store(queryClient, result),
    meta: LOCAL_ERRORS,
  })
}

export type PublicationAction = 'publish' | 'unpublish'

export function usePublication() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ id, action }: { id: string; action: PublicationAction }) => {
      const call = action === 'publish' ? roadshowsPublishRoadshow : roadshowsUnpublishRoadshow
      return versioned(await call({ path: { roadshow_id: id }, headers: ifMatch(queryClient, id) }))
    },
    onSuccess: (result) => store(queryClient, result),
    meta: LOCAL_ERRORS,
  })
}

export function useDeleteRoadshow() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (id: string) => {
      await roadshowsDeleteRoadshow({ path: { roadshow_id: id }, headers: ifMatch(queryClient, id) })
      return id
    },
    onSuccess: (id) => {
      queryClient.removeQueries({ queryKey: editKey(id) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.roadshows.all })
    },
    meta: LOCAL_ERRORS,
  })
}

export type SlotChange =
  | { kind: 'add'; id: string; body: SlotCreate }
  | { kind: 'update'; id: string; slotId: string; body: SlotUpdate }
  | { kind: 'delete'; id: string; slotId: string }
  | { kind: 'move'; id: string; slotId: string; direction: MoveDirection }

/** Every change of the agenda: each answers with the whole event and its new ETag. */
export function useChangeAgenda() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (change: SlotChange): Promise<Versioned<RoadshowRead>> => {
      const headers = ifMatch(queryClient, change.id)
      const roadshow_id = change.id
      switch (change.kind) {
        case 'add':
          return versioned(await roadshowsAddSlot({ path: { roadshow_id }, body: change.body, headers }))
        case 'update':
          return versioned(
            await roadshowsUpdateSlot({
              path: { roadshow_id, slot_id: change.slotId },
              body: change.body,
              headers,
            }),
          )
        case 'delete':
          return versioned(await roadshowsDeleteSlot({ path: { roadshow_id, slot_id: change.slotId }, headers }))
        case 'move':
          return versioned(
            await roadshowsMoveSlot({
              path: { roadshow_id, slot_id: change.slotId },
              body: { direction: change.direction },
              headers,
            }),
          )
      }
    },
    onSuccess: (result) => store(queryClient, result),
    meta: LOCAL_ERRORS,
  })
}

// --- pickers of the slot dialog -----------------------------------------------------------------

const MAX_PAGE = 100

/** Every enterprise, for the presenter's organisation (the API has no name search). */
export function useEnterprises(enabled: Ref<boolean>) {
  return useQuery({
    queryKey: [...queryKeys.roadshows.all, 'enterprises'] as const,
    queryFn: () =>
      fetchAllPages<OrganizationRead>(async (cursor) =>
        (await organizationsListOrganizations({ query: { kind: 'enterprise', limit: MAX_PAGE, cursor } })).data,
      ),
    enabled,
    staleTime: 5 * 60_000,
  })
}

/** An organisation's awarded products that are not revoked: what a slot may present. */
export function useOrganizationAwards(organizationId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => [...queryKeys.roadshows.all, 'awards', organizationId.value] as const),
    queryFn: async () => {
      const page = (
        await catalogueListProducts({
          query: { organisation: organizationId.value, limit: MAX_PAGE },
        })
      ).data
      return page.items.filter((item) => item.status !== 'revoked')
    },
    enabled: computed(() => !!organizationId.value),
    staleTime: 60_000,
  })
}
