/**
 * Fastify 5: `auth(options)` is a hook (`preHandler`, or `onRequest` to refuse before the body is
 * parsed) that verifies the token and sets `request.auth`; `requireScopes`, `requireAnyScope`,
 * `requirePermissions` and `requireClaim` are hooks that check it. Or register the `latchkeyAuth`
 * plugin to protect every route of the scope it is registered in (as an `onRequest` hook). Errors
 * are answered as JSON with the RFC 6750 status and `WWW-Authenticate`; an unreachable issuer is
 * thrown (an `IssuerError`, whose `statusCode` is 503) to Fastify's error handler.
 *
 *   app.get('/api/appointments', { preHandler: [auth({ issuer, audience }), requireScopes('read:appointments')] }, handler)
 */
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import { checkClaims, requireAnyScope as anyScope, requireClaim as claim, requirePermissions as permissions, requireScopes as scopes, type ClaimCheck } from '../checks.js'
import type { AccessTokenClaims } from '../claims.js'
import { BearerError } from '../errors.js'
import type { VerifierOptions } from '../options.js'
import { toVerifier, type Verifier, type VerifierInput } from '../verifier.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token's claims, set by `auth()` or the `latchkeyAuth` plugin. */
    auth?: AccessTokenClaims
  }
}

export type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>

function send(reply: FastifyReply, err: BearerError): FastifyReply {
  return reply.code(err.status).headers({ 'WWW-Authenticate': err.wwwAuthenticate, 'Cache-Control': 'no-store' }).send(err.toJSON())
}

export function auth(input: VerifierInput, ...checks: readonly ClaimCheck[]): Hook & { readonly verifier: Verifier } {
  const verifier = toVerifier(input)
  async function latchkeyAuth(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    try {
      const url = `${request.protocol}://${request.host}${request.url}`
      request.auth = await verifier.authenticate({ authorization: request.headers.authorization, url, method: request.method, dpop: request.headers.dpop }, ...checks)
      return undefined
    } catch (err) {
      if (err instanceof BearerError) return send(reply, err)
      throw err
    }
  }
  return Object.assign(latchkeyAuth, { verifier })
}

function guard(check: ClaimCheck): Hook {
  return async function latchkeyCheck(request, reply) {
    if (!request.auth) throw new Error('@latchkey/resource-server: use auth() before requireScopes(), requireAnyScope(), requirePermissions() or requireClaim()')
    try {
      checkClaims(request.auth, check)
      return undefined
    } catch (err) {
      if (err instanceof BearerError) return send(reply, err)
      throw err
    }
  }
}

/** All of the scopes (403 `insufficient_scope` otherwise). */
export const requireScopes = (...required: string[]): Hook => guard(scopes(...required))
/** At least one of the scopes. */
export const requireAnyScope = (...accepted: string[]): Hook => guard(anyScope(...accepted))
/** All of the permissions in the token's `permissions` claim (403 `insufficient_scope` otherwise). */
export const requirePermissions = (...required: string[]): Hook => guard(permissions(...required))
/** A claim's value (see `requireClaim` in the main module). */
export const requireClaim = (...args: Parameters<typeof claim>): Hook => guard(claim(...args))

export type LatchkeyAuthOptions = VerifierOptions | { readonly verifier: Verifier }

/**
 * Protects every route of the scope it is registered in (it is not encapsulated, like a
 * fastify-plugin plugin): `app.register(async (api) => { await api.register(latchkeyAuth, options); api.get(…) })`.
 */
export const latchkeyAuth: FastifyPluginCallback<LatchkeyAuthOptions> = Object.assign(
  function latchkeyAuth(fastify: Parameters<FastifyPluginCallback<LatchkeyAuthOptions>>[0], options: LatchkeyAuthOptions, done: (err?: Error) => void) {
    if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined)
    fastify.addHook('onRequest', auth('verifier' in options ? options.verifier : options))
    done()
  },
  { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@latchkey/resource-server' },
)
