/**
 * Express (4 and 5): `auth(options)` verifies the token and sets `req.auth` to its claims;
 * `requireScopes`, `requireAnyScope`, `requirePermissions` and `requireClaim` check them. Errors
 * are answered here as JSON with the RFC 6750 status and `WWW-Authenticate`; an unreachable issuer
 * goes to `next(err)` (an `IssuerError`, whose `status` is 503).
 *
 *   app.get('/api/appointments', auth({ issuer, audience }), requireScopes('read:appointments'), handler)
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { checkClaims, requireAnyScope as anyScope, requireClaim as claim, requirePermissions as permissions, requireScopes as scopes, type ClaimCheck } from '../checks.js'
import type { AccessTokenClaims } from '../claims.js'
import { BearerError } from '../errors.js'
import { toVerifier, type Verifier, type VerifierInput } from '../verifier.js'

declare global {
  namespace Express {
    interface Request {
      /** The verified access token's claims, set by `auth()`. */
      auth?: AccessTokenClaims
    }
  }
}

function send(res: Response, err: BearerError): void {
  res.status(err.status).set({ 'WWW-Authenticate': err.wwwAuthenticate, 'Cache-Control': 'no-store' }).json(err.toJSON())
}

export interface AuthMiddleware extends RequestHandler {
  readonly verifier: Verifier
}

export function auth(input: VerifierInput, ...checks: readonly ClaimCheck[]): AuthMiddleware {
  const verifier = toVerifier(input)
  function latchkeyAuth(req: Request, res: Response, next: NextFunction): void {
    const url = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`
    verifier.authenticate({ authorization: req.headers.authorization, url, method: req.method, dpop: req.headers.dpop }, ...checks).then(
      (claims) => {
        req.auth = claims
        next()
      },
      (err: unknown) => (err instanceof BearerError ? send(res, err) : next(err)),
    )
  }
  return Object.assign(latchkeyAuth, { verifier })
}

function guard(check: ClaimCheck): RequestHandler {
  return function latchkeyCheck(req, res, next) {
    if (!req.auth) return next(new Error('@latchkey/resource-server: use auth() before requireScopes(), requireAnyScope(), requirePermissions() or requireClaim()'))
    try {
      checkClaims(req.auth, check)
    } catch (err) {
      return err instanceof BearerError ? send(res, err) : next(err)
    }
    next()
  }
}

/** All of the scopes (403 `insufficient_scope` otherwise). */
export const requireScopes = (...required: string[]): RequestHandler => guard(scopes(...required))
/** At least one of the scopes. */
export const requireAnyScope = (...accepted: string[]): RequestHandler => guard(anyScope(...accepted))
/** All of the permissions in the token's `permissions` claim (403 `insufficient_scope` otherwise). */
export const requirePermissions = (...required: string[]): RequestHandler => guard(permissions(...required))
/** A claim's value (see `requireClaim` in the main module). */
export const requireClaim = (...args: Parameters<typeof claim>): RequestHandler => guard(claim(...args))
