import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import {
  calendarAddWorkingDays,
  calendarDeleteYear,
  calendarListYears,
  calendarReadYear,
  calendarReplaceYear,
} from '@/api'
import type { CalendarDayWrite } from '@/api'
import '@/http/client'

import { LOCAL_ERRORS, queryKeys } from './keys'

/*
 * The calendar reads are public and cacheable (max-age=60), but an admin who has just changed
 * a year must see the change: `no-cache` makes the browser revalidate (ETag → a cheap 304).
 */
const REVALIDATE = { cache: 'no-cache' } as const

/** The years the calendar knows, oldest first, each with its source (library or admin). */
export function useCalendarYears() {
  return useQuery({
    queryKey: queryKeys.calendar.years,
    queryFn: async () => (await calendarListYears(REVALIDATE)).data.items,
    meta: LOCAL_ERRORS,
  })
}

/** One year's holidays and make-up working days; `null` year: nothing to load. */
export function useCalendarYear(year: Ref<number | null>) {
  return useQuery({
    queryKey: computed(() => queryKeys.calendar.year(year.value ?? 0)),
    queryFn: async () => (await calendarReadYear({ ...REVALIDATE, path: { year: year.value! } })).data,
    enabled: computed(() => year.value !== null),
    meta: LOCAL_ERRORS,
  })
}

/** The `days`-th working day on or after `start`; runs once both are set. */
export function useAddWorkingDays(params: Ref<{ start: string; days: number } | null>) {
  return useQuery({
    queryKey: computed(() => queryKeys.calendar.addWorkingDays(params.value?.start ?? '', params.value?.days ?? 0)),
    queryFn: async () =>
      (await calendarAddWorkingDays({ ...REVALIDATE, query: { start: params.value!.start, days: params.value!.days } }))
        .data,
    enabled: computed(() => params.value !== null),
    meta: LOCAL_ERRORS,
  })
}

function useInvalidateCalendar() {
  const queryClient = useQueryClient()
  return () => queryClient.invalidateQueries({ queryKey: queryKeys.calendar.all })
}

/** Replace a year's list of days (the year becomes admin-sourced). */
export function useReplaceYear() {
  const invalidate = useInvalidateCalendar()
  return useMutation({
    mutationFn: async ({ year, days }: { year: number; days: CalendarDayWrite[] }) =>
      (await calendarReplaceYear({ path: { year }, body: days })).data,
    onSuccess: invalidate,
    meta: LOCAL_ERRORS,
  })
}

/** Forget an admin-entered year (library years answer 409). */
export function useDeleteYear() {
  const invalidate = useInvalidateCalendar()
  return useMutation({
    mutationFn: async (year: number) => {
      await calendarDeleteYear({ path: { year } })
    },
    onSettled: invalidate,
    meta: LOCAL_ERRORS,
  })
}
