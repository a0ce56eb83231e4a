/**
 * The store contract: one interface per aggregate, spoken in domain verbs. SQLite and PostgreSQL
 * implement it with the same Kysely code, and `test/contract.ts` is the one suite both must pass.
 *
 * Rules: every time is epoch milliseconds passed in by the caller (never read from the clock here);
 * secrets arrive already hashed; records go in and come out as plain objects (JSON columns are
 * (de)serialised inside the repos); each verb documents its atomicity.
 */
import type {
  ApiRecord,
  ActionRecord,
  ApplicationRecord,
  AuditEventRecord,
  AuthorizationCodeRecord,
  AuthorizationRequest,
  ClientGrantRecord,
  ClientJwks,
  ConnectionRecord,
  ConsentRecord,
  IdentityRecord,
  InteractionRecord,
  InteractionStep,
  InvitationRecord,
  OrganizationMemberRecord,
  OrganizationRecord,
  Permission,
  RoleRecord,
  UserPermission,
  SigningKeyRecord,
  SsoSessionRecord,
  AuthenticatorRecord,
  OutboxEmailRecord,
  OutboxStatus,
  PendingLink,
  TicketKind,
  TicketRecord,
  UpstreamAttempt,
  UserRecord,
  UserSearch,
} from '@latchkey/core'
import type {
  ApiLookupPort,
  ApplicationLookupPort,
  ClientGrantLookupPort,
  CodePort,
  InvitationLookupPort,
  OrganizationLookupPort,
  PermissionLookupPort,
  ReplayGuardPort,
  RefreshTokenPort,
  UserLookupPort,
} from '@latchkey/core'

/** Lists come oldest first (creation time, then id), so pages are stable. */
export interface Page {
  /** Zero-based page number; 0 by default. */
  readonly page?: number
  /** 50 by default, at most 100. */
  readonly perPage?: number
}

/** Thrown when a unique value (email, API identifier, client id, kid) is already taken. */
export class ConflictError extends Error {
  readonly code = 'ERR_CONFLICT'
  constructor(message: string) {
    super(message)
    this.name = 'ConflictError'
  }
}

/** `jwks: null` removes the application's public keys (it left `private_key_jwt`). */
export type ApplicationPatch = Partial<Omit<ApplicationRecord, 'clientId' | 'createdAt' | 'jwks'>> & { readonly jwks?: ClientJwks | null }
export type ApiPatch = Partial<Omit<ApiRecord, 'id' | 'identifier' | 'createdAt'>>
/** A user's id, primary connection and creation time never change. */
export type UserPatch = Partial<Omit<UserRecord, 'id' | 'connection' | 'createdAt'>>

/**
 * One user of a bulk import (Auth0's users-imports format, planned by core's planUserImport): the
 * record to insert when no user matches, what an upsert changes on the one that does, and the
 * upstream identities and TOTP authenticators to add (their `userId` is the matched or inserted
 * user's, whatever they carry). `idGiven`: the file named the user_id (else `user.id` is new and the
 * match is by email or identity only).
 */
export interface UserImport {
  readonly user: UserRecord
  readonly idGiven: boolean
  readonly changes: UserPatch
  readonly identities: readonly Omit<IdentityRecord, 'userId' | 'createdAt' | 'updatedAt'>[]
  readonly authenticators: readonly AuthenticatorRecord[]
  /**
   * A stored password hash starting with this (the server's own argon2id: proved at a login, or set
   * in Latchkey) is the user's current password and is never replaced by an upsert's hash, so a
   * re-run never brings back an old password. Absent: an upsert's hash always replaces.
   */
  readonly ownHashPrefix?: string
}

/**
 * What importing one user did: inserted it, updated it (upsert), found it already as the file says
 * (upsert, nothing to change), or nothing: a `duplicate` (it exists and upsert is off: Auth0's
 * DUPLICATED_USER) or a `conflict` (it cannot be the user the file describes: another connection,
 * another user_id or email, an upstream account of another user).
 */
export type UserImportResult =
  | { readonly status: 'inserted' | 'updated' | 'unchanged'; readonly user: UserRecord }
  | { readonly status: 'duplicate' | 'conflict'; readonly message: string }

export interface ApplicationRepo extends ApplicationLookupPort {
  /**
   * Inserts the app and enables the database connection (Username-Password-Authentication) for it,
   * as Auth0 does for new apps, in one transaction. Throws ConflictError when the client id is taken.
   */
  insert(record: ApplicationRecord): Promise<void>
  /** Oldest first. */
  list(page?: Page): Promise<ApplicationRecord[]>
  count(): Promise<number>
  /** Returns the updated record, or null when there is none. */
  update(clientId: string, patch: ApplicationPatch): Promise<ApplicationRecord | null>
  /**
   * Deletes the app and everything issued to it (codes, refresh tokens, consents, interactions) or
   * granted to it (client grants, invitations, the connections enabled for it), in one transaction.
   */
  delete(clientId: string): Promise<boolean>
}

export interface ApiRepo extends ApiLookupPort {
  /** Throws ConflictError when the identifier is taken. */
  insert(record: ApiRecord): Promise<void>
  get(id: string): Promise<ApiRecord | null>
  list(page?: Page): Promise<ApiRecord[]>
  count(): Promise<number>
  update(id: string, patch: ApiPatch): Promise<ApiRecord | null>
  /** Deletes the API, the client grants for it and the permissions of its scopes (roles' and users'), in one transaction. */
  delete(id: string): Promise<boolean>
  /** The longest access-token lifetime of any API, in seconds (0 when there is none). */
  maxTokenLifetime(): Promise<number>
  /** The system API (Latchkey's Management API), or null before the server first started. */
  findSystem(): Promise<ApiRecord | null>
  /**
   * Changes an API's identifier and the audience of its client grants, in one transaction (the
   * server does this for the system API when the issuer changed). Throws ConflictError when the
   * identifier is taken; null when there is no such API.
   */
  changeIdentifier(id: string, identifier: string, now: number): Promise<ApiRecord | null>
}

export interface UserWithGrant {
  readonly user: UserRecord
  /** The grant (or its refresh-token family) has been revoked: nothing issued from it may be honoured. */
  readonly grantRevoked: boolean
}

/**
 * The users of the database connection during a move from another system: all of them, those whose
 * first login the old tenant checked (trickle migration), those whose stored hash does not begin
 * with `currentHashPrefix` (an imported hash, replaced at their next login), and those without a
 * password (imported without a hash; trickle migration or a password reset gives them one).
 */
export interface MigrationProgress {
  readonly total: number
  readonly migrated: number
  readonly pendingRehash: number
  readonly withoutPassword: number
}

