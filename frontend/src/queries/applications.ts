import {
  QueryClient,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import {
  applicationsCheckEligibility,
  applicationsCreateApplication,
  applicationsDistrictRecommend,
  applicationsDistrictReject,
  applicationsDistrictReturn,
  applicationsFormalAccept,
  applicationsFormalReject,
  applicationsFormalReturn,
  applicationsListApplications,
  applicationsReadApplication,
  applicationsReadTimeline,
  applicationsResubmitApplication,
  applicationsSubmitApplication,
  applicationsUpdateApplication,
  applicationsWithdrawApplication,
} from '@/api'
import type { ApplicationCreate, ApplicationRead, ApplicationStatus, ApplicationUpdate } from '@/api'
import '@/http/client'

import { LOCAL_ERRORS, queryKeys, type ApplicationFilters } from './keys'

export const APPLICATIONS_PAGE_SIZE = 50

/** Statuses in which the owning applicant may still edit (and the server accepts a PATCH). */
export const EDITABLE_STATUSES: readonly ApplicationStatus[] = ['draft', 'returned']

/** Statuses from which the applicant may withdraw (before the award). */
export const WITHDRAWABLE_STATUSES: readonly ApplicationStatus[] = [
  'draft',
  'submitted',
  'returned',
  'recommended',
  'accepted',
  'in_review',
  'reviewed',
  'shortlisted',
]

/** A record with the ETag it was read with: the version an edit must name in If-Match. */
export type Versioned<T> = { data: T; etag: string | null }

type WithResponse<T> = { data: T; response: Response }

function versioned<T>({ data, response }: WithResponse<T>): Versioned<T> {
  return { data, etag: response.headers.get('ETag') }
}

// --- lists -----------------------------------------------------------------------------------

export function useApplications(filters: Ref<ApplicationFilters>) {
  return useInfiniteQuery({
    queryKey: computed(() => queryKeys.applications.list({ ...filters.value })),
    queryFn: async ({ pageParam }) =>
      (
        await applicationsListApplications({
          query: {
            batch_id: filters.value.batchId || undefined,
            status: filters.value.statuses?.length ? filters.value.statuses : undefined,
            district: filters.value.district || undefined,
            overdue: filters.value.overdue || undefined,
            limit: APPLICATIONS_PAGE_SIZE,
            cursor: pageParam ?? undefined,
          },
        })
      ).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? null,
    // Others move applications along (the district, the joint office): look again on each visit.
    staleTime: 0,
  })
}

// --- one application and its ETag --------------------------------------------------------------

export async function fetchApplication(id: string): Promise<Versioned<ApplicationRead>> {
  return versioned(await applicationsReadApplication({ path: { application_id: id } }))
}

export function useApplication(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.applications.detail(id.value)),
    queryFn: () => fetchApplication(id.value),
    enabled: computed(() => !!id.value),
    staleTime: 0,
  })
}

/** The ETag the cache holds for an application (what the next PATCH sends as If-Match). */
export function cachedEtag(queryClient: QueryClient, id: string): string | null {
  return (
    queryClient.getQueryData<Versioned<ApplicationRead>>(queryKeys.applications.detail(id))?.etag ??
    null
  )
}

/** Keeps an application answer (and its new ETag) as the cached version; lists refresh. */
function store(queryClient: QueryClient, id: string, result: Versioned<ApplicationRead>) {
  queryClient.setQueryData(queryKeys.applications.detail(id), result)
  void queryClient.invalidateQueries({ queryKey: ['applications', 'list'] })
  void queryClient.invalidateQueries({ queryKey: queryKeys.applications.eligibility(id) })
}

/**
 * Edits an application with optimistic concurrency: sends the cached ETag as If-Match and
 * caches the answer with the ETag it came with. A 412 means someone else changed it meanwhile.
 */
