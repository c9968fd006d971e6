/**
 * Multipart uploads with progress. `fetch` cannot report upload progress, so this one request
 * type goes through XMLHttpRequest — with the same cookie, CSRF header and problem errors as
 * the generated client (client.ts).
 */
import { CSRF_COOKIE, CSRF_HEADER, readCookie } from './csrf'
import { toApiError } from './problem'

export type UploadProgress = { loaded: number; total: number; percent: number }

export type UploadOptions = {
  url: string
  form: FormData
  onProgress?: (progress: UploadProgress) => void
  /** Aborts the upload (the promise rejects with an AbortError). */
  signal?: AbortSignal
  /** For tests. */
  xhrFactory?: () => XMLHttpRequest
}

function responseHeaders(xhr: XMLHttpRequest): Headers {
  const headers = new Headers()
  for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  return headers
}

function parseBody(xhr: XMLHttpRequest): unknown {
  const text = xhr.responseText
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export function uploadWithProgress<T>({
  url,
  form,
  onProgress,
  signal,
  xhrFactory = () => new XMLHttpRequest(),
}: UploadOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = xhrFactory()
    xhr.open('POST', url)
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json')
    const token = readCookie(CSRF_COOKIE)
    if (token) xhr.setRequestHeader(CSRF_HEADER, token)

    xhr.upload.addEventListener('progress', (event) => {
      if (!event.lengthComputable || !onProgress) return
      onProgress({
        loaded: event.loaded,
        total: event.total,
        percent: Math.min(100, Math.round((event.loaded / event.total) * 100)),
      })
    })
    xhr.addEventListener('load', () => {
      const body = parseBody(xhr)
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as T)
        return
      }
      const response = new Response(null, {
        status: xhr.status,
        statusText: xhr.statusText,
        headers: responseHeaders(xhr),
      })
      reject(toApiError(body, response))
    })
    xhr.addEventListener('error', () => reject(toApiError(new Error('Upload failed'), undefined)))
    xhr.addEventListener('abort', () => reject(new DOMException('Upload aborted', 'AbortError')))
    signal?.addEventListener('abort', () => xhr.abort(), { once: true })

    xhr.send(form)
  })
}