/** Which users to list or count. */
export interface UserFilter {
  /** The name of their primary connection. */
  readonly connection?: string
}

export interface UserRepo extends UserLookupPort {
  /**
   * Throws ConflictError when the id is taken, or when a user of the database connection has the
   * (normalised) email of another user of the database connection. Users of other connections may
   * share an address with anyone.
   */
  insert(record: UserRecord): Promise<void>
  /**
   * The user of the database connection (Username-Password-Authentication) with this email, what the
   * password login asks; normalised as normalizeEmail does. Users of other connections are never found.
   */
  findByEmail(email: string): Promise<UserRecord | null>
  /** Every user with this email, whatever their connection, oldest first (at most 100). Normalised as findByEmail. */
  listByEmail(email: string): Promise<UserRecord[]>
  /** A login completed: `last_login_at` set and `logins_count` incremented, in one statement. Null when there is no such user. */
  recordLogin(id: string, now: number): Promise<UserRecord | null>
  /** How many users logged in at or after `since` (their last login), counted in SQL: Auth0's active users. */
  countLoggedInSince(since: number): Promise<number>
  /**
   * The user, and whether the grant `grantId` has been revoked (a revocation marker of the grant, or
   * of the refresh-token family of that id: see RefreshTokenRepo), read in one statement: what
   * /userinfo checks on every call. Null when there is no such user.
   */
  getWithGrant(id: string, grantId: string): Promise<UserWithGrant | null>
  /** Oldest first (creation time, then id); `Page` as elsewhere. `connection`: only the users whose primary connection it is (indexed). */
  list(filter?: UserFilter & Page): Promise<UserRecord[]>
  /**
   * The users matching every term of `search` (core's parseUserSearch: each term any of its fields,
   * equal to or starting with its value), one page of them oldest first (creation time, then id) and
   * how many match in all. `email`, `name`, `given_name`, `family_name` and `nickname` compare
   * case-insensitively (SQLite folds ASCII letters only), `user_id` always whole and case-sensitive;
   * `%`, `_` and `\` in a value are plain characters. Answered from indexes (migration 0026).
   */
  search(search: UserSearch, options?: UserFilter & Page): Promise<{ items: UserRecord[]; total: number }>
  count(filter?: UserFilter): Promise<number>
  /** Throws ConflictError when a new email is taken (among users of the database connection, as insert). */
  update(id: string, patch: UserPatch): Promise<UserRecord | null>
  /**
   * Imports one user with its identities and authenticators in one transaction (never half-written).
   * The existing user is the one with `user.id` (when given), else the database connection's user
   * with its email, else the owner of one of its upstream accounts. None: inserted. One, without
   * `upsert`: `duplicate`, nothing changed. With `upsert`: the changes that differ are written,
   * identities and authenticators (by id) not yet there are added; a user's id and connection never
   * change, nor a database user's email (`conflict` when the entry says otherwise; an upstream user's
   * email is their provider's, refreshed at each login, and is left as it is). The same entry
   * imported twice with upsert is `unchanged` the second time. Authenticator ids are the caller's
   * (stable per entry).
   */
  importUser(entry: UserImport, options: { readonly upsert: boolean; readonly now: number }): Promise<UserImportResult>
  /**
   * Trickle migration: saves the user whose first login here the old tenant checked, marked
   * migrated (`migrated_at`), in one transaction. No user of the database connection has its email:
   * inserted as given. One has it without a password (imported without a hash): completed with the
   * password hash, `email_verified` if the old tenant says so, and the profile fields it lacks,
   * keeping its id. One has a password already (another login got there first), or the id is taken:
   * null, nothing changed. A concurrent insert of the same email: ConflictError, nothing changed.
   */
  saveMigrated(user: UserRecord, now: number): Promise<UserRecord | null>
  /** The database connection's users as a migration sees them, counted in one query (see MigrationProgress). */
  migrationProgress(currentHashPrefix: string): Promise<MigrationProgress>
  /**
   * Deletes the user and everything issued to them (sessions, interactions, consents, codes, refresh
   * tokens, email tickets), their memberships, their identities, the emails about them not yet
   * sent (pending, sending or failed; sent ones, which hold no message, stay until swept), their
   * authenticators, recovery codes and remembered-browser revocation, in one transaction.
   */
  delete(id: string): Promise<boolean>
}

/** Which connections to list or count; every condition given must hold. */
export interface ConnectionFilter {
  /** Any of these strategies (an empty list matches nothing). */
  readonly strategy?: readonly string[]
  /** The name, compared exactly. */
  readonly name?: string
}

/**
 * What an update may change; `enabledClients`, when given, replaces the whole set. The name and
 * strategy never change (Auth0's rule): users and identities name the connection.
 */
export type ConnectionPatch = Partial<Omit<ConnectionRecord, 'id' | 'name' | 'strategy' | 'createdAt'>>

/** A connection as the login page reads it: everything but the list of applications it is enabled for. */
export type EnabledConnection = Omit<ConnectionRecord, 'enabledClients'>

/** A connection's sealed upstream client secret, for re-encryption. */
export interface SealedConnectionSecret {
  readonly id: string
  readonly sealedClientSecret: string
}

/**
 * Connections (Auth0's): the database connection and the upstream identity providers, and which
 * applications each is enabled for (a row per connection and client id, `connection_clients`).
 */
export interface ConnectionRepo {
  /**
   * Inserts the connection and its enabled clients, in one transaction. Throws ConflictError when
   * the name (or id) is taken. Client ids are not checked against the applications (the caller's).
   */
  insert(record: ConnectionRecord): Promise<void>
  get(id: string): Promise<ConnectionRecord | null>
  findByName(name: string): Promise<ConnectionRecord | null>
  /** Oldest first (creation time, then id); `Page` as elsewhere. */
  list(filter?: ConnectionFilter & Page): Promise<ConnectionRecord[]>
  count(filter?: ConnectionFilter): Promise<number>
  /**
   * Changes the fields given (`enabledClients` replacing the set), in one transaction. Returns the
   * updated record, or null when there is none.
   */
  update(id: string, patch: ConnectionPatch): Promise<ConnectionRecord | null>
  /**
   * Deletes the connection with its enablements, its identities, and the users whose primary
   * connection it is (with everything users.delete removes for them), in one transaction. Users of
   * other connections who had linked an identity of this one keep their accounts.
   */
  delete(id: string): Promise<boolean>
  /**
   * The connections enabled for an application, oldest first, in one indexed query: what the login
   * page asks on every view (and `/authorize?connection=`).
   */
  enabledFor(clientId: string): Promise<EnabledConnection[]>
  /**
   * Enables or disables the connection for an application (one statement, idempotent). Returns
   * whether anything changed; false too when there is no such connection.
   */
  setEnabled(connectionId: string, clientId: string, enabled: boolean): Promise<boolean>
  /** The client ids it is enabled for, by client id (Auth0's GET /connections/{id}/clients: checkpoint paging). */
  listClients(connectionId: string, checkpoint?: Checkpoint): Promise<CheckpointPage<string>>
  /** Every sealed upstream client secret (for `latchkey keys reencrypt`). */
  sealedSecrets(): Promise<SealedConnectionSecret[]>
  /**
   * Atomically replaces the sealed client secret of connection `id` with `replacement` if it still
   * equals `expected` (compare-and-set, for re-encrypting it in place). False when the connection
   * is gone or its secret changed meanwhile.
   */
  replaceSealedClientSecret(id: string, expected: string, replacement: string): Promise<boolean>
}