export async function patchApplication(
  queryClient: QueryClient,
  id: string,
  body: ApplicationUpdate,
): Promise<Versioned<ApplicationRead>> {
  const etag = cachedEtag(queryClient, id)
  const result = versioned(
    await applicationsUpdateApplication({
      path: { application_id: id },
      body,
      headers: etag ? { 'if-match': etag } : undefined,
    }),
  )
  store(queryClient, id, result)
  return result
}

export function usePatchApplication(id: Ref<string>) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (body: ApplicationUpdate) => patchApplication(queryClient, id.value, body),
    meta: LOCAL_ERRORS,
  })
}

export function useCreateApplication() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: ApplicationCreate) =>
      versioned(await applicationsCreateApplication({ body })),
    onSuccess: (result) => store(queryClient, result.data.id, result),
    meta: LOCAL_ERRORS,
  })
}

export function useEligibility(id: Ref<string>, enabled: Ref<boolean> = computed(() => true)) {
  return useQuery({
    queryKey: computed(() => queryKeys.applications.eligibility(id.value)),
    queryFn: async () =>
      (await applicationsCheckEligibility({ path: { application_id: id.value } })).data,
    enabled: computed(() => !!id.value && enabled.value),
    staleTime: 0,
  })
}

export function useTimeline(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.applications.timeline(id.value)),
    queryFn: async () =>
      (await applicationsReadTimeline({ path: { application_id: id.value } })).data,
    enabled: computed(() => !!id.value),
    staleTime: 0,
  })
}

// --- transitions -------------------------------------------------------------------------------

export type ApplicantAction = 'submit' | 'resubmit' | 'withdraw'

const APPLICANT_ACTIONS = {
  submit: applicationsSubmitApplication,
  resubmit: applicationsResubmitApplication,
  withdraw: applicationsWithdrawApplication,
} as const

function afterTransition(queryClient: QueryClient, id: string, result: Versioned<ApplicationRead>) {
  store(queryClient, id, result)
  void queryClient.invalidateQueries({ queryKey: queryKeys.applications.timeline(id) })
}

export function useApplicantAction(id: Ref<string>) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (action: ApplicantAction) =>
      versioned(await APPLICANT_ACTIONS[action]({ path: { application_id: id.value } })),
    onSuccess: (result) => afterTransition(queryClient, id.value, result),
    meta: LOCAL_ERRORS,
  })
}

/** The check an officer performs: the district's preliminary check or the formal review. */
export type CheckStep = 'district' | 'formal'
export type Decision = 'recommend' | 'accept' | 'return' | 'reject'

/** The decisions each check offers, the passing one first. */
export const STEP_DECISIONS: Record<CheckStep, readonly Decision[]> = {
  district: ['recommend', 'return', 'reject'],
  formal: ['accept', 'return', 'reject'],
}

/** The status an application waits in for each check. */
export const STEP_WAITS_FOR: Record<CheckStep, ApplicationStatus> = {
  district: 'submitted',
  formal: 'recommended',
}

export type DecisionInput = {
  decision: Decision
  reason: string
  deadlineWorkingDays: number
}

async function decide(step: CheckStep, id: string, input: DecisionInput) {
  const path = { application_id: id }
  const reason = input.reason.trim()
  switch (input.decision) {
    case 'recommend':
      return versioned(await applicationsDistrictRecommend({ path, body: { reason } }))
    case 'accept':
      return versioned(await applicationsFormalAccept({ path, body: { reason } }))
    case 'return': {
      const body = { reason, deadline_working_days: input.deadlineWorkingDays }
      return versioned(
        step === 'district'
          ? await applicationsDistrictReturn({ path, body })
          : await applicationsFormalReturn({ path, body }),
      )
    }
    case 'reject':
      return versioned(
        step === 'district'
          ? await applicationsDistrictReject({ path, body: { reason } })
          : await applicationsFormalReject({ path, body: { reason } }),
      )
  }
}

export function useDecision(step: CheckStep, id: Ref<string>) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (input: DecisionInput) => decide(step, id.value, input),
    onSuccess: (result) => afterTransition(queryClient, id.value, result),
    meta: LOCAL_ERRORS,
  })
}
