/**
 * GET /metrics: the Prometheus text exposition of this process's registry. With a token configured,
 * only `Authorization: Bearer <token>` gets it; the comparison is of SHA-256 digests with
 * `timingSafeEqual`, so neither the token's content nor its length shows in the timing. Anything
 * else is a 401 with a Bearer challenge.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, Handler } from 'hono'
import type { Metrics } from './metrics.js'

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest()

/** True when the request's Authorization header is `Bearer <token>`, compared in constant time. */
export function presentsToken(authorization: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '')
  // Always compare, even with nothing presented, so a missing header takes the same path.
  const presented = digest(match?.[1] ?? '')
  return timingSafeEqual(presented, expected) && match !== null
}

function refuse(c: Context): Response {
  return c.json({ error: 'invalid_token', error_description: 'A valid bearer token is required for /metrics.' }, 401, {
    'WWW-Authenticate': 'Bearer realm="metrics"',
    'Cache-Control': 'no-store',
  })
}

export function metricsEndpoint(metrics: Metrics, token: string | null): Handler {
  const expected = token === null ? null : digest(token)
  return async function metricsEndpoint(c) {
    if (expected !== null && !presentsToken(c.req.header('authorization'), expected)) return refuse(c)
    return c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' })
  }
}