/**
 * Identities (Auth0's `identities[]`): which upstream accounts log in as which user. An upstream
 * account (connection, provider user id) is the identity of at most one user.
 */
export interface IdentityRepo {
  /** The identity of an upstream account: the login's lookup (primary key). */
  find(connectionId: string, providerUserId: string): Promise<IdentityRecord | null>
  /** A user's identities, oldest first. */
  listForUser(userId: string): Promise<IdentityRecord[]>
  /** The identities of each of these users (at most 100), in one query: a page of users shown with theirs. Each user's oldest first. */
  listForUsers(userIds: readonly string[]): Promise<ReadonlyMap<string, IdentityRecord[]>>
  /** Throws ConflictError when that upstream account is already an identity (of this or any user). */
  insert(record: IdentityRecord): Promise<void>
  /** Replaces the profile the provider sent (at each login); one statement. Null when there is no such identity. */
  updateProfile(connectionId: string, providerUserId: string, profileData: Readonly<Record<string, unknown>>, now: number): Promise<IdentityRecord | null>
  /** Gives the identity to another user (linking); one statement. Null when there is no such identity. */
  move(connectionId: string, providerUserId: string, toUserId: string, now: number): Promise<IdentityRecord | null>
  /** Removes the identity if it is the user's (unlinking). Returns whether it was. */
  delete(userId: string, connectionId: string, providerUserId: string): Promise<boolean>
}

export interface SsoSessionRepo {
  insert(record: SsoSessionRecord): Promise<void>
  /** The session, only if not ended and neither idle- nor absolutely expired at `now`. */
  findActive(idHash: string, now: number): Promise<SsoSessionRecord | null>
  /** The same, with its user read by the same statement (null: the user is gone): every /authorize with a session. */
  findActiveWithUser(idHash: string, now: number): Promise<{ readonly session: SsoSessionRecord; readonly user: UserRecord | null } | null>
  /** Slides the idle expiry (never past the absolute expiry); with `now`, records it as the browser's last return (`lastInteractedAt`). */
  touch(idHash: string, idleExpiresAt: number, now?: number): Promise<void>
  /** Ends one session. Returns whether an active one was ended. */
  end(idHash: string, now: number): Promise<boolean>
  /** A second factor passed: the active session's `amr` becomes this, and `authTime` now; null when it is not active. */
  upgrade(idHash: string, amr: readonly string[], now: number): Promise<SsoSessionRecord | null>
  /** Ends every session of a user (block, delete, password change). */
  endAllForUser(userId: string, now: number): Promise<number>
  /**
   * The user's active sessions (not ended, not expired at `now`), oldest first (creation time, then
   * sid), `limit` of them after the first `offset`, each with the applications it was used with.
   */
  listActiveForUser(userId: string, now: number, slice: Slice): Promise<SessionWithClients[]>
  /** The active session with this public id (the ID token's `sid`), with its applications; null otherwise. */
  findActiveBySid(sid: string, now: number): Promise<SessionWithClients | null>
  /** Ends the session with this public id. Returns whether an active one was ended. */
  endBySid(sid: string, now: number): Promise<boolean>
  /**
   * Removes at most `batchSize` sessions that ended or expired (idle or absolute) before `now`, in
   * one statement. Returns how many.
   */
  deleteExpired(now: number, batchSize: number): Promise<number>
}

/** What answering a step may change in the interaction (see @latchkey/core authorize/interaction-step.ts). */
export interface InteractionChanges {
  /** The request with the organization chosen at the organization prompt. */
  readonly request?: AuthorizationRequest
  /** The authentication that happened within the interaction. */
  readonly authenticated?: { readonly userId: string; readonly sessionSid: string; readonly authTime: number }
  /** The upstream login started (replacing any earlier attempt), or null to forget it. */
  readonly upstream?: UpstreamAttempt | null
  /** The upstream account waiting to be linked, or null to forget it. */
  readonly link?: PendingLink | null
}

/**
 * A login transaction in progress. It is at one step at a time, and every change is a compare-and-set
 * on that step, so a step is answered once and only while the transaction is at it.
 */
export interface InteractionRepo {
  insert(record: InteractionRecord): Promise<void>
  /** Only while unexpired. */
  get(id: string, now: number): Promise<InteractionRecord | null>
  /**
   * Moves the unexpired interaction from step `from` to step `to` with `changes`, in one statement.
   * False when it is not at `from` (another request moved or completed it, or it expired): of any
   * number of concurrent callers, exactly one succeeds.
   */
  advance(id: string, from: InteractionStep, to: InteractionStep, changes: InteractionChanges, now: number): Promise<boolean>
  /** The unexpired interaction whose upstream attempt's `state` has this SHA-256 (the provider's callback). */
  findByUpstreamState(stateHash: string, now: number): Promise<InteractionRecord | null>
  /** Atomically deletes and returns it while it is at `step`: an interaction completes once. */
  take(id: string, step: InteractionStep, now: number): Promise<InteractionRecord | null>
  /** Removes at most `batchSize` interactions that expired before `now`, in one statement. Returns how many. */
  deleteExpired(now: number, batchSize: number): Promise<number>
}

/** Which consents to list or count; every condition given must hold. */
export interface ConsentFilter {
  readonly userId?: string
  readonly clientId?: string
  /** The API identifier, or '' for consents to the OpenID scopes alone. */
  readonly audience?: string
}

