/**
 * The records Latchkey keeps. Plain, readonly data: the storage package persists them, the protocol
 * logic in this package reads them. Times are epoch milliseconds; secrets appear only as SHA-256
 * hashes (base64url), passwords only as argon2id PHC strings.
 */
import type { JWK } from 'jose'
import type { TokenChanges } from './actions/commands.js'
import type { ActionTrigger } from './actions/triggers.js'

export type AppType = 'spa' | 'native' | 'regular_web' | 'non_interactive'
export type TokenEndpointAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic' | 'private_key_jwt'
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials'
/** `deny`: organizations are not used; `allow`: optional; `require`: every login names one. */
export type OrganizationUsage = 'deny' | 'allow' | 'require'
/** `no_prompt`: a login without an organization fails; `pre_login_prompt`: the user is asked its name. */
export type OrganizationRequireBehavior = 'no_prompt' | 'pre_login_prompt'

/** Auth0's `refresh_token.rotation_type`: a new token at every use, or the same one kept. */
export type RefreshTokenRotation = 'rotating' | 'non-rotating'
/** Auth0's `refresh_token.expiration_type`: non-expiring tokens have neither lifetime. */
export type RefreshTokenExpiration = 'expiring' | 'non-expiring'

/**
 * An application's refresh tokens, Auth0's `refresh_token` object field for field. The lifetimes
 * are kept as configured even when a switch turns them off (Auth0 returns them so); which ones apply
 * is grants/refresh-token-policy.ts.
 */
export interface RefreshTokenPolicy {
  readonly rotation: RefreshTokenRotation
  readonly expiration: RefreshTokenExpiration
  /** Seconds within which the immediately previous, rotated-out token may be used again (tabs racing). */
  readonly reuseIntervalSeconds: number
  /** Seconds a refresh token stays valid without being used. */
  readonly idleLifetimeSeconds: number
  /** Seconds the refresh tokens of one grant live at most, counted from the login that started it. */
  readonly absoluteLifetimeSeconds: number
  /** Auth0's `infinite_idle_token_lifetime`: no idle expiry, whatever idleLifetimeSeconds says. */
  readonly infiniteIdleLifetime: boolean
  /** Auth0's `infinite_token_lifetime`: no absolute expiry, whatever absoluteLifetimeSeconds says. */
  readonly infiniteAbsoluteLifetime: boolean
}

export interface ApplicationRecord {
  readonly clientId: string
  readonly name: string
  readonly appType: AppType
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod
  /** SHA-256 (base64url) of the client secret; null for public clients and `private_key_jwt`. */
  readonly clientSecretHash: string | null
  /**
   * The public keys a `private_key_jwt` client signs its assertions with (RFC 7523 §2.2); absent for
   * every other method. Never a private part (see registration/client-jwks.ts).
   */
  readonly jwks?: ClientJwks
  readonly callbacks: readonly string[]
  readonly allowedLogoutUrls: readonly string[]
  readonly webOrigins: readonly string[]
  readonly allowedOrigins: readonly string[]
  readonly grantTypes: readonly GrantType[]
  /** First-party apps may skip consent for APIs that allow it; third-party apps always see consent. */
  readonly isFirstParty: boolean
  readonly refreshToken: RefreshTokenPolicy
  /** Auth0's "Type of Users": whether /authorize takes an `organization` (see OrganizationUsage). */
  readonly organizationUsage: OrganizationUsage
  /** With usage `require` and no `organization` given: an error, or a page asking for its name. */
  readonly organizationRequireBehavior: OrganizationRequireBehavior
  /**
   * Auth0's "Application Login URI" (`initiate_login_uri`): where invitation links send people.
   * Null: the origin of the first callback.
   */
  readonly initiateLoginUri: string | null
  /** Auth0's `jwt_configuration.alg`: what its ID tokens are signed with; absent: RS256 (what Auth0's SDKs expect). */
  readonly idTokenAlg?: SigningKeyAlg
  /** Who this app's users are asked for a second factor (issue 15); absent or null: the deployment's policy. */
  readonly mfaPolicy?: MfaPolicy | null
  readonly createdAt: number
  readonly updatedAt: number
}

