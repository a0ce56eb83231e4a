/**
 * POST /oauth/token (RFC 6749 §3.2, §5) as one pipeline over a request read once
 * (token-request.ts), with no HTTP framework in it, so that Hono's route and the hot-path server
 * serve the very same code:
 *
 *   limits → grant type → client authentication → the client may use the grant → DPoP proof
 *   (RFC 9449 §5: checked before the grant, so a bad one never burns a code) → the grant's own
 *   parameters → the grant → audit from what the grant did → the answer, with the facts of the
 *   request's one log line (client, grant type, error).
 *
 * Every error, from any step, becomes its answer in one place (http/json-answer.ts).
 */
import { grantActions } from '../actions/run-triggers.js'
import { grants, UnauthorizedClient } from '@latchkey/core'
import type { Deps } from '../deps.js'
import { dpopEndpoints } from '../dpop/proofs.js'
import { authenticateClient, clientAuthContext } from '../http/client-auth.js'
import { errorAnswer, type JsonAnswer, jsonAnswer, withLogFields } from '../http/json-answer.js'
import type { TokenAdmission } from '../rate-limits/token-admission.js'
import { tokenIssuedEvent, tokenRefusedEvent } from './token-audit.js'
import { presentedRefreshToken, readGrant, type TokenRequest } from './token-request.js'

export type TokenEndpoint = (request: TokenRequest) => Promise<JsonAnswer>

export function tokenEndpoint(deps: Deps): TokenEndpoint {
  const auth = clientAuthContext(deps)
  const dpop = dpopEndpoints(deps)
  const signingKey = deps.keys.signingKey.bind(deps.keys)

  return async function answerTokenRequest(request) {
    let admission: TokenAdmission | undefined
    let clientId: string | undefined
    try {
      admission = await deps.limits.admitToken({ ip: request.origin.ip ?? 'unknown', clientId: request.client.claimedId, refreshToken: presentedRefreshToken(request) })
      const { type, grant } = readGrant(request)
      const { client } = await authenticateClient(auth, request.client, 'oauth/token')
      clientId = client.clientId
      if (!(client.grantTypes as readonly string[]).includes(type)) throw new UnauthorizedClient(`The application is not allowed the ${type} grant.`)
      const proof = await dpop.verifyProof(request.dpopProof, 'POST', 'oauth/token')
      const run = grant.read(request.params)
      const result = await run({ client, store: deps.store, issuer: deps.config.issuer, clock: deps.clock, signingKey, dpop: proof, actions: grantActions(deps, request.origin) })
      await deps.audit.recordFrom(request.origin, tokenIssuedEvent(type, client.clientId, result))
      await admission.settle(null)
      const answer = jsonAnswer(result.response, proof?.nextNonce !== undefined ? { ...admission.headers, 'DPoP-Nonce': proof.nextNonce } : admission.headers)
      return withLogFields(answer, { client_id: client.clientId, grant_type: type, refresh: result.response.refresh_token !== undefined })
    } catch (err) {
      const { error, answer } = errorAnswer(err, { log: deps.log, where: 'token', ...(admission ? { headers: admission.headers } : {}) })
      await admission?.settle(error)
      await deps.audit.recordFrom(request.origin, tokenRefusedEvent(request, clientId, err, error))
      // The grant type only when it is one this server serves: the request's own value could be anything.
      const grantType = request.grantType !== undefined && grants.has(request.grantType) ? request.grantType : undefined
      return withLogFields(answer, { ...(clientId ? { client_id: clientId } : {}), ...(grantType ? { grant_type: grantType } : {}), error: error.error })
    }
  }
}
