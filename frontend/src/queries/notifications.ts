import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import {
  notificationsGetMail,
  notificationsGetPreferences,
  notificationsListMail,
  notificationsListNotifications,
  notificationsPutPreferences,
  notificationsReadAll,
  notificationsReadNotification,
  notificationsUnreadCount,
} from '@/api'
import type { EmailDelivery, Kind, MailRead, MailStatus, Preference, PreferenceRead } from '@/api'
import '@/http/client'
import { isApiError } from '@/http/problem'
import { errorMessage, problemMessage } from '@/problems'

import { LOCAL_ERRORS, queryKeys } from './keys'

export const INBOX_PAGE_SIZE = 20
export const MAIL_PAGE_SIZE = 50
/** How often the header badge asks for the unread count (and on window focus). */
export const UNREAD_POLL_MS = 60_000

export const MAIL_STATUSES: readonly MailStatus[] = ['pending', 'held', 'sent', 'digested', 'failed']

export const EMAIL_DELIVERIES: readonly EmailDelivery[] = ['immediate', 'daily']

// A record so that the compiler flags a kind the API adds and this list misses.
const KINDS: Record<Kind, true> = {
  application_returned: true,
  application_decision: true,
  certificate_issued: true,
  certificate_revoked: true,
  application_submitted: true,
  application_resubmitted: true,
  assignment_new: true,
  objection_filed: true,
  webhook_disabled: true,
  objection_received: true,
  objection_resolved: true,
  correction_deadline_soon: true,
  correction_deadline_passed: true,
  district_check_overdue: true,
  scoring_deadline_soon: true,
}

/** Every kind of notification the API knows. */
export const NOTIFICATION_KINDS = Object.keys(KINDS) as Kind[]

/** The message key of a kind's label (e-mails also have the daily digest). */
export function kindLabelKey(kind: MailRead['kind']): string {
  return `notifications.kinds.${kind}`
}

/** The message key and count of the header badge's accessible name. */
export function badgeLabel(unread: number | null | undefined): { key: string; n: number } {
  const n = unread ?? 0
  return n > 0 ? { key: 'notifications.badgeUnread', n } : { key: 'notifications.badge', n: 0 }
}

/** The badge text: counts above 99 show as "99+". */
export function badgeText(unread: number): string {
  return unread > 99 ? '99+' : String(unread)
}

/** The SPA path of a notification's link (the API sends an absolute URL of the public site). */
export function spaPath(link: string): string {
  if (link.startsWith('/') && !link.startsWith('//')) return link
  try {
    const url = new URL(link)
    return `${url.pathname}${url.search}${url.hash}` || '/'
  } catch {
    return '/'
  }
}

/** The tag colour of an e-mail's status. */
export function mailStatusTagType(status: MailStatus): 'success' | 'danger' | 'warning' | 'info' {
  if (status === 'sent' || status === 'digested') return 'success'
  if (status === 'failed') return 'danger'
  if (status === 'held') return 'info'
  return 'warning'
}

/** The switches to send: required kinds always on (the API refuses them off). */
export function preferencesToSave(rows: PreferenceRead[]): Preference[] {
  return rows.map((r) => ({
    kind: r.kind,
    in_app: r.required ? true : r.in_app,
    email: r.required ? true : r.email,
  }))
}

/** The messages of a failed save: each field error by its code (`notification_required`), else
 * the problem's own message. */
export function problemMessages(error: unknown): string[] {
  if (isApiError(error) && error.fieldErrors.length) {
    const messages = error.fieldErrors.map((e) => problemMessage({ code: e.code, title: e.message }))
    return [...new Set(messages)]
  }
  return [errorMessage(error)]
}

/** The caller's unread count for the header badge, polled and refreshed on window focus. */
export function useUnreadCount(enabled: Ref<boolean>) {
  return useQuery({
    queryKey: queryKeys.notifications.unreadCount,
    queryFn: async () => (await notificationsUnreadCount()).data,
    enabled,
    refetchInterval: UNREAD_POLL_MS,
    refetchOnWindowFocus: true,
    // A failed poll is not worth the global banner; the badge just keeps its last count.
    meta: LOCAL_ERRORS,
  })
}

/** The caller's inbox, newest first. */
export function useInbox() {
  return useInfiniteQuery({
    queryKey: queryKeys.notifications.inbox,
    queryFn: async ({ pageParam }) =>
      (
        await notificationsListNotifications({
          query: { limit: INBOX_PAGE_SIZE, cursor: pageParam ?? undefined },
        })
      ).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? null,
    staleTime: 0,
  })
}

function useInvalidateInbox() {
  const queryClient = useQueryClient()
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: queryKeys.notifications.unreadCount }),
      queryClient.invalidateQueries({ queryKey: queryKeys.notifications.inbox }),
    ])
}

/** Marks one notification read. */
export function useMarkRead() {
  const invalidate = useInvalidateInbox()
  return useMutation({
    mutationFn: async (id: number) =>
      (await notificationsReadNotification({ path: { notification_id: id } })).data,
    onSuccess: invalidate,
  })
}

/** Marks every notification of the caller read. */
export function useMarkAllRead() {
  const invalidate = useInvalidateInbox()
  return useMutation({
    mutationFn: async () => (await notificationsReadAll()).data,
    onSuccess: invalidate,
  })
}

/** The caller's channels per kind (only the kinds of the caller's roles). */
export function usePreferences() {
  return useQuery({
    queryKey: queryKeys.notifications.preferences,
    queryFn: async () => (await notificationsGetPreferences()).data,
    staleTime: 0,
  })
}

export function useSavePreferences() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: { items: Preference[]; email_delivery: EmailDelivery }) =>
      (await notificationsPutPreferences({ body })).data,
    onSuccess: (data) => queryClient.setQueryData(queryKeys.notifications.preferences, data),
    meta: LOCAL_ERRORS,
  })
}

/** The e-mail send log, newest first (admin). */
export function useMailLog(status: Ref<MailStatus | ''>) {
  return useInfiniteQuery({
    queryKey: computed(() => queryKeys.notifications.mail({ status: status.value })),
    queryFn: async ({ pageParam }) =>
      (
        await notificationsListMail({
          query: { status: status.value || undefined, limit: MAIL_PAGE_SIZE, cursor: pageParam ?? undefined },
        })
      ).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? null,
    staleTime: 0,
  })
}

/** One e-mail with its text; fetched while `id` is set. */
export function useMail(id: Ref<number | null>) {
  return useQuery({
    queryKey: computed(() => queryKeys.notifications.mailDetail(id.value ?? 0)),
    queryFn: async () => (await notificationsGetMail({ path: { mail_id: id.value ?? 0 } })).data,
    enabled: computed(() => id.value !== null),
    placeholderData: keepPreviousData,
  })
}
