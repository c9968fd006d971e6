import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import {
  webhooksAdminEnableSubscription,
  webhooksAdminListDeliveries,
  webhooksAdminListSubscriptions,
  webhooksAdminRedeliver,
} from '@/api'
import type { AttemptRead, DeliveryRead, DeliveryStatus } from '@/api'
import '@/http/client'

import { queryKeys } from './keys'

export const WEBHOOK_PAGE_SIZE = 50

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed']

export type DeliveryFilters = { subscriptionId: string; status: DeliveryStatus | '' }

/** The message key of an event type: vue-i18n reads dots as nesting, so `award.granted` is
 * stored as `award_granted`. */
export function eventTypeKey(eventType: string): string {
  return eventType.replace(/\./g, '_')
}

/** The latest attempt of a delivery (attempts come oldest first), if any. */
export function lastAttempt(delivery: Pick<DeliveryRead, 'attempt_log'>): AttemptRead | null {
  return delivery.attempt_log.at(-1) ?? null
}

/** The tag colour of a delivery status. */
export function statusTagType(status: DeliveryStatus): 'success' | 'danger' | 'warning' {
  if (status === 'succeeded') return 'success'
  if (status === 'failed') return 'danger'
  return 'warning'
}

/** Every subscription with its client and failure state, newest first. */
export function useWebhookSubscriptions() {
  return useInfiniteQuery({
    queryKey: queryKeys.webhooks.subscriptions({}),
    queryFn: async ({ pageParam }) =>
      (
        await webhooksAdminListSubscriptions({
          query: { limit: WEBHOOK_PAGE_SIZE, cursor: pageParam ?? undefined },
        })
      ).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? null,
    staleTime: 0,
  })
}

/** The delivery log, newest first, with every attempt of each delivery. */
export function useWebhookDeliveries(filters: Ref<DeliveryFilters>) {
  return useInfiniteQuery({
    queryKey: computed(() => queryKeys.webhooks.deliveries({ ...filters.value })),
    queryFn: async ({ pageParam }) =>
      (
        await webhooksAdminListDeliveries({
          query: {
            subscription_id: filters.value.subscriptionId || undefined,
            status: filters.value.status || undefined,
            limit: WEBHOOK_PAGE_SIZE,
            cursor: pageParam ?? undefined,
          },
        })
      ).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next ?? null,
    staleTime: 0,
  })
}

function useInvalidateWebhooks() {
  const queryClient = useQueryClient()
  return () => void queryClient.invalidateQueries({ queryKey: queryKeys.webhooks.all })
}

/** Sends a delivery again now; answers once the receiver has. */
export function useRedeliver() {
  const invalidate = useInvalidateWebhooks()
  return useMutation({
    mutationFn: async (deliveryId: number) =>
      (await webhooksAdminRedeliver({ path: { delivery_id: deliveryId } })).data,
    onSuccess: invalidate,
  })
}

/** Re-enables a subscription disabled after a day of failures. */
export function useEnableSubscription() {
  const invalidate = useInvalidateWebhooks()
  return useMutation({
    mutationFn: async (subscriptionId: string) =>
      (await webhooksAdminEnableSubscription({ path: { subscription_id: subscriptionId } })).data,
    onSuccess: invalidate,
  })
}
