import type { FieldError, Problem } from '@/api'

/** Codes the client makes up itself when no problem document came back. */
export const CLIENT_CODES = {
  network: 'network_error',
  http: 'http_error',
} as const

/** An RFC 9457 problem from the API, with the HTTP details the body does not carry. */
export class ApiError extends Error {
  readonly problem: Problem
  readonly status: number
  /** Seconds from a `Retry-After` header (429/503), when present. */
  readonly retryAfter: number | null

  constructor(problem: Problem, retryAfter: number | null = null) {
    super(problem.detail || problem.title)
    this.name = 'ApiError'
    this.problem = problem
    this.status = problem.status
    this.retryAfter = retryAfter
  }

  get code(): string {
    return this.problem.code
  }

  get requestId(): string | null {
    return this.problem.request_id ?? null
  }

  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? []
  }
}

function isProblem(body: unknown): body is Problem {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Problem).code === 'string' &&
    typeof (body as Problem).status === 'number'
  )
}

function parseRetryAfter(value: string | null): number | null {
  if (!value) return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds))
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

/** Turns whatever a failed request produced into an ApiError. */
export function toApiError(body: unknown, response: Response | undefined): ApiError {
  if (body instanceof ApiError) return body
  if (!response) {
    return new ApiError({
      type: 'about:blank',
      title: 'Network error',
      status: 0,
      detail: body instanceof Error ? body.message : 'The server could not be reached.',
      code: CLIENT_CODES.network,
    })
  }
  const requestId = response.headers.get('X-Request-ID')
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'))
  if (isProblem(body)) {
    return new ApiError({ ...body, request_id: body.request_id ?? requestId }, retryAfter)
  }
  const status = response.status
  return new ApiError(
    {
      type: 'about:blank',
      title: response.statusText || `HTTP ${status}`,
      status,
      detail: typeof body === 'string' ? body.slice(0, 200) : '',
      code: status === 502 || status === 503 || status === 504 ? 'service_unavailable' : CLIENT_CODES.http,
      request_id: requestId,
    },
    retryAfter,
  )
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError
}