/** A client's public JSON Web Key Set (RFC 7517 §5). */
export interface ClientJwks {
  readonly keys: readonly JWK[]
}

/**
 * A client grant (Auth0's `client-grant`): an application may obtain access tokens for one API
 * with the client_credentials grant, limited to these scopes. One per application and API.
 */
export interface ClientGrantRecord {
  /** `cgr_` and 16 random characters, as Auth0's ids. */
  readonly id: string
  readonly clientId: string
  /** The API identifier. */
  readonly audience: string
  /** Scopes of the API the application may request; a subset of the API's scopes. */
  readonly scope: readonly string[]
  readonly createdAt: number
  readonly updatedAt: number
}

export interface ApiScope {
  readonly value: string
  readonly description: string
}

/** Auth0's token dialects. Latchkey's access tokens always follow RFC 9068; `_authz` adds `permissions`. */
export const TOKEN_DIALECTS = ['access_token', 'access_token_authz', 'rfc9068_profile', 'rfc9068_profile_authz'] as const
export type TokenDialect = (typeof TOKEN_DIALECTS)[number]

export interface ApiRecord {
  readonly id: string
  readonly name: string
  /** The audience: compared as an exact string (`https://x` differs from `https://x/`). */
  readonly identifier: string
  readonly scopes: readonly ApiScope[]
  readonly allowOfflineAccess: boolean
  /** Access-token lifetime in seconds. */
  readonly tokenLifetime: number
  readonly skipConsentForFirstParty: boolean
  /** Auth0's `signing_alg`: what its access tokens are signed with. */
  readonly signingAlg: SigningKeyAlg
  /**
   * Auth0's `enforce_policies` ("Enable RBAC"): a user's access token carries only the requested
   * scopes their roles and direct permissions allow (authorization/rbac.ts).
   */
  readonly enforcePolicies: boolean
  /** Auth0's `token_dialect`: the `_authz` dialects add a `permissions` claim to users' access tokens. */
  readonly tokenDialect: TokenDialect
  /**
   * Latchkey's own API (the Management API, `{issuer}api/v2/`): kept by the server at every start,
   * never changed or deleted by hand. Absent or false for every API people register.
   */
  readonly isSystem?: boolean
  readonly createdAt: number
  readonly updatedAt: number
}

export interface UserRecord {
  /**
   * The `sub`: `auth0|<24 hex>` for users of the database connection (Auth0's shape); for users
   * whose first login came through an upstream connection, Auth0's shape for its strategy
   * (`oidc|{connection}|{sub}`, `google-oauth2|{sub}`, `github|{id}`, `oauth2|{connection}|{id}`).
   */
  readonly id: string
  /**
   * Lower-cased (see email.ts). Unique among the users of the database connection only: users of
   * different connections may share an address and stay different users.
   */
  readonly email: string
  readonly emailVerified: boolean
  readonly name: string | null
  readonly nickname: string | null
  readonly picture: string | null
  /** Auth0's `given_name` and `family_name` (absent or null: none). */
  readonly givenName?: string | null
  readonly familyName?: string | null
  /** Auth0's `user_metadata`: what the user may see and change (preferences). Absent: empty. */
  readonly userMetadata?: Readonly<Record<string, unknown>>
  /** Auth0's `app_metadata`: what applications keep about the user (plan, roles). Absent: empty. */
  readonly appMetadata?: Readonly<Record<string, unknown>>
  /** argon2id PHC string; null for users without a password (those of upstream connections), who never log in with one. */
  readonly passwordHash: string | null
  /**
   * The name of the user's primary connection (Auth0's `identities[0].connection`):
   * `Username-Password-Authentication` for users of the database connection. Never changes.
   */
  readonly connection: string
  readonly blocked: boolean
  readonly lastLoginAt: number | null
  /** Logins so far (Auth0's `logins_count`); absent: none counted. */
  readonly loginsCount?: number
  readonly createdAt: number
  readonly updatedAt: number
}

