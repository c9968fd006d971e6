/**
 * The expert pool (admin), a batch's review organisation (settings, rubric, the batch's pool,
 * draws, coverage, assignments) and the expert's own assignments and statement.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import {
  applicationsListApplications,
  expertsAddAssignment,
  expertsAddConflict,
  expertsDeclareConflict,
  expertsDeleteConflict,
  expertsListAssignments,
  expertsListBatchExperts,
  expertsListDraws,
  expertsListExperts,
  expertsListOwnAssignments,
  expertsPutAvailability,
  expertsPutExpert,
  expertsPutReviewSettings,
  expertsPutRubric,
  expertsReadAttestation,
  expertsReadCoverage,
  expertsReadExpert,
  expertsReadReviewSettings,
  expertsReadRubric,
  expertsRemoveAssignment,
  expertsRunDraw,
  expertsSignAttestation,
  organizationsListOrganizations,
  usersListUsers,
} from '@/api'
import type {
  ApplicationSummary,
  AssignmentRead,
  BatchExpertRead,
  ConflictCreate,
  CoverageRead,
  DrawRead,
  DrawResult,
  ExpertProfileWrite,
  ExpertRead,
  ManualAssignment,
  OrganizationRead,
  OwnAssignment,
  ReviewSettingsWrite,
  RubricWrite,
  UserRead,
} from '@/api'
import '@/http/client'

import { LOCAL_ERRORS, queryKeys } from './keys'

const MAX_PAGE = 100
/** A safety stop for "every page" reads: 50 pages of 100. */
const MAX_PAGES = 50

type Page<T> = { items: T[]; next?: string | null }

/** Every item of a keyset-paginated list, following `next` to the end. */
export async function fetchAllPages<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = []
  let cursor: string | undefined
  for (let n = 0; n < MAX_PAGES; n += 1) {
    const page = await fetchPage(cursor)
    items.push(...page.items)
    if (!page.next) break
    cursor = page.next
  }
  return items
}

// --- draw seeds: 63-bit integers that a JavaScript number cannot hold --------------------------

/** A draw as the screens use it: the seed as the exact decimal digits the server sent. */
export type DrawView = Omit<DrawRead, 'seed'> & { seed: string }
export type DrawResultView = Omit<DrawResult, 'seed'> & { seed: string }

/**
 * Parses a JSON answer keeping `seed` values exact: the server draws 63-bit seeds, and
 * JSON.parse would round anything past 2^53 — a seed shown rounded replays a different draw.
 */
export function parseKeepingSeeds<T>(text: string): T {
  return JSON.parse(text.replace(/("(?:assignment_)?seed"\s*:\s*)(\d+)/g, '$1"$2"')) as T
}

/** A seed typed by an admin: digits only, at most 2^63 − 1 (what the API accepts). */
export function seedProblem(value: string): 'format' | 'range' | null {
  const digits = value.trim()
  if (!digits) return null
  if (!/^\d+$/.test(digits)) return 'format'
  return BigInt(digits) > 2n ** 63n - 1n ? 'range' : null
}

/** The draw request's body with the seed's digits written verbatim (no rounding on the way). */
export function drawBody(seed: string): string {
  const digits = seed.trim()
  return digits ? `{"seed":${BigInt(digits).toString()}}` : '{}'
}

// --- the pool (admin) ----------------------------------------------------------------------

export type PoolFilters = { field: string; active: string }

export function useExperts(filters: Ref<PoolFilters>) {
  return useQuery({
    queryKey: computed(() => queryKeys.experts.pool({ ...filters.value })),
    queryFn: () =>
      fetchAllPages<ExpertRead>(async (cursor) =>
        (
          await expertsListExperts({
            query: {
              field: filters.value.field || undefined,
              active: filters.value.active === '' ? undefined : filters.value.active === 'true',
              limit: MAX_PAGE,
              cursor,
            },
          })
        ).data,
      ),
    staleTime: 0,
  })
}

export function useExpert(userId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.experts.detail(userId.value)),
    queryFn: async () => (await expertsReadExpert({ path: { user_id: userId.value } })).data,
    enabled: computed(() => !!userId.value),
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

/** Users holding the expert role: those without a profile yet can be added to the pool. */
export function useExpertCandidates(enabled: Ref<boolean>) {
  return useQuery({
    queryKey: queryKeys.experts.candidates,
    queryFn: () =>
      fetchAllPages<UserRead>(async (cursor) =>
        (await usersListUsers({ query: { role: 'expert', limit: MAX_PAGE, cursor } })).data,
      ),
    enabled,
    staleTime: 0,
  })
}

/**
 * Every organisation, for picking an employer or a conflict. The API has no name search, so the
 * picker filters this list in the browser.
 */
