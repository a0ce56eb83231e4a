/**
 * Hono: `auth(options)` verifies the token and sets `c.get('auth')` to its claims;
 * `requireScopes`, `requireAnyScope`, `requirePermissions` and `requireClaim` check them. Errors
 * are answered as JSON with the RFC 6750 status and `WWW-Authenticate`; an unreachable issuer is
 * thrown as an `HTTPException(503)` (its `cause` is the `IssuerError`) for `app.onError`.
 *
 *   const app = new Hono<AuthEnv>()
 *   app.get('/api/appointments', auth({ issuer, audience }), requireScopes('read:appointments'), (c) => c.json(c.get('auth').sub))
 */
import type { Context, MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { checkClaims, requireAnyScope as anyScope, requireClaim as claim, requirePermissions as permissions, requireScopes as scopes, type ClaimCheck } from '../checks.js'
import type { AccessTokenClaims } from '../claims.js'
import { BearerError, IssuerError } from '../errors.js'
import { errorResponse } from '../response.js'
import { toVerifier, type Verifier, type VerifierInput } from '../verifier.js'

/** The environment of routes behind `auth()`: `c.get('auth')` is the verified claims. */
export interface AuthEnv {
  Variables: { auth: AccessTokenClaims }
}

function answer(c: Context, err: unknown): Response {
  const response = errorResponse(err)
  if (response === undefined) throw err
  if (err instanceof IssuerError) throw new HTTPException(503, { res: c.json(response.body, response.status, response.headers), cause: err })
  return c.json(response.body, response.status, response.headers)
}

export function auth(input: VerifierInput, ...checks: readonly ClaimCheck[]): MiddlewareHandler<AuthEnv> & { readonly verifier: Verifier } {
  const verifier = toVerifier(input)
  const latchkeyAuth: MiddlewareHandler<AuthEnv> = async (c, next) => {
    let claims: AccessTokenClaims
    try {
      claims = await verifier.authenticate({ authorization: c.req.header('authorization'), url: c.req.url, method: c.req.method, dpop: c.req.header('dpop') }, ...checks)
    } catch (err) {
      return answer(c, err)
    }
    c.set('auth', claims)
    await next()
  }
  return Object.assign(latchkeyAuth, { verifier })
}

function guard(check: ClaimCheck): MiddlewareHandler<AuthEnv> {
  return async function latchkeyCheck(c, next) {
    const claims = c.get('auth') as AccessTokenClaims | undefined
    if (!claims) throw new Error('@latchkey/resource-server: use auth() before requireScopes(), requireAnyScope(), requirePermissions() or requireClaim()')
    try {
      checkClaims(claims, check)
    } catch (err) {
      if (err instanceof BearerError) return answer(c, err)
      throw err
    }
    await next()
  }
}

/** All of the scopes (403 `insufficient_scope` otherwise). */
export const requireScopes = (...required: string[]): MiddlewareHandler<AuthEnv> => guard(scopes(...required))
/** At least one of the scopes. */
export const requireAnyScope = (...accepted: string[]): MiddlewareHandler<AuthEnv> => guard(anyScope(...accepted))
/** All of the permissions in the token's `permissions` claim (403 `insufficient_scope` otherwise). */
export const requirePermissions = (...required: string[]): MiddlewareHandler<AuthEnv> => guard(permissions(...required))
/** A claim's value (see `requireClaim` in the main module). */
export const requireClaim = (...args: Parameters<typeof claim>): MiddlewareHandler<AuthEnv> => guard(claim(...args))
