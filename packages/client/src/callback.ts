/**
 * The redirect back to the app: the transaction named by `state`, the authorization response
 * (`iss` per RFC 9207, `state`, `error`), the code exchange with the verifier, and the ID token
 * (`iss`, `aud`, `exp`, `nonce`, `auth_time` with `max_age`): all checked by oauth4webapi.
 */
import * as oauth from 'oauth4webapi'
import { userFromClaims, type User } from './claims.js'
import type { Context } from './context.js'
import { dpopOption, withNonceRetry } from './dpop.js'
import { InvalidArgumentError, InvalidStateError, ResponseValidationError } from './errors.js'
import { translate } from './protocol.js'
import { tokenSetFrom, type Claims } from './session-store.js'

export interface CallbackResult {
  /** The ID token's claims without the protocol ones. */
  readonly user: User
  /** What was passed as `appState` to `buildAuthorizeUrl`. */
  readonly appState?: unknown
  /** How the user authenticated (the ID token's RFC 8176 `amr`: `pwd`, `otp`, `mfa`…; empty when it says nothing) and the `acr` satisfied (set when `acr_values` asked): check them after a step-up. */
  readonly amr: readonly string[]
  readonly acr: string | null
}

export async function handleCallback(ctx: Context, input: string | URL): Promise<CallbackResult> {
  const { config, protocol, store } = ctx
  let url: URL
  try {
    url = new URL(input)
  } catch (cause) {
    throw new InvalidArgumentError('the callback URL must be an absolute URL', { cause })
  }
  const state = url.searchParams.get('state')
  if (state === null) throw new InvalidStateError('the callback URL has no state parameter')
  const as = await protocol.server()
  const tx = await store.takeTransaction(state)
  if (!tx) throw new InvalidStateError('no pending login has this state (unknown, already completed or expired)')

  const client = protocol.client()
  let response: oauth.TokenEndpointResponse
  try {
    const params = oauth.validateAuthResponse(as, client, url.searchParams, tx.state)
    const http = { ...protocol.http(), ...(await dpopOption(config.dpop)) }
    response = await withNonceRetry(async () => {
      const res = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, tx.redirectUri, tx.verifier, http)
      return oauth.processAuthorizationCodeResponse(as, client, res, {
        expectedNonce: tx.nonce,
        maxAge: tx.maxAge ?? oauth.skipAuthTimeCheck,
        requireIdToken: true,
      })
    })
  } catch (err) {
    throw translate(err)
  }
  const claims = oauth.getValidatedIdTokenClaims(response) as Claims | undefined
  if (!claims || response.id_token === undefined) throw new ResponseValidationError('the token response has no ID token')

  const previous = await store.session()
  if (previous && previous.claims.sub !== claims.sub) await store.clearSession(previous)
  const keep = previous && previous.claims.sub === claims.sub ? previous.audiences : []
  const audience = tx.audience ?? null
  await store.saveTokens(audience, tokenSetFrom(response, config.clock.now()))
  await store.saveSession({ idToken: response.id_token, claims, audiences: [...new Set([...keep, audience])] })
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string') : []
  const acr = typeof claims.acr === 'string' ? claims.acr : null
  return { user: userFromClaims(claims), amr, acr, ...(tx.appState !== undefined ? { appState: tx.appState } : {}) }
}