export interface ConsentRepo {
  find(userId: string, clientId: string, audience: string): Promise<ConsentRecord | null>
  /** Inserts, or adds the scopes to the existing consent (the union). */
  grant(userId: string, clientId: string, audience: string, scopes: readonly string[], now: number): Promise<ConsentRecord>
  revoke(userId: string, clientId: string): Promise<number>
  /** Oldest first (creation time, then user, client and audience); `Page` as elsewhere. */
  list(filter?: ConsentFilter & Page): Promise<ConsentRecord[]>
  count(filter?: ConsentFilter): Promise<number>
  /** Removes one consent. Returns whether there was one. */
  delete(userId: string, clientId: string, audience: string): Promise<boolean>
  /** Removes every consent of a user. Returns how many. */
  deleteForUser(userId: string): Promise<number>
}

export interface AuthorizationCodeRepo extends CodePort {
  insert(record: AuthorizationCodeRecord): Promise<void>
  /** Removes at most `batchSize` codes that expired before `now`, in one statement. Returns how many. */
  deleteExpired(now: number, batchSize: number): Promise<number>
}

/** A window of a list: `limit` items after the first `offset` (checkpoint paging's cursor is an offset). */
export interface Slice {
  readonly offset: number
  readonly limit: number
}

/** An active session and the applications that got a code or a refresh token from it (still stored), by client_id, sorted. */
export interface SessionWithClients {
  readonly session: SsoSessionRecord
  readonly clientIds: readonly string[]
}

/**
 * A live refresh token as an administrator sees it: its grant (one authorization code and the
 * tokens rotated from it share the grant's id, a public id also in access tokens' `grant_id`), never
 * a token or a hash. Times are the grant's, but `expiresAt`, the idle expiry of its live token.
 */
export interface LiveRefreshGrant {
  readonly grantId: string
  readonly userId: string
  readonly clientId: string
  /** The SSO session of the login it came from, or null. */
  readonly sid: string | null
  readonly scope: readonly string[]
  readonly audience: string | null
  /** When the first token of the grant was issued. */
  readonly createdAt: number
  /** The live token's idle expiry (NEVER_EXPIRES without one). */
  readonly expiresAt: number
  /** The grant's absolute expiry (NEVER_EXPIRES without one). */
  readonly grantExpiresAt: number
  /** The last rotation (an exchange of a rotating token), or null when none was rotated. */
  readonly lastRotatedAt: number | null
}

export interface RefreshTokenRepo extends RefreshTokenPort {
  /**
   * The user's grants that have a live token (not rotated out, not revoked, before its idle and
   * grant expiry at `now`), oldest first (first issuance, then grant id), `limit` of them after the
   * first `offset`.
   */
  listLiveForUser(userId: string, now: number, slice: Slice): Promise<LiveRefreshGrant[]>
  /** The grant with this id if it has a live token at `now`; null otherwise. */
  findLive(grantId: string, now: number): Promise<LiveRefreshGrant | null>
  /**
   * Revokes every refresh token of a user (blocked, deleted, password changed), marking the family
   * of each token it revokes first (as revokeGrant does), so access tokens of those grants are
   * refused too (see UserRepo.getWithGrant) and stay so if the user is unblocked.
   */
  revokeForUser(userId: string, now: number): Promise<number>
  /**
   * Removes at most `batchSize` tokens whose `expiresAt` passed before `before` (issued tokens never
   * outlive their family), and at most `batchSize` revocation markers written before
   * `markersBefore` (by default `before`), in one statement each. Returns how many rows went.
   * Callers pass times well in the past: a marker matters while a token of its grant or family may
   * still be written by a request in flight, and while an access token issued from it may still be
   * presented (its longest lifetime).
   */
  deleteExpired(before: number, batchSize: number, markersBefore?: number): Promise<number>
}

/** One-time keys (DPoP proof `jti`s), so a proof replayed to any node is refused. */
export interface ReplayGuardRepo extends ReplayGuardPort {
  /** Removes at most `batchSize` keys whose use expired at or before `now`, in one statement. Returns how many. */
  deleteExpired(now: number, batchSize: number): Promise<number>
}

export interface SigningKeyRepo {
  /** Throws ConflictError when the kid is taken. */
  insert(record: SigningKeyRecord): Promise<void>
  /** All keys, oldest activation first. */
  list(): Promise<SigningKeyRecord[]>
  /**
   * Inside a transaction only (it throws outside one): all keys, as `list`, after taking the
   * signing keys' write lock, held until the transaction ends. Another transaction that calls it,
   * or writes a key, waits for this one, whichever process or node it runs in, and then sees what
   * this one wrote. So a read-decide-write (a rotation) runs one at a time. SQLite: the database's
   * write lock (`BEGIN IMMEDIATE`); PostgreSQL: a table lock, which plain reads do not wait for.
   */
  listForUpdate(): Promise<SigningKeyRecord[]>
  /** Removes keys whose tokens can no longer be valid (the caller decides which). */
  delete(kid: string): Promise<boolean>
  /**
   * Atomically replaces the stored private key of `kid` with `replacement` if it still equals
   * `expected` (compare-and-set, for encrypting or re-encrypting it in place). False when the key
   * is gone or its private key changed meanwhile.
   */
  replacePrivateJwk(kid: string, expected: string, replacement: string): Promise<boolean>
}

/** Which client grants to list or count; every condition given must hold. */
export interface ClientGrantFilter {
  readonly clientId?: string
  /** The API identifier, compared exactly. */
  readonly audience?: string
}

export type ClientGrantPatch = Partial<Pick<ClientGrantRecord, 'scope' | 'updatedAt'>>

/** Client grants: which API an application may get client_credentials tokens for, with which scopes. */
export interface ClientGrantRepo extends ClientGrantLookupPort {
  /** Throws ConflictError when the application already has a grant for the API (or the id is taken). */
  insert(record: ClientGrantRecord): Promise<void>
  get(id: string): Promise<ClientGrantRecord | null>
  /** Oldest first (creation time, then id); `Page` as elsewhere. */
  list(filter?: ClientGrantFilter & Page): Promise<ClientGrantRecord[]>
  count(filter?: ClientGrantFilter): Promise<number>
  /** Replaces the scope; one statement. Returns the updated record, or null when there is none. */
  update(id: string, patch: ClientGrantPatch): Promise<ClientGrantRecord | null>
  delete(id: string): Promise<boolean>
}

/** Which audit events to read; every condition given must hold. */
export interface AuditLogFilter {
  /** One type, or any of several (an empty list matches nothing). */
  readonly type?: string | readonly string[]
  readonly userId?: string
  readonly clientId?: string
  /** Events at or after this time. */
  readonly since?: number
  /** Events before this time. */
  readonly until?: number
}

