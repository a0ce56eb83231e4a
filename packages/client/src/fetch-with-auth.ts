/**
 * `fetch` with the access token: `Authorization: Bearer <token>` (or, for a DPoP-bound token,
 * `Authorization: DPoP <token>` with a proof of this request, RFC 9449 §7), and when the API answers
 * 401 with a challenge `error="invalid_token"` (RFC 6750 §3.1; revoked, or expired by the API's
 * clock), one refresh and one retry; a DPoP nonce challenge is answered once too. The challenge is
 * parsed by oauth4webapi (`protectedResourceRequest`), whose request the custom fetch replaces with
 * the caller's own `Request`, carrying the headers oauth4webapi made.
 */
import * as oauth from 'oauth4webapi'
import type { Context } from './context.js'
import { dpopOption, withNonceRetry } from './dpop.js'
import type { TokenSet } from './session-store.js'
import type { TokenManager } from './tokens.js'

export interface FetchWithAuthOptions {
  /** Default: the client's `audience`. */
  readonly audience?: string
}

function isInvalidToken(err: oauth.WWWAuthenticateChallengeError): boolean {
  return err.status === 401 && err.cause.some((c) => (c.scheme === 'bearer' || c.scheme === 'dpop') && c.parameters.error === 'invalid_token')
}

async function send(ctx: Context, template: Request, tokens: TokenSet): Promise<{ response: Response; invalidToken: boolean }> {
  const dpop = await dpopOption(ctx.config.dpop, tokens.tokenType)
  const attempt = async () => {
    const request = template.clone()
    return oauth.protectedResourceRequest(tokens.accessToken, request.method, new URL(request.url), undefined, null, {
      [oauth.customFetch]: (_url: string, made: oauth.CustomFetchOptions<string, unknown>) => {
        const headers = new Headers(request.headers)
        for (const [name, value] of Object.entries(made.headers)) if (name === 'authorization' || name === 'dpop') headers.set(name, value)
        return ctx.config.fetch(request, { headers })
      },
      // The API's URL is the caller's choice; the https rule of this SDK applies to the issuer.
      [oauth.allowInsecureRequests]: true,
      ...dpop,
    })
  }
  try {
    const response = dpop.DPoP ? await withNonceRetry(attempt) : await attempt()
    return { response, invalidToken: false }
  } catch (err) {
    if (err instanceof oauth.WWWAuthenticateChallengeError) return { response: err.response, invalidToken: isInvalidToken(err) }
    throw err
  }
}

export async function fetchWithAuth(ctx: Context, tokens: TokenManager, input: string | URL | Request, init?: RequestInit, options: FetchWithAuthOptions = {}): Promise<Response> {
  const audience = options.audience ?? ctx.config.audience
  const request = new Request(input, init)
  const current = await tokens.tokenSet({ audience })
  const first = await send(ctx, request, current)
  if (!first.invalidToken) return first.response
  await first.response.body?.cancel()
  const refreshed = await tokens.refresh(audience, { stale: current.accessToken })
  return (await send(ctx, request, refreshed)).response
}
