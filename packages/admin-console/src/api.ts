/**
 * The Management API, called with the administrator's access token. Every failure becomes an
 * ApiError carrying the API's own message (Auth0's `{ statusCode, error, message }`), so the pages
 * show what the server said.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export type FetchWithToken = (input: string, init?: RequestInit) => Promise<Response>

export interface Page<T> {
  readonly items: T[]
  readonly total: number
}

/** The message to show for an answer that is not 2xx. */
export async function errorMessageOf(response: Response): Promise<string> {
  const text = await response.text()
  try {
    const body = JSON.parse(text) as { message?: unknown; error_description?: unknown; error?: unknown }
    for (const field of [body.message, body.error_description, body.error]) if (typeof field === 'string' && field !== '') return field
  } catch {
    // not JSON: fall through to the status line
  }
  if (response.status === 403) return 'Your administrator role does not allow this change.'
  return `The server answered ${response.status} ${response.statusText}`.trim()
}

export function managementApi(base: string, fetchWithToken: FetchWithToken) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, headers: { accept: 'application/json' } }
    if (body !== undefined) {
      init.body = JSON.stringify(body)
      init.headers = { accept: 'application/json', 'content-type': 'application/json' }
    }
    const response = await fetchWithToken(new URL(path, base).href, init)
    if (!response.ok) throw new ApiError(response.status, await errorMessageOf(response))
    if (response.status === 204) return undefined as T
    const text = await response.text()
    return (text === '' ? undefined : JSON.parse(text)) as T
  }
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
    patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
    put: <T>(path: string, body: unknown) => call<T>('PUT', path, body),
    /** With a body where Auth0 takes one (`DELETE /users/{id}/roles`, `/organizations/{id}/members`). */
    delete: (path: string, body?: unknown) => call<void>('DELETE', path, body),
    /** A list endpoint with Auth0's paging (`page`, `per_page`, `include_totals`). */
    async page<T>(path: string, key: string, page: number, perPage: number, extra: Record<string, string> = {}): Promise<Page<T>> {
      const query = new URLSearchParams({ ...extra, page: String(page), per_page: String(perPage), include_totals: 'true' })
      const answer = await call<Record<string, unknown>>('GET', `${path}?${query}`)
      const items = (answer[key] ?? []) as T[]
      return { items, total: typeof answer.total === 'number' ? answer.total : items.length }
    },
  }
}

export type ManagementApi = ReturnType<typeof managementApi>
