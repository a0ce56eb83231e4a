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
  ApplicationRecord,
  AuditEventRecord,
  AuthorizationCodeRecord,
  ClientGrantRecord,
  ClientJwks,
  ConsentRecord,
  InteractionRecord,
  SigningKeyRecord,
  SsoSessionRecord,
  UserRecord,
} from '@latchkey/core'
import type {
  ApiLookupPort,
  ApplicationLookupPort,
  ClientGrantLookupPort,
  CodePort,
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
export type UserPatch = Partial<Omit<UserRecord, 'id' | 'createdAt'>>

export interface ApplicationRepo extends ApplicationLookupPort {
  /** Throws ConflictError when the client id is taken. */
  insert(record: ApplicationRecord): Promise<void>
  /** Oldest first. */
  list(page?: Page): Promise<ApplicationRecord[]>
  count(): Promise<number>
  /** Returns the updated record, or null when there is none. */
  update(clientId: string, patch: ApplicationPatch): Promise<ApplicationRecord | null>
  /**
   * Deletes the app and everything issued to it (codes, refresh tokens, consents, interactions) or
   * granted to it (client grants), in one transaction.
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
  /** Deletes the API and the client grants for it, in one transaction. */
  delete(id: string): Promise<boolean>
  /** The longest access-token lifetime of any API, in seconds (0 when there is none). */
  maxTokenLifetime(): Promise<number>
}

export interface UserRepo extends UserLookupPort {
  /** Throws ConflictError when the (lower-cased) email is taken. */
  insert(record: UserRecord): Promise<void>
  /** Case-insensitive. */
  findByEmail(email: string): Promise<UserRecord | null>
  list(page?: Page): Promise<UserRecord[]>
  count(): Promise<number>
  /** Throws ConflictError when a new email is taken. */
  update(id: string, patch: UserPatch): Promise<UserRecord | null>
  /**
   * Deletes the user and everything issued to them (sessions, interactions, consents, codes, refresh
   * tokens), in one transaction.
   */
  delete(id: string): Promise<boolean>
}

export interface SsoSessionRepo {
  insert(record: SsoSessionRecord): Promise<void>
  /** The session, only if not ended and neither idle- nor absolutely expired at `now`. */
  findActive(idHash: string, now: number): Promise<SsoSessionRecord | null>
  /** Slides the idle expiry (never past the absolute expiry). */
  touch(idHash: string, idleExpiresAt: number): Promise<void>
  /** Ends one session. Returns whether an active one was ended. */
  end(idHash: string, now: number): Promise<boolean>
  /** Ends every session of a user (block, delete, password change). */
  endAllForUser(userId: string, now: number): Promise<number>
  /** Removes sessions that ended or expired (idle or absolute) before `now`. Returns how many. */
  deleteExpired(now: number): Promise<number>
}

export interface InteractionRepo {
  insert(record: InteractionRecord): Promise<void>
  /** Only while unexpired. */
  get(id: string, now: number): Promise<InteractionRecord | null>
  /** Records the authentication that happened within the interaction. */
  setAuthenticated(id: string, userId: string, sessionSid: string, authTime: number): Promise<void>
  /** Atomically deletes and returns it: an interaction completes once. */
  take(id: string, now: number): Promise<InteractionRecord | null>
  /** Removes interactions that expired before `now`. Returns how many. */
  deleteExpired(now: number): Promise<number>
}

export interface ConsentRepo {
  find(userId: string, clientId: string, audience: string): Promise<ConsentRecord | null>
  /** Inserts, or adds the scopes to the existing consent (the union). */
  grant(userId: string, clientId: string, audience: string, scopes: readonly string[], now: number): Promise<ConsentRecord>
  revoke(userId: string, clientId: string): Promise<number>
}

export interface AuthorizationCodeRepo extends CodePort {
  insert(record: AuthorizationCodeRecord): Promise<void>
  /** Removes codes that expired before `now`. Returns how many. */
  deleteExpired(now: number): Promise<number>
}

export interface RefreshTokenRepo extends RefreshTokenPort {
  /** Revokes every refresh token of a user (blocked, deleted, password changed). */
  revokeForUser(userId: string, now: number): Promise<number>
}

/** One-time keys (DPoP proof `jti`s), so a proof replayed to any node is refused. */
export interface ReplayGuardRepo extends ReplayGuardPort {
  /** Removes keys whose use expired at or before `now`. Returns how many. */
  deleteExpired(now: number): Promise<number>
}

export interface SigningKeyRepo {
  /** Throws ConflictError when the kid is taken. */
  insert(record: SigningKeyRecord): Promise<void>
  /** All keys, oldest activation first. */
  list(): Promise<SigningKeyRecord[]>
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
  /** Newest first (time, then id); `Page` as elsewhere (50 per page by default, at most 100). */
  list(filter?: AuditLogFilter & Page): Promise<AuditEventRecord[]>
  count(filter?: AuditLogFilter): Promise<number>
  /** Deletes at most `batchSize` of the oldest events before `cutoff`, in one statement. Returns how many. */
  deleteOlderThan(cutoff: number, batchSize: number): Promise<number>
}

/** Migration names, sorted: applied here, and known to this build but not applied yet. */
export interface MigrationStatus {
  readonly applied: readonly string[]
  readonly pending: readonly string[]
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
  readonly clientGrants: ClientGrantRepo
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
  /**
   * The migrations this database has applied and those of this build still pending, in one small
   * query (readiness probes call it). Throws when the database cannot be reached.
   */
  migrationStatus(): Promise<MigrationStatus>
  close(): Promise<void>
}