export function useAllOrganizations(enabled: Ref<boolean>) {
  return useQuery({
    queryKey: queryKeys.experts.organizations,
    queryFn: () =>
      fetchAllPages<OrganizationRead>(async (cursor) =>
        (await organizationsListOrganizations({ query: { limit: MAX_PAGE, cursor } })).data,
      ),
    enabled,
    staleTime: 5 * 60_000,
  })
}

export function usePutExpert() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ userId, body }: { userId: string; body: ExpertProfileWrite }) =>
      (await expertsPutExpert({ path: { user_id: userId }, body })).data,
    onSuccess: (detail) => {
      queryClient.setQueryData(queryKeys.experts.detail(detail.user_id), detail)
      void queryClient.invalidateQueries({ queryKey: ['experts', 'pool'] })
    },
    meta: LOCAL_ERRORS,
  })
}

function useInvalidateExpert() {
  const queryClient = useQueryClient()
  return (userId: string) => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.experts.detail(userId) })
    void queryClient.invalidateQueries({ queryKey: ['experts', 'pool'] })
    // A conflict may end assignments of any batch.
    void queryClient.invalidateQueries({ queryKey: queryKeys.evaluation.all })
  }
}

export function useAddConflict() {
  const invalidate = useInvalidateExpert()
  return useMutation({
    mutationFn: async ({ userId, body }: { userId: string; body: ConflictCreate }) =>
      (await expertsAddConflict({ path: { user_id: userId }, body })).data,
    onSuccess: (_data, { userId }) => invalidate(userId),
    meta: LOCAL_ERRORS,
  })
}

export function useDeleteConflict() {
  const invalidate = useInvalidateExpert()
  return useMutation({
    mutationFn: async ({ userId, conflictId }: { userId: string; conflictId: string }) => {
      await expertsDeleteConflict({ path: { user_id: userId, conflict_id: conflictId } })
    },
    onSettled: (_data, _error, { userId }) => invalidate(userId),
    meta: LOCAL_ERRORS,
  })
}

// --- one batch's review organisation (admin) ----------------------------------------------------

const part = (batchId: Ref<string>, name: string) =>
  computed(() => queryKeys.evaluation.batchPart(batchId.value, name))

function useInvalidateBatch(batchId: Ref<string>) {
  const queryClient = useQueryClient()
  return () => queryClient.invalidateQueries({ queryKey: queryKeys.evaluation.batch(batchId.value) })
}