/** The audit log: append-only, read newest first (unlike the other lists), deleted by age. */
export interface AuditLogRepo {
  /** One insert. Callers record after the change they describe and never fail a request on it. */
  append(event: AuditEventRecord): Promise<void>
  /**
   * Several events in one statement (one round trip), all or none: a batch of events that several
   * requests recorded together. An event the store refuses (a duplicate id) fails the whole call, and
   * the caller writes the batch one by one to keep the others.
   */
  appendAll(events: readonly AuditEventRecord[]): Promise<void>
  /** Newest first (time, then id); `Page` as elsewhere (50 per page by default, at most 100). */
  list(filter?: AuditLogFilter & Page): Promise<AuditEventRecord[]>
  count(filter?: AuditLogFilter): Promise<number>
  get(id: string): Promise<AuditEventRecord | null>
  /**
   * Checkpoint reading (Auth0's `from` and `take`): at most `take` events recorded after the one with
   * id `afterId` (ids sort by time), oldest first. The id need not exist any more.
   */
  listAfter(afterId: string, take: number): Promise<AuditEventRecord[]>
  /**
   * How many events of each of `types` fell in each period of `periodMs` milliseconds between `since`
   * (inclusive) and `until` (exclusive), counted and grouped in SQL. Periods start at whole multiples
   * of `periodMs` since the epoch (so hours and UTC days); only non-zero counts are returned, oldest
   * period first.
   */
  countByPeriod(query: AuditCountQuery): Promise<AuditPeriodCount[]>
  /** Deletes at most `batchSize` of the oldest events before `cutoff`, in one statement. Returns how many. */
  deleteOlderThan(cutoff: number, batchSize: number): Promise<number>
}

/** What AuditLogRepo.countByPeriod counts. */
export interface AuditCountQuery {
  readonly types: readonly string[]
  readonly since: number
  readonly until: number
  /** A whole number of milliseconds, at least one second. */
  readonly periodMs: number
}

/** Events of one type in one period. */
export interface AuditPeriodCount {
  /** The period's start, epoch milliseconds. */
  readonly start: number
  readonly type: string
  readonly count: number
}

/** Migration names, sorted: applied here, and known to this build but not applied yet. */
export interface MigrationStatus {
  readonly applied: readonly string[]
  readonly pending: readonly string[]
}

/**
 * Cached elsewhere, so a write tells other processes: applications (CORS origins), APIs (token
 * lifetimes), signing keys, connections (their strategies' discovery metadata and JWKS), settings
 * (the deployment's MFA policy).
 */
export type ChangeTopic = 'applications' | 'apis' | 'signing-keys' | 'connections' | 'settings' | 'actions'

/**
 * Change notices between the processes that share the database, so a cache can drop what changed
 * at once rather than at its next refresh. Every write through the application, API and signing-key
 * repos, every update or deletion of a connection, and every setting written or deleted, publishes
 * one (inside a transaction: when it commits). PostgreSQL: NOTIFY, heard on one
 * LISTEN connection per store, opened by the first listener and reopened when lost (listeners then
 * hear `'all'`: notices may have been missed meanwhile). SQLite: this store's own writes only, at once.
 */
export interface ChangeFeed {
  /** Calls `listener` for each change from now on; returns a function that stops it. */
  listen(listener: (topic: ChangeTopic | 'all') => void): () => void
  /**
   * Resolves once changes made by other processes reach the listeners (at once on SQLite). Rejects
   * when the database cannot be reached; listening is then retried in the background.
   */
  ready(): Promise<void>
}

export type ExclusiveResult<T> = { readonly ran: true; readonly value: T } | { readonly ran: false }

export type OrganizationPatch = Partial<Omit<OrganizationRecord, 'id' | 'createdAt'>>

/** Checkpoint paging (Auth0's `from` / `take`): ordered by id, `next` is where the next page starts. */
export interface Checkpoint {
  /** The `next` of the previous page; absent for the first. */
  readonly from?: string
  /** 50 by default, at most 100. */
  readonly take?: number
}

export interface CheckpointPage<T> {
  readonly items: T[]
  /** Absent on the last page. */
  readonly next?: string
}

/** A connection enabled for an organization (Auth0's organization `enabled_connections`). */
export interface OrganizationConnection {
  readonly orgId: string
  readonly connectionId: string
  /** A login through it makes a user who is not a member one. */
  readonly assignMembershipOnLogin: boolean
  /** The login page shows it as a button (otherwise reached by home-realm discovery or `connection=`). */
  readonly showAsButton: boolean
  readonly createdAt: number
  /** The connection's name and strategy, as read with it. */
  readonly connection: { readonly name: string; readonly strategy: string }
}

/** How a connection is enabled: the connection's id and its two settings. */
export interface OrganizationConnectionInput {
  readonly connectionId: string
  readonly assignMembershipOnLogin: boolean
  readonly showAsButton: boolean
}

export interface OrganizationRepo extends OrganizationLookupPort {
  /**
   * Throws ConflictError when the name (or id) is taken. With it, in one transaction, the
   * connections enabled for it: `connections` (those that exist), or, when absent, the database
   * connection (not assigning membership, shown as a button): what organizations always had.
   */
  insert(record: OrganizationRecord, connections?: readonly OrganizationConnectionInput[]): Promise<void>
  /** Oldest first. */
  list(page?: Page): Promise<OrganizationRecord[]>
  /** By id. */
  listFrom(checkpoint?: Checkpoint): Promise<CheckpointPage<OrganizationRecord>>
  count(): Promise<number>
  /** Throws ConflictError when a new name is taken. Returns null when there is no such organization. */
  update(id: string, patch: OrganizationPatch): Promise<OrganizationRecord | null>
  /**
   * Deletes the organization with its members and invitations, and the codes and refresh tokens
   * issued for it, in one transaction. The users stay.
   */
  delete(id: string): Promise<boolean>

  /**
   * Makes the user a member with `roles`: one insert that does nothing for a member already there,
   * who then gains the roles they did not have (compare-and-set, so concurrent merges lose none).
   * No statement fails on a duplicate, so it is safe inside a transaction. `added`: they were new.
   */
  addMember(orgId: string, userId: string, roles: readonly string[], now: number): Promise<{ member: OrganizationMemberRecord; added: boolean }>
  getMember(orgId: string, userId: string): Promise<OrganizationMemberRecord | null>
  /** Replaces a member's roles; null when they are not a member. */
  setMemberRoles(orgId: string, userId: string, roles: readonly string[]): Promise<OrganizationMemberRecord | null>
  removeMember(orgId: string, userId: string): Promise<boolean>
  /** Oldest membership first. */
  listMembers(orgId: string, page?: Page): Promise<OrganizationMemberRecord[]>
  /** By user id. */
  listMembersFrom(orgId: string, checkpoint?: Checkpoint): Promise<CheckpointPage<OrganizationMemberRecord>>
  countMembers(orgId: string): Promise<number>
  /** The organizations a user belongs to, oldest membership first (at most 100). */
  listForUser(userId: string): Promise<OrganizationRecord[]>

