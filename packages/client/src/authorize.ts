/**
 * The authorization request (RFC 6749 §4.1.1, RFC 7636, OpenID Connect Core §3.1.2.1, plus Auth0's
 * `audience`, `organization`, `invitation` and `screen_hint`). State, nonce and verifier are kept in
 * the storage under the state, so several logins can be in flight at once.
 */
import * as oauth from 'oauth4webapi'
import { withOpenid } from './config.js'
import type { Context } from './context.js'
import { DiscoveryError, InvalidArgumentError } from './errors.js'
import { challengeFor, createVerifier } from './pkce.js'
import { TRANSACTION_TTL_MS } from './session-store.js'

export interface AuthorizeOptions {
  /** The API the access token is for. Default: the client's `audience`. */
  readonly audience?: string
  /** Default: the client's `scope`. `openid` is always included. */
  readonly scope?: string
  /** Default: 32 random bytes, base64url. A pending login with the same state is replaced. */
  readonly state?: string
  /** Default: 32 random bytes, base64url. */
  readonly nonce?: string
  /** Default: the client's `redirectUri`. */
  readonly redirectUri?: string
  /** An organization id (`org_...`) or name. */
  readonly organization?: string
  /** An organization invitation id. */
  readonly invitation?: string
  /** `none`, `login`, `consent` or `select_account` (space-separated). */
  readonly prompt?: string
  /** Seconds; the ID token's `auth_time` is then required and checked. */
  readonly maxAge?: number
  readonly loginHint?: string
  /** `login` or `signup`. */
  readonly screenHint?: string
  /** Any other authorization parameters. They cannot replace the ones above. */
  readonly extra?: Readonly<Record<string, string>>
  /** Any JSON value, kept with the transaction and returned by `handleCallback` (e.g. the page to return to). */
  readonly appState?: unknown
}

const RESERVED = new Set([
  'client_id', 'response_type', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method',
  'audience', 'organization', 'invitation', 'prompt', 'max_age', 'login_hint', 'screen_hint', 'response_mode',
  'request', 'request_uri',
])

function optional(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '') throw new InvalidArgumentError(`${name} must be a non-empty string`)
  return value
}

export async function buildAuthorizeUrl(ctx: Context, o: AuthorizeOptions = {}): Promise<string> {
  const { config, protocol, store } = ctx
  const audience = optional('audience', o.audience) ?? config.audience
  const scope = withOpenid(optional('scope', o.scope) ?? config.scope)
  const state = optional('state', o.state) ?? oauth.generateRandomState()
  const nonce = optional('nonce', o.nonce) ?? oauth.generateRandomNonce()
  const redirectUri = optional('redirectUri', o.redirectUri) ?? config.redirectUri
  if (o.maxAge !== undefined && (!Number.isInteger(o.maxAge) || o.maxAge < 0)) throw new InvalidArgumentError('maxAge must be an integer >= 0')
  if (o.appState !== undefined && JSON.stringify(o.appState) === undefined) throw new InvalidArgumentError('appState must be JSON-serializable')
  const extra = Object.entries(o.extra ?? {})
  for (const [name, value] of extra) {
    if (RESERVED.has(name)) throw new InvalidArgumentError(`extra cannot set "${name}"; use its option`)
    if (typeof value !== 'string') throw new InvalidArgumentError(`extra.${name} must be a string`)
  }

  const as = await protocol.server()
  if (!as.authorization_endpoint) throw new DiscoveryError('the discovery document has no authorization_endpoint')
  const verifier = createVerifier()
  const url = new URL(as.authorization_endpoint)
  const params: [string, string | undefined][] = [
    ['client_id', config.clientId],
    ['response_type', 'code'],
    ['redirect_uri', redirectUri],
    ['scope', scope],
    ['state', state],
    ['nonce', nonce],
    ['code_challenge', await challengeFor(verifier)],
    ['code_challenge_method', 'S256'],
    // RFC 9449 §10: with DPoP, the code is bound to the app's key.
    ['dpop_jkt', config.dpop ? await (await config.dpop.handle()).calculateThumbprint() : undefined],
    ['audience', audience],
    ['organization', optional('organization', o.organization)],
    ['invitation', optional('invitation', o.invitation)],
    ['prompt', optional('prompt', o.prompt)],
    ['max_age', o.maxAge?.toString()],
    ['login_hint', optional('loginHint', o.loginHint)],
    ['screen_hint', optional('screenHint', o.screenHint)],
    ...extra,
  ]
  for (const [name, value] of params) if (value !== undefined) url.searchParams.set(name, value)

  await store.saveTransaction({
    state,
    nonce,
    verifier,
    redirectUri,
    scope,
    expiresAt: config.clock.now() + TRANSACTION_TTL_MS,
    ...(audience !== undefined ? { audience } : {}),
    ...(o.maxAge !== undefined ? { maxAge: o.maxAge } : {}),
    ...(o.appState !== undefined ? { appState: o.appState } : {}),
  })
  return url.href
}