export interface SsoSessionRecord {
  /** SHA-256 of the opaque cookie value. */
  readonly idHash: string
  /** Public session id: the ID token's `sid`. Not a secret. */
  readonly sid: string
  readonly userId: string
  /** Epoch ms of the authentication event (`auth_time`). */
  readonly authTime: number
  readonly createdAt: number
  /** Sliding idle expiry. */
  readonly idleExpiresAt: number
  /** Absolute expiry. */
  readonly expiresAt: number
  readonly endedAt: number | null
  /** The upstream connection the user logged in through (for federated logout), or null. */
  readonly upstream: SessionUpstream | null
  /** How the user authenticated in this session (RFC 8176 `amr`: `pwd`, `fed`, `otp`, `mfa`…); absent: `pwd` (sessions from before it was kept). */
  readonly amr?: readonly string[]
  /** The browser of the login that started the session (absent: sessions from before it was kept). */
  readonly device?: SessionDevice
  /** When the browser last came back to the session (written as the idle expiry slides, so to the minute); absent: never since it started, or kept from before. */
  readonly lastInteractedAt?: number
}

/** The user agent and IP address of the request that started a session; null when it had none. */
export interface SessionDevice {
  readonly userAgent: string | null
  readonly ip: string | null
}

/** What a session keeps of the upstream login that started it: enough to end the session there too. */
export interface SessionUpstream {
  readonly connectionId: string
  /** The upstream ID token (its `id_token_hint` at the provider's end_session_endpoint), sealed with the key-encryption key; null when the strategy has none. */
  readonly sealedIdToken: string | null
}

/** The parameters of an accepted /authorize request, kept while the user logs in and consents. */
export interface AuthorizationRequest {
  readonly clientId: string
  readonly redirectUri: string
  /** Whether the app sent redirect_uri (then the token request must repeat it). */
  readonly redirectUriProvided: boolean
  readonly responseMode: 'query' | 'fragment' | 'form_post' | 'web_message'
  readonly scope: readonly string[]
  /** API identifier, or null for tokens good at /userinfo only. */
  readonly audience: string | null
  readonly state: string | null
  readonly nonce: string | null
  readonly codeChallenge: string | null
  readonly codeChallengeMethod: 'S256' | null
  readonly prompt: readonly ('none' | 'login' | 'consent' | 'select_account')[]
  /** Seconds, or null. */
  readonly maxAge: number | null
  readonly loginHint: string | null
  readonly screenHint: string | null
  /** The organization's id (`org_…`), resolved from the id or name the app sent. */
  readonly organization: string | null
  /** The invitation's id (`uinv_…`) once its ticket was checked: never the ticket itself. */
  readonly invitation: string | null
  /** RFC 9449 §10: the thumbprint of the key the code will be redeemed with (absent: unbound). */
  readonly dpopJkt?: string
  /** Auth0's `connection=`: the upstream connection (by name) to log in with, skipping the login page. Absent: none. */
  readonly connection?: string | null
  /** `acr_values` as sent (space-separated; Auth0's multi-factor value asks for a second factor: a step-up). Absent: none. */
  readonly acrValues?: string | null
}

/**
 * Where a login transaction stands: the page the user was last sent to, and so the only page whose
 * form it accepts (see authorize/interaction-step.ts).
 */
export type InteractionStep = 'organization' | 'login' | 'upstream' | 'link' | 'mfa' | 'mfa_enroll' | 'consent'

/**
 * A login through an upstream connection in progress: the browser is at the provider. `sealed` is what
 * the strategy keeps between its two calls (state, nonce, PKCE verifier), sealed with the
 * key-encryption key; the store finds the transaction by the SHA-256 of the `state` the provider
 * sends back.
 */
export interface UpstreamAttempt {
  readonly connectionId: string
  readonly stateHash: string
  readonly sealed: string
  readonly startedAt: number
}

/**
 * An upstream account waiting to be linked to an existing user (a connection with
 * `options.link_existing_accounts`): its first login found a user with the same verified email, who
 * must now prove that account within this transaction before the upstream account joins it. `sealed`
 * holds what the upstream login returned (the identity and profile), sealed with the key-encryption key.
 */