  /**
   * Enables the connection for the organization: false when it already was, or when the
   * organization or connection does not exist (one `INSERT … SELECT … ON CONFLICT DO NOTHING`).
   */
  enableConnection(orgId: string, input: OrganizationConnectionInput, now: number): Promise<boolean>
  /** Changes the given settings; null when the connection is not enabled for the organization. */
  updateConnection(
    orgId: string,
    connectionId: string,
    patch: Partial<Pick<OrganizationConnectionInput, 'assignMembershipOnLogin' | 'showAsButton'>>,
  ): Promise<OrganizationConnection | null>
  disableConnection(orgId: string, connectionId: string): Promise<boolean>
  getConnection(orgId: string, connectionId: string): Promise<OrganizationConnection | null>
  /** Oldest enablement first; without `page`, every one (an organization has few). */
  listConnections(orgId: string, page?: Page): Promise<OrganizationConnection[]>
  countConnections(orgId: string): Promise<number>
}

export interface InvitationRepo extends InvitationLookupPort {
  /** Throws ConflictError when the id or ticket hash is taken. */
  insert(record: InvitationRecord): Promise<void>
  /** Oldest first, whatever their state. */
  listForOrganization(orgId: string, page?: Page): Promise<InvitationRecord[]>
  countForOrganization(orgId: string): Promise<number>
  /**
   * Atomically marks the invitation consumed and returns it, to exactly one caller, and only while
   * unconsumed and before `expiresAt` (one `UPDATE … RETURNING`). Every other caller gets null.
   */
  consume(id: string, now: number): Promise<InvitationRecord | null>
  delete(id: string): Promise<boolean>
  /** Removes at most `batchSize` invitations that expired, or were consumed, before `cutoff`, in one statement. Returns how many. */
  deleteExpired(cutoff: number, batchSize: number): Promise<number>
}

/** Which outbox emails to list or count. */
export interface OutboxFilter {
  readonly status?: OutboxStatus | readonly OutboxStatus[]
}

/**
 * The durable email outbox (issue 14). Emails are claimed for sending with a lease, so of any number
 * of nodes exactly one attempts an email at a time; a node that dies mid-attempt loses its claim when
 * the lease lapses and another node retries.
 */
export interface OutboxRepo {
  /** Throws ConflictError when the id is taken. */
  enqueue(record: OutboxEmailRecord): Promise<void>
  get(id: string): Promise<OutboxEmailRecord | null>
  /**
   * Atomically claims at most `limit` emails due at `now` (`pending` with `nextAttemptAt <= now`, or
   * `sending` whose `lockedUntil` has passed), oldest due first: each becomes `sending` with
   * `lockedUntil = now + leaseMs` and `attempts + 1`, and is returned to this caller only (PostgreSQL:
   * `FOR UPDATE SKIP LOCKED`; concurrent callers get disjoint sets).
   */
  claimDue(now: number, leaseMs: number, limit: number): Promise<OutboxEmailRecord[]>
  /** The holder of attempt `attempt` reports success: `sent`, `sentAt`, the message dropped. False when it no longer holds the claim. */
  markSent(id: string, attempt: number, now: number): Promise<boolean>
  /**
   * The holder of attempt `attempt` reports a failure: back to `pending` until `retryAt`, or, with
   * `retryAt` null, `failed` for good with the message dropped. False when it no longer holds the claim.
   */
  markFailed(id: string, attempt: number, error: string, retryAt: number | null): Promise<boolean>
  /** Newest first (creation time, then id); `Page` as elsewhere. An empty status list matches nothing. */
  list(filter?: OutboxFilter & Page): Promise<OutboxEmailRecord[]>
  /** How many emails are in each status (metrics). */
  countByStatus(): Promise<Record<OutboxStatus, number>>
  /** Removes at most `batchSize` emails sent or failed before `cutoff` (by `sentAt`, or `createdAt` for failed ones), in one statement. Returns how many. */
  deleteSettledBefore(cutoff: number, batchSize: number): Promise<number>
}

/** Single-use email tickets (verification, password reset), stored by the SHA-256 of their value. */
export interface TicketRepo {
  /** Stores the email normalised (normalizeEmail). Throws ConflictError when the hash is taken. */
  insert(record: TicketRecord): Promise<void>
  /** The ticket while unused and unexpired at `now` (a page shows it before it is used). */
  findUsable(idHash: string, kind: TicketKind, now: number): Promise<TicketRecord | null>
  /** Atomically marks it used and returns it, to exactly one caller, only while unused and unexpired (one `UPDATE … RETURNING`). */
  consume(idHash: string, kind: TicketKind, now: number): Promise<TicketRecord | null>
  /** Marks every unused ticket of the user of that kind used (a password reset spends the others). Returns how many. */
  spendAllForUser(userId: string, kind: TicketKind, now: number): Promise<number>
  /** Removes at most `batchSize` tickets that expired or were used before `cutoff`, in one statement. */
  deleteExpired(cutoff: number, batchSize: number): Promise<number>
}

/**
 * A user's second factors and passkeys (issue 15). Every use is one conditional statement, so a TOTP
 * code or a WebAuthn assertion is accepted once even when two requests race.
 */
export interface AuthenticatorRepo {
  /** Throws ConflictError when the id, or a WebAuthn credential id, is taken. */
  insert(record: AuthenticatorRecord): Promise<void>
  get(id: string): Promise<AuthenticatorRecord | null>
  /** The user's authenticators, oldest first (confirmed or not). */
  listForUser(userId: string): Promise<AuthenticatorRecord[]>
  /** The authenticator holding this WebAuthn credential (a passkey sign-in names only the credential). */
  findByCredentialId(credentialId: string): Promise<AuthenticatorRecord | null>
  /**
   * Marks it confirmed (enrolment done) and sets `lastUsedAt` to `now` (the confirming code or
   * registration was its first use); false when it is not the user's or already confirmed.
   */
  confirm(userId: string, id: string, now: number): Promise<boolean>
  /** TOTP: records `step` as used only if it is later than the last used one; false on a replay (or no such TOTP authenticator). */
  useTotpStep(id: string, step: number, now: number): Promise<boolean>
  /**
   * WebAuthn: after a verified assertion, records the new counter, the backup state and `lastUsedAt`
   * in one conditional statement; false when the counter did not grow (a cloned authenticator, or a
   * racing use of the same assertion), except 0 → 0 (authenticators that do not count), or when it
   * is not a WebAuthn authenticator.
   */
  recordAssertion(id: string, counter: number, backedUp: boolean, now: number): Promise<boolean>
  /** Removes one of the user's authenticators. */
  delete(userId: string, id: string): Promise<boolean>
  /** Removes all of the user's authenticators (Auth0's reset). Returns how many. */
  deleteForUser(userId: string): Promise<number>
  /** Removes at most `batchSize` enrolments never confirmed, started before `cutoff`. */
  deleteUnconfirmedBefore(cutoff: number, batchSize: number): Promise<number>
  /** "Remember this browser" markers issued before this time are void (Auth0's invalidate-remember-browser). */
  revokeRememberedBrowsers(userId: string, now: number): Promise<void>
  /** When the user's remembered browsers were last revoked, or null. */
  rememberedBrowsersRevokedAt(userId: string): Promise<number | null>
}

