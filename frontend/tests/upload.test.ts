import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { ApiError } from '@/http/problem'
import { uploadWithProgress, type UploadProgress } from '@/http/upload'
import { attachmentProblem, MAX_ATTACHMENT_BYTES } from '@/queries/attachments'

/** Just enough XMLHttpRequest to drive the upload: the test plays the server. */
class FakeXhr {
  method = ''
  url = ''
  withCredentials = false
  headers: Record<string, string> = {}
  body: unknown = null
  status = 0
  statusText = ''
  responseText = ''
  private responseHeaders = ''
  private listeners: Record<string, (() => void)[]> = {}
  upload = {
    listeners: [] as ((event: ProgressEvent) => void)[],
    addEventListener: (_name: string, fn: (event: ProgressEvent) => void) => {
      this.upload.listeners.push(fn)
    },
  }

  open(method: string, url: string) {
    this.method = method
    this.url = url
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value
  }
  addEventListener(name: string, fn: () => void) {
    ;(this.listeners[name] ??= []).push(fn)
  }
  getAllResponseHeaders() {
    return this.responseHeaders
  }
  send(body: unknown) {
    this.body = body
  }
  abort() {
    this.emit('abort')
  }

  progress(loaded: number, total: number) {
    for (const fn of this.upload.listeners) {
      fn({ lengthComputable: true, loaded, total } as ProgressEvent)
    }
  }
  respond(status: number, body: unknown, headers = 'content-type: application/json') {
    this.status = status
    this.statusText = String(status)
    this.responseText = JSON.stringify(body)
    this.responseHeaders = `${headers}\r\nx-request-id: req-1`
    this.emit('load')
  }
  emit(name: string) {
    for (const fn of this.listeners[name] ?? []) fn()
  }
}

describe('uploadWithProgress', () => {
  beforeEach(() => {
    document.cookie = 'csrf_token=tok; path=/'
  })
  afterEach(() => {
    document.cookie = 'csrf_token=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/'
  })

  function start(onProgress?: (p: UploadProgress) => void) {
    const xhr = new FakeXhr()
    const form = new FormData()
    form.append('kind', 'test_report')
    const promise = uploadWithProgress<{ id: string }>({
      url: '/api/v1/applications/a1/attachments',
      form,
      onProgress,
      xhrFactory: () => xhr as unknown as XMLHttpRequest,
    })
    return { xhr, form, promise }
  }

  it('posts the form with the CSRF header and reports progress', async () => {
    const seen: number[] = []
    const { xhr, form, promise } = start((p) => seen.push(p.percent))
    expect(xhr.method).toBe('POST')
    expect(xhr.url).toBe('/api/v1/applications/a1/attachments')
    expect(xhr.headers['X-CSRF-Token']).toBe('tok')
    expect(xhr.withCredentials).toBe(true)
    expect(xhr.body).toBe(form)
    xhr.progress(25, 100)
    xhr.progress(100, 100)
    xhr.respond(201, { id: 'att1' })
    await expect(promise).resolves.toEqual({ id: 'att1' })
    expect(seen).toEqual([25, 100])
  })

  it('turns a problem answer into an ApiError with its code', async () => {
    const { xhr, promise } = start()
    xhr.respond(
      413,
      { type: 'about:blank', title: 'Too large', status: 413, detail: '', code: 'payload_too_large' },
      'content-type: application/problem+json',
    )
    const error = await promise.catch((e) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('payload_too_large')
    expect((error as ApiError).requestId).toBe('req-1')
  })

  it('reports a network failure as network_error', async () => {
    const { xhr, promise } = start()
    xhr.emit('error')
    expect(((await promise.catch((e) => e)) as ApiError).code).toBe('network_error')
  })
})

describe('attachmentProblem', () => {
  it('accepts PDF, PNG and JPEG up to 20 MB', () => {
    expect(attachmentProblem({ name: 'a.pdf', size: 10, type: 'application/pdf' })).toBeNull()
    expect(attachmentProblem({ name: 'a.JPG', size: 10, type: '' })).toBeNull()
    expect(attachmentProblem({ name: 'a.pdf', size: MAX_ATTACHMENT_BYTES + 1, type: 'application/pdf' })).toBe(
      'too_large',
    )
    expect(attachmentProblem({ name: 'a.docx', size: 10, type: 'application/msword' })).toBe('type')
    expect(attachmentProblem({ name: 'a.pdf', size: 0, type: 'application/pdf' })).toBe('empty')
  })
})