export interface PendingLink {
  /** The existing user the account would join. */
  readonly userId: string
  /** The connection of the upstream account. */
  readonly connectionId: string
  readonly sealed: string
}

export interface InteractionRecord {
  /** Random id, carried in the page URL. */
  readonly id: string
  /** SHA-256 of the per-interaction anti-CSRF token, bound to the interaction cookie. */
  readonly csrfHash: string
  /** The step the transaction is at: its pages answer only there. */
  readonly step: InteractionStep
  readonly request: AuthorizationRequest
  /** Set once the user has authenticated within this interaction. */
  readonly userId: string | null
  readonly sessionSid: string | null
  readonly authTime: number | null
  /** The upstream login under way (at the `upstream` step); absent or null otherwise. */
  readonly upstream?: UpstreamAttempt | null
  /** The upstream account waiting to be linked (at the `link` step, and at `upstream` when the proof is another login through a connection); absent or null otherwise. */
  readonly link?: PendingLink | null
  readonly createdAt: number
  readonly expiresAt: number
}

export interface ConsentRecord {
  readonly userId: string
  readonly clientId: string
  /** API identifier, or '' for the OpenID scopes alone. */
  readonly audience: string
  readonly scopes: readonly string[]
  readonly createdAt: number
  readonly updatedAt: number
}

export interface AuthorizationCodeRecord {
  readonly codeHash: string
  /** Groups everything issued from this code, so a replay can revoke it. */
  readonly grantId: string
  readonly clientId: string
  readonly userId: string
  readonly redirectUri: string
  readonly redirectUriProvided: boolean
  readonly scope: readonly string[]
  readonly audience: string | null
  readonly codeChallenge: string | null
  readonly codeChallengeMethod: 'S256' | null
  readonly nonce: string | null
  readonly authTime: number
  readonly sid: string | null
  /** The id of the organization the user logged in to: its tokens carry `org_id` and `org_name`. */
  readonly organization: string | null
  readonly createdAt: number
  readonly expiresAt: number
  readonly consumedAt: number | null
  /** RFC 9449 §10: only a DPoP proof with this key thumbprint may redeem the code (absent: unbound). */
  readonly dpopJkt?: string
  /** The session's `amr` when the code was issued (the ID token's claim); absent: none. */
  readonly amr?: readonly string[]
  /** The `acr` satisfied, when `acr_values` was requested; absent: none. */
  readonly acr?: string
  /** What the post-login actions changed in the tokens this code is exchanged for; absent: nothing. */
  readonly tokenChanges?: TokenChanges
}

export interface RefreshTokenRecord {
  readonly tokenHash: string
  /**
   * The grant: the authorization code the first token of the chain was issued for. Every token
   * rotated from it keeps it (RFC 9700 §4.14.2's refresh token family is the grant's tokens), and its
   * access tokens carry it as `grant_id`, so one revocation of the grant ends them all.
   */
  readonly grantId: string
  readonly clientId: string
  readonly userId: string
  readonly scope: readonly string[]
  readonly audience: string | null
  readonly authTime: number
  readonly sid: string | null
  /** The id of the organization the user logged in to: its tokens carry `org_id` and `org_name`. */
  readonly organization: string | null
  readonly createdAt: number
  /** Idle expiry of this token; NEVER_EXPIRES (grants/refresh-token-policy.ts) when it has none. */
  readonly expiresAt: number
  /** Absolute expiry of the grant's refresh tokens: rotation never extends it. NEVER_EXPIRES when it has none. */
  readonly grantExpiresAt: number
  readonly rotatedAt: number | null
  readonly revokedAt: number | null
  /**
   * RFC 9449 §5: a public client's token issued with a DPoP proof is bound to that key's thumbprint
   * (absent: unbound); every token rotated from it keeps it.
   */
  readonly dpopJkt?: string
  /** The login's `amr` and `acr` (from the code), which every refresh keeps; absent: none. */
  readonly amr?: readonly string[]
  readonly acr?: string
}

/** The JWS algorithms Latchkey signs tokens with (see keys/keyset.ts). */
export type SigningKeyAlg = 'RS256' | 'ES256' | 'EdDSA'