/** Recovery codes: ten per user, replaced as a set, each used once. */
export interface RecoveryCodeRepo {
  /** Replaces every code of the user with these (SHA-256 hashes). */
  replace(userId: string, codeHashes: readonly string[], now: number): Promise<void>
  /** Marks the user's unused code with this hash used: true to exactly one caller, false when there is none (wrong, or used). */
  use(userId: string, codeHash: string, now: number): Promise<boolean>
  countUnused(userId: string): Promise<number>
  /** The user's set as the Management API lists it (one `recovery-code` method); null when the user has no codes. */
  summary(userId: string): Promise<RecoveryCodeSummary | null>
  deleteForUser(userId: string): Promise<number>
}

/** A user's recovery codes at a glance: how many are left, when the set was issued, when one was last used. */
export interface RecoveryCodeSummary {
  readonly unused: number
  readonly createdAt: number
  readonly lastUsedAt: number | null
}

export type ActionPatch = Partial<Pick<ActionRecord, 'name' | 'code' | 'dependencies' | 'secretNames' | 'sealedSecrets' | 'onFailure' | 'updatedAt'>>

/** An action bound to a trigger, as it runs: its deployed version. */
export interface BoundAction {
  readonly id: string
  readonly name: string
  readonly displayName: string
  readonly onFailure: 'deny' | 'skip'
  readonly deployed: NonNullable<ActionRecord['deployed']>
}

/**
 * Actions (Auth0's): each a draft that changes freely and the version last deployed, and per
 * trigger the ordered list of actions bound to it. Every write publishes an `actions` change notice
 * (the server caches the bindings of each trigger).
 */
export interface ActionRepo {
  /** Throws ConflictError when the name (or id) is taken. */
  insert(record: ActionRecord): Promise<void>
  get(id: string): Promise<ActionRecord | null>
  findByName(name: string): Promise<ActionRecord | null>
  /** Oldest first; of one trigger when given. */
  list(filter?: { readonly trigger?: string } & Page): Promise<ActionRecord[]>
  count(filter?: { readonly trigger?: string }): Promise<number>
  /** Throws ConflictError when a new name is taken; null when there is no such action. */
  update(id: string, patch: ActionPatch): Promise<ActionRecord | null>
  /** Makes the draft the deployed version (one more than the last), in one statement; null when there is no such action. */
  deploy(id: string, now: number): Promise<ActionRecord | null>
  /** Deletes the action and its bindings, in one transaction. */
  delete(id: string): Promise<boolean>
  /** The actions bound to `trigger`, in order, as they run (their deployed versions). */
  bound(trigger: string): Promise<BoundAction[]>
  /**
   * Replaces the trigger's bindings with these actions, in this order, in one transaction (Auth0's
   * PATCH of a trigger's bindings). Throws when an action is unknown, of another trigger or never deployed.
   */
  bind(trigger: string, bindings: readonly { readonly actionId: string; readonly displayName: string }[]): Promise<void>
  /** Every sealed secrets value (of drafts and of deployed versions), for the key-encryption lifecycle. */
  sealedSecrets(): Promise<SealedActionSecrets[]>
  /** Compare-and-set of one sealed value (`draft` or `deployed`); false when it changed meanwhile. */
  replaceSealedSecrets(id: string, which: 'draft' | 'deployed', expected: string, replacement: string): Promise<boolean>
}

export interface SealedActionSecrets {
  readonly id: string
  readonly name: string
  readonly draft: string | null
  readonly deployed: string | null
}

export type RolePatch = Partial<Pick<RoleRecord, 'name' | 'description' | 'updatedAt'>>

/** Which roles to list or count: Auth0's `name_filter` (case-insensitive, part of the name). */
export interface RoleFilter {
  readonly nameFilter?: string
}

/**
 * Roles (Auth0's `rol_…`), the permissions each gives, and the users who have them (outside any
 * organization; a member's roles within an organization are on the membership, OrganizationRepo).
 * Every "add" verb is idempotent (what is there already stays, with its time), every "remove" verb
 * ignores what is not there.
 */
export interface RoleRepo {
  /** Throws ConflictError when the name (or id) is taken. */
  insert(role: RoleRecord): Promise<void>
  get(id: string): Promise<RoleRecord | null>
  findByName(name: string): Promise<RoleRecord | null>
  /** The roles of these ids that exist, in the order of `ids`. */
  getMany(ids: readonly string[]): Promise<RoleRecord[]>
  /** Oldest first. */
  list(filter?: RoleFilter & Page): Promise<RoleRecord[]>
  count(filter?: RoleFilter): Promise<number>
  /** Throws ConflictError when the new name is taken; null when there is no such role. */
  update(id: string, patch: RolePatch): Promise<RoleRecord | null>
  /**
   * Deletes the role, its permissions and every user's assignment of it, in one transaction.
   * Memberships and invitations that name it keep the id, which no longer counts for anything.
   */
  delete(id: string): Promise<boolean>

  addPermissions(roleId: string, permissions: readonly Permission[], now: number): Promise<void>
  removePermissions(roleId: string, permissions: readonly Permission[]): Promise<void>
  /** By API identifier, then name. */
  listPermissions(roleId: string, page?: Page): Promise<Permission[]>
  countPermissions(roleId: string): Promise<number>

  /** Gives each user the roles (outside organizations). */
  assign(userIds: readonly string[], roleIds: readonly string[], now: number): Promise<void>
  unassign(userId: string, roleIds: readonly string[]): Promise<void>
  /** The users who have the role, oldest assignment first, by id. */
  listUsers(roleId: string, page?: Page): Promise<string[]>
  countUsers(roleId: string): Promise<number>
  /** The user's roles (outside organizations), by name. */
  listForUser(userId: string, page?: Page): Promise<RoleRecord[]>
  countForUser(userId: string): Promise<number>
}

