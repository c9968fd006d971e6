/**
 * The one place that configures the generated API client: same-origin cookies, the CSRF
 * header on unsafe methods, and problem documents turned into ApiError.
 */
import { client } from '@/api/client.gen'

import { csrfInterceptor } from './csrf'
import { toApiError } from './problem'

type GeneratedClient = typeof client

export function configureClient(target: GeneratedClient): GeneratedClient {
  target.setConfig({ credentials: 'same-origin', throwOnError: true })
  if (!target.interceptors.request.exists(csrfInterceptor)) {
    target.interceptors.request.use(csrfInterceptor)
  }
  if (!target.interceptors.error.exists(toApiError)) {
    target.interceptors.error.use(toApiError)
  }
  return target
}

export const apiClient = configureClient(client)