export function useReviewSettings(batchId: Ref<string>) {
  return useQuery({
    queryKey: part(batchId, 'settings'),
    queryFn: async () => (await expertsReadReviewSettings({ path: { batch_id: batchId.value } })).data,
    enabled: computed(() => !!batchId.value),
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

export function usePutReviewSettings(batchId: Ref<string>) {
  const invalidate = useInvalidateBatch(batchId)
  return useMutation({
    mutationFn: async (body: ReviewSettingsWrite) =>
      (await expertsPutReviewSettings({ path: { batch_id: batchId.value }, body })).data,
    onSuccess: invalidate,
    meta: LOCAL_ERRORS,
  })
}

export function useRubric(batchId: Ref<string>) {
  return useQuery({
    queryKey: part(batchId, 'rubric'),
    queryFn: async () => (await expertsReadRubric({ path: { batch_id: batchId.value } })).data,
    enabled: computed(() => !!batchId.value),
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

export function usePutRubric(batchId: Ref<string>) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: RubricWrite) =>
      (await expertsPutRubric({ path: { batch_id: batchId.value }, body })).data,
    onSuccess: (rubric) =>
      queryClient.setQueryData(queryKeys.evaluation.batchPart(batchId.value, 'rubric'), rubric),
    meta: LOCAL_ERRORS,
  })
}

/** The pool as seen for the batch: availability, load in the batch, statement signed. */
export function useBatchExperts(batchId: Ref<string>) {
  return useQuery({
    queryKey: part(batchId, 'pool'),
    queryFn: () =>
      fetchAllPages<BatchExpertRead>(async (cursor) =>
        (
          await expertsListBatchExperts({
            path: { batch_id: batchId.value },
            query: { limit: MAX_PAGE, cursor },
          })
        ).data,
      ),
    enabled: computed(() => !!batchId.value),
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

export function useSetAvailability(batchId: Ref<string>) {
  const invalidate = useInvalidateBatch(batchId)
  return useMutation({
    mutationFn: async ({ userId, available }: { userId: string; available: boolean }) =>
      (
        await expertsPutAvailability({
          path: { batch_id: batchId.value, user_id: userId },
          body: { available },
        })
      ).data,
    onSettled: invalidate,
    meta: LOCAL_ERRORS,
  })
}

export function useDraws(batchId: Ref<string>) {
  return useQuery({
    queryKey: part(batchId, 'draws'),
    queryFn: async () =>
      parseKeepingSeeds<DrawView[]>(
        (await expertsListDraws({ path: { batch_id: batchId.value }, parseAs: 'text' })).data as unknown as string,
      ),
    enabled: computed(() => !!batchId.value),
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

export function useRunDraw(batchId: Ref<string>) {
  const invalidate = useInvalidateBatch(batchId)
  return useMutation({
    mutationFn: async (seed: string) =>
      parseKeepingSeeds<DrawResultView>(
        (
          await expertsRunDraw({
            path: { batch_id: batchId.value },
            body: {},
            bodySerializer: () => drawBody(seed),
            parseAs: 'text',
          })
        ).data as unknown as string,
      ),
    onSettled: invalidate,
    meta: LOCAL_ERRORS,
  })
}

export function useCoverage(batchId: Ref<string>) {
  return useQuery({
    queryKey: part(batchId, 'coverage'),
    queryFn: async (): Promise<CoverageRead> =>
      (await expertsReadCoverage({ path: { batch_id: batchId.value } })).data,
    enabled: computed(() => !!batchId.value),
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

/** Every assignment of the batch, ended ones included. */
export function useAssignments(batchId: Ref<string>) {
  return useQuery({
    queryKey: part(batchId, 'assignments'),
    queryFn: () =>
      fetchAllPages<AssignmentRead>(async (cursor) =>
        (await expertsListAssignments({ query: { batch_id: batchId.value, limit: MAX_PAGE, cursor } })).data,
      ),
    enabled: computed(() => !!batchId.value),
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

/** The batch's applications in review: what an admin may assign an expert to by hand. */
export function useApplicationsInReview(batchId: Ref<string>, enabled: Ref<boolean>) {
  return useQuery({
    queryKey: part(batchId, 'in-review'),
    queryFn: () =>
      fetchAllPages<ApplicationSummary>(async (cursor) =>
        (
          await applicationsListApplications({
            query: { batch_id: batchId.value, status: ['in_review'], limit: MAX_PAGE, cursor },
          })
        ).data,
      ),
    enabled: computed(() => !!batchId.value && enabled.value),
    staleTime: 0,
  })
}

export function useAddAssignment(batchId: Ref<string>) {
  const invalidate = useInvalidateBatch(batchId)
  return useMutation({
    mutationFn: async (body: ManualAssignment) => (await expertsAddAssignment({ body })).data,
    onSuccess: invalidate,
    meta: LOCAL_ERRORS,
  })
}

export function useRemoveAssignment(batchId: Ref<string>) {
  const invalidate = useInvalidateBatch(batchId)
  return useMutation({
    mutationFn: async ({ assignmentId, reason }: { assignmentId: string; reason: string }) =>
      (await expertsRemoveAssignment({ path: { assignment_id: assignmentId }, body: { reason } })).data,
    onSettled: invalidate,
    meta: LOCAL_ERRORS,
  })
}

// --- the expert's own side ----------------------------------------------------------------------

export function useOwnAssignments() {
  return useQuery({
    queryKey: queryKeys.evaluation.ownAssignments,
    queryFn: () =>
      fetchAllPages<OwnAssignment>(async (cursor) =>
        (await expertsListOwnAssignments({ query: { limit: MAX_PAGE, cursor } })).data,
      ),
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

export function useAttestation(batchId: Ref<string>, enabled: Ref<boolean>) {
  return useQuery({
    queryKey: computed(() => queryKeys.evaluation.attestation(batchId.value)),
    queryFn: async () => (await expertsReadAttestation({ path: { batch_id: batchId.value } })).data,
    enabled: computed(() => !!batchId.value && enabled.value),
    staleTime: 0,
    meta: LOCAL_ERRORS,
  })
}

export function useSignAttestation() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (batchId: string) =>
      (await expertsSignAttestation({ path: { batch_id: batchId } })).data,
    onSuccess: (attestation) => {
      queryClient.setQueryData(queryKeys.evaluation.attestation(attestation.batch_id), attestation)
      void queryClient.invalidateQueries({ queryKey: queryKeys.evaluation.ownAssignments })
    },
    meta: LOCAL_ERRORS,
  })
}

export function useDeclareConflict() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ assignmentId, reason }: { assignmentId: string; reason: string }) =>
      (await expertsDeclareConflict({ path: { assignment_id: assignmentId }, body: { reason } })).data,
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.evaluation.ownAssignments }),
    meta: LOCAL_ERRORS,
  })
}
