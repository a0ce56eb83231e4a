/**
 * Plain `node:http`: `auth(options)` gives an `authenticate(req, ...checks)` that resolves to the
 * claims or rejects with a `BearerError`; `sendError(res, err)` writes the answer for any error.
 *
 *   const authenticate = auth({ issuer, audience })
 *   createServer(async (req, res) => {
 *     try {
 *       const claims = await authenticate(req, requireScopes('read:appointments'))
 *       …
 *     } catch (err) {
 *       sendError(res, err)
 *     }
 *   })
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ClaimCheck } from '../checks.js'
import type { AccessTokenClaims } from '../claims.js'
import { errorResponse } from '../response.js'
import { toVerifier, type Verifier, type VerifierInput } from '../verifier.js'

export interface Authenticate {
  (req: IncomingMessage, ...checks: readonly ClaimCheck[]): Promise<AccessTokenClaims>
  readonly verifier: Verifier
}

export function auth(input: VerifierInput): Authenticate {
  const verifier = toVerifier(input)
  const authenticate = (req: IncomingMessage, ...checks: readonly ClaimCheck[]) =>
    verifier.authenticate({ authorization: req.headers.authorization, url: requestUrl(req), method: req.method, dpop: req.headers.dpop }, ...checks)
  return Object.assign(authenticate, { verifier })
}

/** The URL the client addressed: protocol of the socket, Host header, request target. */
function requestUrl(req: IncomingMessage): string {
  const secure = 'encrypted' in req.socket && req.socket.encrypted === true
  return `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`
}

/**
 * Answers a failed request: a `BearerError` with its status, JSON body and `WWW-Authenticate`; an
 * `IssuerError` with 503; anything else with 500 (log it first: the body says nothing about it).
 */
export function sendError(res: ServerResponse, err: unknown): void {
  const answer = errorResponse(err) ?? {
    status: 500,
    headers: { 'Cache-Control': 'no-store' },
    body: { error: 'server_error', error_description: 'The request could not be completed.' },
  }
  const body = JSON.stringify(answer.body)
  res.writeHead(answer.status, { ...answer.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}
