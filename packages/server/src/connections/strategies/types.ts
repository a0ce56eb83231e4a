/**
 * The one interface every upstream strategy implements (oidc, google-oauth2, github, oauth2; SAML
 * can join later as another file), and what crosses it.
 *
 * A login through a connection is two calls around the browser's trip to the provider:
 *
 *   const { url, pending } = await strategy.begin(conn, { redirectUri })   // keep `pending` server-side
 *   … 302 to `url`; the provider sends the browser back to redirectUri?code&state …
 *   const profile = await strategy.complete(conn, pending, callbackUrl)    // once per pending
 *   const userId = strategy.userId(conn.name, profile)                     // Auth0's id shape
 *
 * begin/complete throw only the three UpstreamError classes (errors.ts); parseOptions throws
 * ConnectionOptionsError.
 */
import type { UpstreamProfile } from './profile.js'

export type UpstreamStrategyName = 'oidc' | 'google-oauth2' | 'github' | 'oauth2'

/**
 * What a strategy needs of a connection: a narrow view of the ConnectionRecord, with the client
 * secret already unsealed by the caller (never stored or logged by the strategies).
 */
export interface UpstreamConnection {
  readonly name: string
  readonly strategy: string
  /** Auth0's `options` as stored (a `client_secret` in them is ignored). */
  readonly options: Readonly<Record<string, unknown>>
  /** The upstream client secret in plaintext; null for a public (PKCE-only) registration. */
  readonly clientSecret: string | null
}

export interface BeginParams {
  /** Where the provider sends the browser back: `{issuer}login/callback`. Sent again at the code exchange. */
  readonly redirectUri: string
  /** Passed on as `login_hint` (oidc, google-oauth2). */
  readonly loginHint?: string | null
  /** `login`: ask the provider to authenticate the user again (oidc, google-oauth2; GitHub: `prompt=select_account`). */
  readonly prompt?: 'login' | null
  /** Passed on as `max_age` (oidc, google-oauth2); complete() then requires the ID token's `auth_time` within it. */
  readonly maxAge?: number | null
}

/**
 * What the login transaction keeps between begin and complete: server-side only (the `state` is the
 * only part that travels, in the provider's URL). JSON-serialisable. Use it once: delete it (or move
 * the transaction on) before or as complete() runs, so a replayed callback finds nothing.
 */
export interface PendingUpstream {
  readonly connection: string
  readonly strategy: UpstreamStrategyName
  /** 32 random bytes, base64url: the callback's `state` must be exactly this. Look the transaction up by it. */
  readonly state: string
  /** The ID token's expected `nonce` (OpenID strategies); null otherwise. */
  readonly nonce: string | null
  /** The PKCE verifier (S256), sent at the code exchange. */
  readonly codeVerifier: string
  readonly redirectUri: string
  /** The `max_age` sent, checked against the ID token's `auth_time`; null when none was sent. */
  readonly maxAge: number | null
}

export interface BeginResult {
  /** The provider's authorization URL to redirect the browser to. */
  readonly url: string
  readonly pending: PendingUpstream
}

/** Auth0's `identities[]` entry for an upstream account (without profileData). */
export interface UpstreamIdentity {
  /** The strategy (`oidc`, `google-oauth2`, `github`, `oauth2`). */
  readonly provider: UpstreamStrategyName
  /** Auth0's `identities[].user_id`: `{connection}|{sub}` (oidc), `{connection}|{id}` (oauth2), `{sub}` (google-oauth2), `{id}` (github). */
  readonly userId: string
  readonly connection: string
  readonly isSocial: boolean
}

export interface EndSessionParams {
  /** Where the provider should send the browser after logging out (must be registered there). */
  readonly postLogoutRedirectUri?: string | null
  readonly state?: string | null
  /** The upstream ID token, when the caller kept it (it is not part of the profile). */
  readonly idTokenHint?: string | null
}

export interface Strategy<Options = unknown> {
  readonly strategy: UpstreamStrategyName
  /** Auth0's `isSocial` for the identities of this strategy. */
  readonly isSocial: boolean
  /** Whether a connection of this strategy needs a client secret (`optional`: a public PKCE-only registration may do). */
  readonly clientSecret: 'required' | 'optional'
  /** Checks Auth0-shaped options; returns them normalised, or throws ConnectionOptionsError. */
  parseOptions(options: unknown): Options
  /** Auth0's identity for the account. */
  identity(connectionName: string, profile: UpstreamProfile): UpstreamIdentity
  /** Auth0's user id: `{provider}|{identity.userId}`, e.g. `oidc|{connection}|{sub}`, `google-oauth2|{sub}`, `github|{id}`, `oauth2|{connection}|{id}`. */
  userId(connectionName: string, profile: UpstreamProfile): string
  begin(conn: UpstreamConnection, params: BeginParams): Promise<BeginResult>
  /** `callback`: the callback request's URL (or its query); runs every check, then reads the profile. */
  complete(conn: UpstreamConnection, pending: PendingUpstream, callback: URL | URLSearchParams): Promise<UpstreamProfile>
  /** oidc only: the provider's end_session_endpoint with the logout parameters, or null when it has none. */
  endSessionUrl?(conn: UpstreamConnection, params: EndSessionParams): Promise<string | null>
}