/** Permissions given to users directly, and what a user may do with an API all told. */
export interface PermissionRepo extends PermissionLookupPort {
  add(userId: string, permissions: readonly Permission[], now: number): Promise<void>
  remove(userId: string, permissions: readonly Permission[]): Promise<void>
  /**
   * Every permission the user has outside organizations, given directly or through a role, once
   * each with all its sources (Auth0's `GET /users/{id}/permissions`), by API identifier, then name.
   */
  listForUser(userId: string, page?: Page): Promise<UserPermission[]>
  countForUser(userId: string): Promise<number>
}

/**
 * Deployment-wide settings that administrators change at run time (the MFA policy from Auth0's
 * guardian policy endpoint, and later ones): small text values by key.
 */
export interface SettingsRepo {
  get(key: string): Promise<string | null>
  /** Inserts or replaces; publishes a `settings` change notice. */
  set(key: string, value: string, now: number): Promise<void>
  /** Publishes a `settings` change notice too, when there was a value. */
  delete(key: string): Promise<boolean>
}

/** Auth0's job types that Latchkey runs: bulk user import and export (issue 18). */
export type JobType = 'users_import' | 'users_export'
/** pending (queued) → processing (claimed by one node) → completed or failed. */
export type JobStatus = 'pending' | 'processing' | 'completed' | 'failed'

/** Auth0's `summary` of an import job. */
export interface JobSummary {
  readonly total: number
  readonly inserted: number
  readonly updated: number
  readonly failed: number
}

/** A Management API job (`job_` + 16 alphanumerics, Auth0's shape). */
export interface JobRecord {
  readonly id: string
  readonly type: JobType
  readonly status: JobStatus
  /** The connection it imports into or exports from (con_…); null: every user (an export). */
  readonly connectionId: string | null
  /** Auth0's customer-defined `external_id`. */
  readonly externalId: string | null
  /** What the job was asked: an import's upsert and send_completion_email, an export's format, fields and limit. */
  readonly options: Readonly<Record<string, unknown>>
  /** An import's uploaded file, kept until the job is processed (then null). */
  readonly input: string | null
  readonly summary: JobSummary | null
  /** An import's per-entry errors (Auth0's `[{ user, errors: [{ code, message, path }] }]`), once finished. */
  readonly errors: readonly unknown[] | null
  /** Why a job failed (Auth0's `status_details`). */
  readonly statusDetails: string | null
  /** An export's current download link, by the SHA-256 of its token, and when that link stops working. */
  readonly downloadHash: string | null
  readonly downloadExpiresAt: number | null
  readonly createdAt: number
  readonly claimedAt: number | null
  readonly finishedAt: number | null
}

/** How a job ended. */
export interface JobOutcome {
  readonly status: 'completed' | 'failed'
  readonly summary?: JobSummary | null
  readonly errors?: readonly unknown[] | null
  readonly statusDetails?: string | null
}

/**
 * Management API jobs. A job is run by the one node whose `claim` wins; a job left unfinished by a
 * node that stopped is failed by `failStale`, and finished jobs are removed a while later.
 */
export interface JobRepo {
  /** Throws ConflictError when the id is taken. */
  insert(record: JobRecord): Promise<void>
  get(id: string): Promise<JobRecord | null>
  /** pending → processing in one conditional statement: the job for exactly one caller, null for the others (or when not pending). */
  claim(id: string, now: number): Promise<JobRecord | null>
  /** processing → the outcome, dropping the uploaded file, in one conditional statement; null when it was not processing. */
  finish(id: string, outcome: JobOutcome, now: number): Promise<JobRecord | null>
  /** Sets a completed export's download link (the SHA-256 of its token) and its expiry; false when there is no such completed job. */
  setDownload(id: string, downloadHash: string, expiresAt: number): Promise<boolean>
  /**
   * Fails, with `statusDetails`, every job still pending or processing that was created (pending) or
   * claimed (processing) before `cutoff`: its node stopped before finishing it. Returns how many.
   */
  failStale(cutoff: number, statusDetails: string, now: number): Promise<number>
  /** Removes at most `batchSize` jobs that finished before `cutoff`, in one statement. */
  deleteFinishedBefore(cutoff: number, batchSize: number): Promise<number>
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres'
  readonly applications: ApplicationRepo
  readonly apis: ApiRepo
  readonly users: UserRepo
  readonly sessions: SsoSessionRepo
  readonly interactions: InteractionRepo
  readonly consents: ConsentRepo
  readonly authorizationCodes: AuthorizationCodeRepo
  readonly refreshTokens: RefreshTokenRepo
  readonly signingKeys: SigningKeyRepo
  readonly replayGuard: ReplayGuardRepo
  readonly logs: AuditLogRepo
  readonly organizations: OrganizationRepo
  readonly invitations: InvitationRepo
  readonly clientGrants: ClientGrantRepo
  readonly connections: ConnectionRepo
  readonly identities: IdentityRepo
  readonly outbox: OutboxRepo
  readonly tickets: TicketRepo
  readonly authenticators: AuthenticatorRepo
  readonly recoveryCodes: RecoveryCodeRepo
  readonly settings: SettingsRepo
  readonly roles: RoleRepo
  readonly permissions: PermissionRepo
  readonly actions: ActionRepo
  readonly jobs: JobRepo
  /**
   * Runs fn in one transaction; repos on `tx` see its writes; a throw rolls every write back.
   * Calling `transaction` on `tx` joins the same transaction. Inside fn use `tx` only: the outer
   * store throws there (on SQLite it would wait forever for the connection fn holds; on PostgreSQL
   * it would run outside the transaction). On PostgreSQL a failed statement (a ConflictError, say)
   * aborts the transaction: let it propagate rather than carry on inside fn.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>
  /** Applies pending versioned migrations. Safe to call from several processes at once. */
  migrate(): Promise<void>
  /** Notices of changes to what other processes cache. */
  readonly changes: ChangeFeed
  /**
   * Runs fn unless another caller holds the lock `name`, without waiting for it. PostgreSQL: an
   * advisory lock on a session of its own, scoped to the store's schema: one holder among every
   * process on the database, released when fn settles or when that session dies with its node.
   * SQLite: one holder among this store's callers. Not available on a transaction's store.
   */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<ExclusiveResult<T>>
  /**
   * The migrations this database has applied and those of this build still pending, in one small
   * query (readiness probes call it). Throws when the database cannot be reached.
   */
  migrationStatus(): Promise<MigrationStatus>
  close(): Promise<void>
}