export interface SigningKeyRecord {
  readonly kid: string
  readonly alg: SigningKeyAlg
  /** Public JWK as JSON text. */
  readonly publicJwk: string
  /**
   * Private JWK, encrypted at rest: a compact JWE naming its key-encryption key (see the server's
   * keys/key-encryption.ts); plain JSON text only in databases from before encryption, sealed at start.
   */
  readonly privateJwk: string
  readonly createdAt: number
  /** When the key starts signing. It is published in the JWKS from createdAt. */
  readonly activatesAt: number
}

/**
 * An organization (Auth0's Organizations): a business customer whose members log in to it, with
 * `org_id` and `org_name` in their tokens.
 */
export interface OrganizationRecord {
  /** `org_` and 16 letters or digits. */
  readonly id: string
  /** Unique; lower-case letters, digits, `-` and `_` (3–50), never starting with `org_`. */
  readonly name: string
  /** What the login page shows; null: the name. */
  readonly displayName: string | null
  readonly branding: OrganizationBranding | null
  /** Up to 25 string values, as Auth0 allows. */
  readonly metadata: Readonly<Record<string, string>>
  readonly createdAt: number
  readonly updatedAt: number
}

export interface OrganizationBranding {
  /** https URL of the logo. */
  readonly logoUrl?: string
  /** `#rrggbb` */
  readonly primaryColor?: string
  /** `#rrggbb` */
  readonly pageBackgroundColor?: string
}

/** A user's membership of an organization, with the role names given to them there. */
/** An npm package an action names (Auth0's `dependencies`); Latchkey loads it from the deployment's node_modules. */
export interface ActionDependency {
  readonly name: string
  readonly version: string
}

/** What runs when an action is bound to its trigger: the code and secrets as last deployed. */
export interface DeployedAction {
  /** 1, 2, …: one more at each deploy. */
  readonly version: number
  readonly code: string
  /** The secrets' values, sealed with the key-encryption key; null when there are none. */
  readonly sealedSecrets: string | null
  readonly deployedAt: number
}

/** An Auth0 Action: a draft that changes freely, and the version last deployed, which is what runs. */
export interface ActionRecord {
  /** A UUID, as Auth0's action ids. */
  readonly id: string
  /** Unique among actions. */
  readonly name: string
  readonly trigger: ActionTrigger
  readonly code: string
  readonly dependencies: readonly ActionDependency[]
  /** The draft's secret names (their values are in `sealedSecrets`, never shown again). */
  readonly secretNames: readonly string[]
  readonly sealedSecrets: string | null
  /**
   * What a run that throws, times out or runs out of memory does (Latchkey's, not Auth0's): `deny`
   * ends the login with access_denied naming the action (the default, Auth0's behaviour); `skip` logs
   * the failure and goes on as if the action had done nothing. Absent: `deny`.
   */
  readonly onFailure?: 'deny' | 'skip'
  readonly deployed: DeployedAction | null
  readonly createdAt: number
  readonly updatedAt: number
}

/** An Auth0 role: a named set of permissions given to users, or to members within an organization. */
export interface RoleRecord {
  /** `rol_` and 16 letters and digits, as Auth0's. */
  readonly id: string
  /** Unique among roles. */
  readonly name: string
  readonly description: string
  readonly createdAt: number
  readonly updatedAt: number
}

/** A permission: one scope of one API (Auth0's `resource_server_identifier` and `permission_name`). */
export interface Permission {
  readonly apiIdentifier: string
  readonly name: string
}

/** Where a user's permission comes from: given directly, or through a role (Auth0's `sources`). */
export type PermissionSource = { readonly type: 'DIRECT' } | { readonly type: 'ROLE'; readonly roleId: string; readonly roleName: string }

export interface UserPermission extends Permission {
  readonly sources: readonly PermissionSource[]
}

export interface OrganizationMemberRecord {
  readonly orgId: string
  readonly userId: string
  /** The ids of the roles the member has within the organization (RoleRecord ids). */
  readonly roles: readonly string[]
  readonly createdAt: number
}

