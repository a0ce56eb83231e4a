/**
 * The `fetch` the CLI hands to the SDK (and uses for the API): every request gets a timeout, and a
 * request that never got an answer (connection refused, unknown host, timeout) becomes an
 * `UnreachableError` naming the origin, so the message can say which server is down.
 */
import type { FetchLike } from '@latchkey/client'

export const REQUEST_TIMEOUT_MS = 30_000

/** No HTTP answer came back from `origin`. */
export class UnreachableError extends Error {
  readonly origin: string
  readonly reason: string
  constructor(url: URL, cause: unknown) {
    const reason = reasonOf(cause)
    super(`cannot reach ${url.origin} (${reason})`, { cause })
    this.name = 'UnreachableError'
    this.origin = url.origin
    this.reason = reason
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'no answer in time'
  // undici: TypeError('fetch failed') with the system error (ECONNREFUSED, ENOTFOUND, ...) as its cause
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause
  if (typeof cause?.code === 'string') return cause.code
  if (typeof cause?.message === 'string') return cause.message
  return err instanceof Error ? err.message : String(err)
}

export function cliFetch(base: FetchLike = (input, init) => fetch(input, init), timeoutMs = REQUEST_TIMEOUT_MS): FetchLike {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input)
    const timeout = AbortSignal.timeout(timeoutMs)
    const callerSignal = init?.signal ?? (input instanceof Request ? input.signal : undefined)
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout
    try {
      return await base(input, { ...init, signal })
    } catch (err) {
      if (callerSignal?.aborted) throw err
      throw new UnreachableError(url, err)
    }
  }
}
