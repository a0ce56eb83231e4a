/**
 * GET|POST /userinfo (OIDC Core §5.3): the user's claims by the token's scope. Tokens come as
 * Bearer (the header, or a form-encoded POST body's `access_token`: RFC 6750 §2.2), or as DPoP with a
 * proof when they are bound to a DPoP key (RFC 9449 §7, dpop/presented-token.ts).
 *
 * A valid signature is not enough: the user must still exist and not be blocked, and the grant the
 * token came from (its `grant_id`) must not have been revoked: a replayed authorization code
 * (RFC 6749 §4.1.2), a reused refresh token, `/oauth/revoke` of its refresh token, the user's tokens
 * revoked. Both are read on every call, in one statement (`users.getWithGrant`), also for a token
 * the verified-token cache knows, so a revocation is seen on the next call.
 *
 * Like the token endpoint, it takes a request read once and returns an answer, with no HTTP
 * framework in it: Hono's route (routes/userinfo.ts) and the hot path (http/hot-path.ts) serve it.
 */
import { InvalidRequest, InvalidToken, profileClaims, type RawParams, type UserRecord } from '@latchkey/core'
import type { JWTPayload } from 'jose'
import type { Deps } from '../deps.js'
import { checkSenderConstraint, type PresentedToken, presentedToken, schemeOf } from '../dpop/presented-token.js'
import { verifyUserinfoToken } from '../http/bearer.js'
import { errorAnswer, type JsonAnswer, jsonAnswer } from '../http/json-answer.js'
import { bodyParams, mediaType } from '../http/read-params.js'

export interface UserinfoRequest {
  readonly method: string
  readonly authorization: string | undefined
  /** The `DPoP` header. */
  readonly dpop: string | undefined
  /** A form-encoded POST body's parameters; null for any other request. */
  readonly form: RawParams | null
}

/** The token's user, unless they are gone or blocked, or the token's grant was revoked. */
async function currentUser(deps: Deps, payload: JWTPayload): Promise<UserRecord> {
  const sub = payload.sub as string
  // Tokens from before `grant_id` existed have nothing to check beyond the user; they expire on their own.
  const grantId = typeof payload.grant_id === 'string' ? payload.grant_id : null
  const found = grantId === null ? { user: await deps.store.users.get(sub), grantRevoked: false } : await deps.store.users.getWithGrant(sub, grantId)
  if (!found?.user || found.user.blocked) throw new InvalidToken('The user no longer exists or is blocked.')
  if (found.grantRevoked) throw new InvalidToken('The access token has been revoked.')
  return found.user
}

/**
 * The token as presented: the Authorization header, or (RFC 6750 §2.2) a form-encoded POST body's
 * `access_token` (mod_auth_openidc sends it so); never both (§3.1), never the query string.
 */
function presentedFor(request: UserinfoRequest): PresentedToken {
  const values = request.form?.get('access_token')
  if (values === undefined) return presentedToken(request.authorization)
  if (request.authorization !== undefined) throw new InvalidRequest('Send the access token one way only: the Authorization header or the request body.')
  if (values.length > 1) throw new InvalidRequest('Parameter "access_token" is repeated.')
  const token = values[0] as string
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) throw new InvalidRequest('access_token is not an access token.')
  return { scheme: 'Bearer', token }
}

/** What both HTTP layers hand over: the request's method and headers, and a way to read its body. */
export interface UserinfoHttpRequest {
  readonly method: string
  readonly authorization: string | undefined
  readonly contentType: string | undefined
  readonly dpop: string | undefined
  /** The body's text (read only for a form-encoded POST). */
  readonly text: () => Promise<string>
}

/** Reads the request (a form-encoded POST's body only) and answers it; an unreadable body is answered too. */
export function userinfoEndpoint(deps: Deps): (http: UserinfoHttpRequest) => Promise<JsonAnswer> {
  const answer = userinfoAnswer(deps)
  return async function readAndAnswer(http) {
    let form: RawParams | null = null
    if (http.method === 'POST' && mediaType(http.contentType) === 'application/x-www-form-urlencoded') {
      try {
        form = await bodyParams(http.contentType, http.text, { json: false })
      } catch (err) {
        const resource = { realm: deps.config.issuer, scheme: schemeOf(http.authorization) }
        return errorAnswer(err, { log: deps.log, where: 'userinfo', resource }).answer
      }
    }
    return answer({ method: http.method, authorization: http.authorization, dpop: http.dpop, form })
  }
}

function userinfoAnswer(deps: Deps): (request: UserinfoRequest) => Promise<JsonAnswer> {
  return async function answerUserinfo(request) {
    try {
      const presented = presentedFor(request)
      const payload = await verifyUserinfoToken(deps, presented.token)
      const proof = await checkSenderConstraint(deps, presented, payload, { method: request.method, proof: request.dpop })
      const user = await currentUser(deps, payload)
      const scope = typeof payload.scope === 'string' ? payload.scope.split(' ') : []
      return jsonAnswer({ sub: user.id, ...profileClaims(user, scope) }, proof?.nextNonce !== undefined ? { 'DPoP-Nonce': proof.nextNonce } : {})
    } catch (err) {
      const resource = { realm: deps.config.issuer, scheme: schemeOf(request.authorization) }
      return errorAnswer(err, { log: deps.log, where: 'userinfo', resource }).answer
    }
  }
}
