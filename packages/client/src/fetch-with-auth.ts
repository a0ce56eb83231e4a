/**
 * `fetch` with the access token: `Authorization: Bearer <token>`, and when the API answers 401 with
 * a Bearer challenge `error="invalid_token"` (RFC 6750 §3.1; revoked, or expired by the API's clock),
 * one refresh and one retry. The challenge is parsed by oauth4webapi (`protectedResourceRequest`),
 * whose request the custom fetch replaces with the caller's own `Request`.
 */
import * as oauth from 'oauth4webapi'
import type { Context } from './context.js'
import type { TokenManager } from './tokens.js'

export interface FetchWithAuthOptions {
  /** Default: the client's `audience`. */
  readonly audience?: string
}

function isInvalidToken(err: oauth.WWWAuthenticateChallengeError): boolean {
  return err.status === 401 && err.cause.some((c) => c.scheme === 'bearer' && c.parameters.error === 'invalid_token')
}

async function send(ctx: Context, request: Request, token: string): Promise<{ response: Response; invalidToken: boolean }> {
  const headers = new Headers(request.headers)
  headers.set('authorization', `Bearer ${token}`)
  try {
    const response = await oauth.protectedResourceRequest(token, request.method, new URL(request.url), undefined, null, {
      [oauth.customFetch]: () => ctx.config.fetch(request, { headers }),
      // The API's URL is the caller's choice; the https rule of this SDK applies to the issuer.
      [oauth.allowInsecureRequests]: true,
    })
    return { response, invalidToken: false }
  } catch (err) {
    if (err instanceof oauth.WWWAuthenticateChallengeError) return { response: err.response, invalidToken: isInvalidToken(err) }
    throw err
  }
}

export async function fetchWithAuth(ctx: Context, tokens: TokenManager, input: string | URL | Request, init?: RequestInit, options: FetchWithAuthOptions = {}): Promise<Response> {
  const audience = options.audience ?? ctx.config.audience
  const request = new Request(input, init)
  const retry = request.clone()
  const token = await tokens.accessToken({ audience })
  const first = await send(ctx, request, token)
  if (!first.invalidToken) return first.response
  await first.response.body?.cancel()
  const refreshed = await tokens.refresh(audience, { stale: token })
  return (await send(ctx, retry, refreshed.accessToken)).response
}
