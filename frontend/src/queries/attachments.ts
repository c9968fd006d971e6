import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'

import { client } from '@/api/client.gen'
import '@/http/client'
import { uploadWithProgress, type UploadProgress } from '@/http/upload'

import { LOCAL_ERRORS, queryKeys } from './keys'

export const ATTACHMENT_KINDS = [
  'application_form',
  'test_report',
  'novelty_search',
  'licence',
  'other',
] as const
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number]

/** The kinds the self-check requires before submission. */
export const REQUIRED_ATTACHMENT_KINDS: readonly AttachmentKind[] = [
  'application_form',
  'test_report',
  'novelty_search',
]

export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
export const ATTACHMENT_TYPES: Record<string, string> = {
  'application/pdf': '.pdf',
  'image/png': '.png',
  'image/jpeg': '.jpg',
}
export const ATTACHMENT_ACCEPT = 'application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg'

export type AttachmentRead = {
  id: string
  kind: AttachmentKind
  filename: string
  content_type: string
  size_bytes: number
  sha256: string
  created_at: string
}

/** Why a file cannot be uploaded, checked before sending it (the server checks again). */
export function attachmentProblem(file: Pick<File, 'name' | 'size' | 'type'>): 'too_large' | 'type' | 'empty' | null {
  if (file.size === 0) return 'empty'
  if (file.size > MAX_ATTACHMENT_BYTES) return 'too_large'
  const byType = file.type in ATTACHMENT_TYPES
  const byName = /\.(pdf|png|jpe?g)$/i.test(file.name)
  return byType || (!file.type && byName) ? null : 'type'
}

const base = (applicationId: string) =>
  `/api/v1/applications/${encodeURIComponent(applicationId)}/attachments`

/** Where the browser downloads an attachment (same-origin, the session cookie goes along). */
export function attachmentUrl(applicationId: string, attachmentId: string): string {
  return `${base(applicationId)}/${encodeURIComponent(attachmentId)}`
}

export function useAttachments(applicationId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => queryKeys.applications.attachments(applicationId.value)),
    queryFn: async () =>
      (await client.get<{ 200: AttachmentRead[] }>({ url: base(applicationId.value) }))
        .data as AttachmentRead[],
    enabled: computed(() => !!applicationId.value),
    // The panel says itself when the list cannot be loaded.
    meta: LOCAL_ERRORS,
  })
}

export type UploadInput = {
  kind: AttachmentKind
  file: File
  onProgress?: (progress: UploadProgress) => void
}

export function useUploadAttachment(applicationId: Ref<string>) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ kind, file, onProgress }: UploadInput) => {
      const form = new FormData()
      form.append('kind', kind)
      form.append('file', file, file.name)
      return uploadWithProgress<AttachmentRead>({ url: base(applicationId.value), form, onProgress })
    },
    onSettled: () => {
      void queryClient.invalidateQueries({
        queryKey: queryKeys.applications.attachments(applicationId.value),
      })
      void queryClient.invalidateQueries({
        queryKey: queryKeys.applications.eligibility(applicationId.value),
      })
    },
    meta: LOCAL_ERRORS,
  })
}

export function useDeleteAttachment(applicationId: Ref<string>) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (attachmentId: string) => {
      await client.delete({ url: attachmentUrl(applicationId.value, attachmentId) })
    },
    onSettled: () => {
      void queryClient.invalidateQueries({
        queryKey: queryKeys.applications.attachments(applicationId.value),
      })
      void queryClient.invalidateQueries({
        queryKey: queryKeys.applications.eligibility(applicationId.value),
      })
    },
    meta: LOCAL_ERRORS,
  })
}
