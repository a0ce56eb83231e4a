/**
 * What the protocol logic needs from storage, and nothing more (fosite's lesson: storage interfaces
 * belong to the code that uses them). `@latchkey/storage` implements wider repos that extend these.
 * Every time is epoch milliseconds.
 */
import type {
  ApiRecord,
  ApplicationRecord,
  AuthorizationCodeRecord,
  ConnectionRecord,
  InvitationRecord,
  OrganizationRecord,
  ClientGrantRecord,
  RefreshTokenRecord,
  UserRecord,
} from './records.js'

/** A code just consumed, with its user as the same statement read it (null: the user is gone). */
export interface ConsumedCode {
  readonly code: AuthorizationCodeRecord
  readonly user: UserRecord | null
}

export interface CodePort {
  /**
   * Atomically marks the code consumed and returns it with its user, to exactly one caller, and only
   * while unconsumed, before `expiresAt` and issued to `clientId` (RFC 6749 §4.1.3: another client
   * cannot even burn it). Every other caller gets null and leaves the code as it was.
   */
  consume(codeHash: string, clientId: string, now: number): Promise<ConsumedCode | null>
  /** The record whatever its state: used to recognise a replayed code. */
  findByHash(codeHash: string): Promise<AuthorizationCodeRecord | null>
}

export type RotateOutcome =
  /** The token was active; it is now rotated out and the caller owns the rotation. With its user, read by the same statement (null: gone). */
  | { readonly outcome: 'rotated'; readonly token: RefreshTokenRecord; readonly user: UserRecord | null }
  /** Already rotated out, but within the reuse interval and its grant is alive: allowed once more. */
  | { readonly outcome: 'reuse-allowed'; readonly token: RefreshTokenRecord }
  /** Already rotated out, beyond the reuse interval: a replay. The caller revokes the grant. */
  | { readonly outcome: 'reuse-detected'; readonly token: RefreshTokenRecord }
  /** Unknown, revoked or expired. */
  | { readonly outcome: 'invalid' }
  /** Issued to another client, or bound to a DPoP key the request did not prove (rotate with a binding): left as it was. */
  | { readonly outcome: 'unbound'; readonly token: RefreshTokenRecord }

/** What a non-rotating use of a refresh token found (see RefreshTokenPort.use). */
export type UseOutcome =
  /** Live and bound to the caller: used, with its idle expiry slid; with its user (null: gone). */
  | { readonly outcome: 'used'; readonly token: RefreshTokenRecord; readonly user: UserRecord | null }
  /** Unknown, revoked, rotated out or expired. */
  | { readonly outcome: 'invalid' }
  /** Issued to another client, or bound to a DPoP key the request did not prove: left as it was. */
  | { readonly outcome: 'unbound'; readonly token: RefreshTokenRecord }

/** Who may rotate a token: the client it was issued to, proving the DPoP key it is bound to, if any. */
export interface RotationBinding {
  readonly clientId: string
  /** The thumbprint of the request's DPoP proof key; null without a proof. */
  readonly dpopJkt: string | null
}

export interface RefreshTokenPort {
  /**
   * Saves a new token. Returns false, and stores it revoked, when its grant was revoked before or
   * while it was saved (a replay racing the redemption that issued it).
   */
  insert(record: RefreshTokenRecord): Promise<boolean>
  /**
   * Atomic rotation: marks an active, unexpired token rotated and reports `rotated` to exactly one
   * caller. A token rotated less than `reuseIntervalMs` ago (and whose grant is alive) reports
   * `reuse-allowed`; an older rotation reports `reuse-detected`. With a `binding`, the same
   * statement also applies grants/refresh-token-binding.ts (the client's token, with its DPoP key's
   * proof when bound); a token it refuses reports `unbound`, whatever its state, and stays as it was
   * (one round trip where a lookup and a rotation took two).
   */
  rotate(tokenHash: string, now: number, reuseIntervalMs: number, binding?: RotationBinding): Promise<RotateOutcome>
  /**
   * A non-rotating refresh (Auth0's `rotation_type: non-rotating`): in one statement, checks that the
   * token is live (not rotated out, not revoked, before its idle and grant expiry) and bound to
   * `binding` as rotate does, and, with an `idleLifetimeMs`, slides its idle expiry to `now` plus it
   * (never past the grant's). Any number of callers may use the same token at once; each gets `used`.
   */
  use(tokenHash: string, now: number, idleLifetimeMs: number | null, binding: RotationBinding): Promise<UseOutcome>
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | null>
  /**
   * Revokes the grant: every refresh token issued from it (one authorization code and its
   * rotations), those saved later (see insert), and its access tokens at /userinfo. Returns how many
   * refresh tokens were not revoked before.
   */
  revokeGrant(grantId: string, now: number): Promise<number>
}

/** One-time use of a key (a DPoP proof's `jti`), shared by every node through the store. */
export interface ReplayGuardPort {
  /**
   * Atomically records `key` as used until `expiresAt`. Returns true to exactly one caller while
   * the key is recorded and unexpired at `now`; every other caller gets false.
   */
  use(key: string, now: number, expiresAt: number): Promise<boolean>
}

export interface ApiLookupPort {
  findByIdentifier(identifier: string): Promise<ApiRecord | null>
}

export interface UserLookupPort {
  get(id: string): Promise<UserRecord | null>
}

export interface ApplicationLookupPort {
  get(clientId: string): Promise<ApplicationRecord | null>
}

/** Organizations as /authorize and the grants see them. */
export interface OrganizationLookupPort {
  get(id: string): Promise<OrganizationRecord | null>
  /** By name, case-insensitively. */
  findByName(name: string): Promise<OrganizationRecord | null>
  isMember(orgId: string, userId: string): Promise<boolean>
  /** Whether the connection (by id) is enabled for the organization: a login to it may use it. */
  connectionEnabled(orgId: string, connectionId: string): Promise<boolean>
}

/** Connections as /authorize sees them (`connection=`). */
export interface ConnectionLookupPort {
  findByName(name: string): Promise<ConnectionRecord | null>
}

export interface InvitationLookupPort {
  get(id: string): Promise<InvitationRecord | null>
  /** The invitation whatever its state (expired, consumed), so /authorize can say which. */
  findByTicketHash(ticketHash: string): Promise<InvitationRecord | null>
}

export interface ClientGrantLookupPort {
  /** The grant of one application for one API (audience compared exactly), or null. */
  find(clientId: string, audience: string): Promise<ClientGrantRecord | null>
}

/** What a user may do with an API (authorization/rbac.ts). */
export interface PermissionLookupPort {
  /**
   * The names of the permissions `userId` has for the API `apiIdentifier`: given directly, through
   * their roles, and through their roles within `orgId` (when they log in to an organization).
   */
  effective(userId: string, apiIdentifier: string, orgId: string | null): Promise<readonly string[]>
}

/** The slice of the store the token endpoint's grants use. */
export interface GrantStore {
  readonly authorizationCodes: CodePort
  readonly refreshTokens: RefreshTokenPort
  readonly apis: ApiLookupPort
  readonly users: UserLookupPort
  readonly organizations: OrganizationLookupPort
  readonly clientGrants: ClientGrantLookupPort
  readonly permissions: PermissionLookupPort
}