/**
 * An invitation to join an organization through one application. The ticket travels in the link;
 * only its SHA-256 is kept. It is consumed once, atomically, when the invitee logs in or signs up.
 */
export interface InvitationRecord {
  /** `uinv_` and 16 letters or digits. */
  readonly id: string
  readonly orgId: string
  /** The application whose login URI the link points to, and the only one it may be accepted through. */
  readonly clientId: string
  readonly inviterName: string
  /** Lower-cased. */
  readonly inviteeEmail: string
  /** Role names the invitee gets on joining. */
  readonly roles: readonly string[]
  /** SHA-256 (base64url) of the ticket. */
  readonly ticketHash: string
  readonly createdAt: number
  readonly expiresAt: number
  readonly consumedAt: number | null
}

/** Auth0's connection strategies that Latchkey implements (`auth0` is the database connection). */
export type ConnectionStrategy = 'auth0' | 'oidc' | 'google-oauth2' | 'github' | 'oauth2'

/**
 * A connection (Auth0's): a way users log in, enabled per application. The database connection
 * (`Username-Password-Authentication`, strategy `auth0`) is one too; the others send the user to an
 * upstream identity provider.
 */
export interface ConnectionRecord {
  /** `con_` and 16 letters or digits. */
  readonly id: string
  /** Unique, compared exactly; letters, digits and `-` (not first or last), at most 128. Never changes. */
  readonly name: string
  /** What the login page's button says; null: the name. */
  readonly displayName: string | null
  readonly strategy: ConnectionStrategy
  /** Auth0's `options` (a JSON object), without the client secret. */
  readonly options: Readonly<Record<string, unknown>>
  /**
   * The upstream client secret sealed by the server with the key-encryption key (a compact JWE);
   * null: none. The store never sees the plaintext.
   */
  readonly sealedClientSecret: string | null
  /** The client ids of the applications it is enabled for (kept in their own table). */
  readonly enabledClients: readonly string[]
  /** Auth0's `is_domain_connection`. */
  readonly isDomainConnection: boolean
  /** At most 10 string values, as Auth0 allows. */
  readonly metadata: Readonly<Record<string, string>>
  readonly createdAt: number
  readonly updatedAt: number
}

/**
 * One way a user logs in through an upstream connection (Auth0's `identities[]` entry); the
 * database connection's password is not one (it is the user record's). An upstream account is the
 * identity of at most one user.
 */
export interface IdentityRecord {
  /** The Latchkey user (`sub`) it belongs to. */
  readonly userId: string
  readonly connectionId: string
  /** Auth0's `provider`: the connection's strategy. */
  readonly provider: ConnectionStrategy
  /** Auth0's `identities[].user_id`: the account's id at the upstream (the OIDC `sub`, GitHub's numeric id as a string). */
  readonly providerUserId: string
  /** Auth0's `isSocial`: true for social strategies (google-oauth2, github), false for enterprise ones. */
  readonly isSocial: boolean
  /** The last profile the provider sent (Auth0's `identities[].profileData`), refreshed at each login. */
  readonly profileData: Readonly<Record<string, unknown>>
  readonly createdAt: number
  readonly updatedAt: number
}

/**
 * Auth0's email template names for the emails Latchkey sends (issue 14): address verification,
 * password reset, the notice after a password change, an organization invitation, and the welcome.
 */
export type EmailTemplateName = 'verify_email' | 'reset_email' | 'password_changed' | 'user_invitation' | 'welcome_email'

/**
 * An email's state in the outbox: `pending` (waiting for its next attempt), `sending` (claimed by one
 * node until `lockedUntil`), `sent`, or `failed` (gave up after its last attempt).
 */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed'

/**
 * An email in the durable outbox: written in the same request that decided to send it, delivered by
 * the outbox worker with retries. The rendered message (it may hold a single-use link) is sealed with
 * the key-encryption key and dropped once the email is sent or has failed for good.
 */
export interface OutboxEmailRecord {
  /** `em_` + random. */
  readonly id: string
  readonly template: EmailTemplateName
  /** The recipient's address. */
  readonly to: string
  /** The user it is about, when there is one (deleting the user deletes their pending emails). */
  readonly userId: string | null
  /** JSON `{ subject, text, html }`, sealed; null once sent or failed for good. */
  readonly sealedMessage: string | null
  readonly status: OutboxStatus
  /** Attempts started so far; the claim that starts attempt n sets it to n (and only its holder may settle it). */
  readonly attempts: number
  /** When it may be (re)tried. */
  readonly nextAttemptAt: number
  /** While `sending`: when the claim lapses and another node may take it over. */
  readonly lockedUntil: number | null
  /** The last delivery error, short and without secrets. */
  readonly lastError: string | null
  readonly createdAt: number
  readonly sentAt: number | null
}

/** What a ticket lets its holder do once: verify an address, or choose a new password. */
export type TicketKind = 'email_verification' | 'password_reset'

/**
 * A single-use ticket sent by email (Auth0's tickets): only the SHA-256 of its random value is
 * stored; the value travels in the link alone.
 */
export interface TicketRecord {
  /** SHA-256 (base64url) of the ticket value. */
  readonly idHash: string
  readonly kind: TicketKind
  readonly userId: string
  /** The address the ticket was issued for: verifying checks it is still the user's. */
  readonly email: string
  /** The application it was asked for (its name in the email; where to continue), or null. */
  readonly clientId: string | null
  /** Where to send the user afterwards (Auth0's `result_url`), or null. */
  readonly resultUrl: string | null
  readonly createdAt: number
  readonly expiresAt: number
  readonly usedAt: number | null
}

/**
 * Auth0's authentication-method types that Latchkey keeps per user (issue 15): a TOTP app, a
 * WebAuthn security key or platform authenticator used as a second factor, and a passkey (a
 * discoverable WebAuthn credential that also signs in on its own). Recovery codes are kept apart
 * (RecoveryCodeRecord) and listed by the Management API as one `recovery-code` method.
 */
export type AuthenticatorType = 'totp' | 'webauthn-roaming' | 'webauthn-platform' | 'passkey'

/** A WebAuthn credential as @simplewebauthn/server verifies it. */
export interface WebAuthnCredential {
  /** The credential id, base64url. Unique across users. */
  readonly credentialId: string
  /** The COSE public key, base64url. */
  readonly publicKey: string
  /** The signature counter last seen (0 for authenticators that do not count). */
  readonly counter: number
  readonly transports: readonly string[]
  /** `multiDevice`: a synced passkey; `singleDevice`: bound to one authenticator. */
  readonly deviceType: 'singleDevice' | 'multiDevice'
  readonly backedUp: boolean
  /** The authenticator model's AAGUID, when it told one. */
  readonly aaguid: string | null
}

export interface AuthenticatorRecord {
  /** Auth0's shape: `{type}|dev_{random}` (e.g. `totp|dev_3kP9…`). */
  readonly id: string
  readonly userId: string
  readonly type: AuthenticatorType
  /** What the user called it ("YubiKey 5", "iPhone"), or null. */
  readonly name: string | null
  /** False while enrolment waits for its first code or assertion; unconfirmed ones never count as a factor. */
  readonly confirmed: boolean
  /** TOTP: the shared secret (base32), sealed with the key-encryption key; null otherwise. */
  readonly sealedSecret: string | null
  /** TOTP: the last accepted 30-second time step; a code of that step or an earlier one is refused (replay). */
  readonly lastUsedStep: number | null
  /** WebAuthn and passkeys: the credential; null for TOTP. */
  readonly credential: WebAuthnCredential | null
  readonly createdAt: number
  readonly lastUsedAt: number | null
}

/** One of a user's ten recovery codes: only its SHA-256 is kept, and it is used once. */
export interface RecoveryCodeRecord {
  readonly userId: string
  readonly codeHash: string
  readonly createdAt: number
  readonly usedAt: number | null
}

/** Who is asked for a second factor (issue 15): nobody, the enrolled, or everyone (enrolling first). */
export type MfaPolicy = 'never' | 'optional' | 'always'
