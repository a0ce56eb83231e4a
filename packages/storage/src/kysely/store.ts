/**
 * The Store over Kysely: the same code for SQLite and PostgreSQL. A store built on a transaction
 * hands the transaction to every repo, so `transaction(fn)` needs nothing more than a second store.
 * The outer store's repos query through a TransactionGuard, so using them inside fn throws.
 */
import type { Kysely } from 'kysely'
import type {
  ApiRepo,
  ChangeFeed,
  ExclusiveResult,
  ApplicationRepo,
  AuditLogRepo,
  AuthenticatorRepo,
  AuthorizationCodeRepo,
  ClientGrantRepo,
  ConnectionRepo,
  ConsentRepo,
  IdentityRepo,
  InteractionRepo,
  InvitationRepo,
  JobRepo,
  MigrationStatus,
  OrganizationRepo,
  OutboxRepo,
  RecoveryCodeRepo,
  RefreshTokenRepo,
  ReplayGuardRepo,
  ActionRepo,
  PermissionRepo,
  RoleRepo,
  SettingsRepo,
  SigningKeyRepo,
  SsoSessionRepo,
  Store,
  TicketRepo,
  UserRepo,
} from '../contract.js'
import { KyselyApiRepo } from '../repos/apis.js'
import { KyselyApplicationRepo } from '../repos/applications.js'
import { KyselyAuditLogRepo } from '../repos/audit-events.js'
import { KyselyAuthenticatorRepo } from '../repos/authenticators.js'
import { KyselyAuthorizationCodeRepo } from '../repos/authorization-codes.js'
import { KyselyClientGrantRepo } from '../repos/client-grants.js'
import { KyselyConnectionRepo } from '../repos/connections.js'
import { KyselyConsentRepo } from '../repos/consents.js'
import { KyselyIdentityRepo } from '../repos/identities.js'
import { KyselyInteractionRepo } from '../repos/interactions.js'
import { KyselyInvitationRepo } from '../repos/invitations.js'
import { KyselyOrganizationRepo } from '../repos/organizations.js'
import { KyselyOutboxRepo } from '../repos/outbox.js'
import { KyselyRecoveryCodeRepo } from '../repos/recovery-codes.js'
import { KyselyRefreshTokenRepo } from '../repos/refresh-tokens.js'
import { KyselyReplayGuardRepo } from '../repos/replay-guard.js'
import { KyselySigningKeyRepo } from '../repos/signing-keys.js'
import { KyselySsoSessionRepo } from '../repos/sessions.js'
import { KyselySettingsRepo } from '../repos/settings.js'
import { KyselyTicketRepo } from '../repos/tickets.js'
import { KyselyUserRepo } from '../repos/users.js'
import { KyselyRoleRepo } from '../repos/roles.js'
import { KyselyPermissionRepo } from '../repos/permissions.js'
import { KyselyActionRepo } from '../repos/actions.js'
import { KyselyJobRepo } from '../repos/jobs.js'
import { readMigrationStatus } from './migration-status.js'
import { type Coordination, localCoordination, type PublishChange } from './coordination.js'
import { type MigrateOptions, migrateToLatest } from './migrate.js'
import type { Database } from './schema.js'
import { TransactionGuard } from './transaction-guard.js'

export class KyselyStore implements Store {
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
  readonly changes: ChangeFeed

  readonly #guard: TransactionGuard | undefined

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: MigrateOptions,
    /** Change notices and locks shared with the other processes on the database (see coordination.ts). */
    private readonly coordination: Coordination = localCoordination(),
  ) {
    this.#guard = db.isTransaction ? undefined : new TransactionGuard()
    const repoDb = this.#guard ? db.withPlugin(this.#guard) : db
    const publish: PublishChange = (topic) => coordination.publish(repoDb, topic)
    this.changes = { listen: (listener) => coordination.listen(listener), ready: () => coordination.ready() }
    this.applications = new KyselyApplicationRepo(repoDb, publish)
    this.apis = new KyselyApiRepo(repoDb, publish)
    this.users = new KyselyUserRepo(repoDb)
    this.sessions = new KyselySsoSessionRepo(repoDb)
    this.interactions = new KyselyInteractionRepo(repoDb)
    this.consents = new KyselyConsentRepo(repoDb)
    this.authorizationCodes = new KyselyAuthorizationCodeRepo(repoDb)
    this.refreshTokens = new KyselyRefreshTokenRepo(repoDb)
    this.signingKeys = new KyselySigningKeyRepo(repoDb, publish)
    this.replayGuard = new KyselyReplayGuardRepo(repoDb)
    this.logs = new KyselyAuditLogRepo(repoDb)
    this.organizations = new KyselyOrganizationRepo(repoDb)
    this.invitations = new KyselyInvitationRepo(repoDb)
    this.clientGrants = new KyselyClientGrantRepo(repoDb)
    this.connections = new KyselyConnectionRepo(repoDb, publish)
    this.identities = new KyselyIdentityRepo(repoDb)
    this.outbox = new KyselyOutboxRepo(repoDb, options.dialect)
    this.tickets = new KyselyTicketRepo(repoDb)
    this.authenticators = new KyselyAuthenticatorRepo(repoDb)
    this.recoveryCodes = new KyselyRecoveryCodeRepo(repoDb)
    this.settings = new KyselySettingsRepo(repoDb, publish)
    this.roles = new KyselyRoleRepo(repoDb)
    this.permissions = new KyselyPermissionRepo(repoDb)
    this.actions = new KyselyActionRepo(repoDb, publish)
    this.jobs = new KyselyJobRepo(repoDb)
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.options.dialect
  }

  /** Nested calls (on a transaction's store) join the outer transaction. */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    const guard = this.#guard
    if (!guard) return fn(this)
    guard.assertOutside()
    return this.db.transaction().execute((trx) => guard.run(() => fn(new KyselyStore(trx, this.options, this.coordination))))
  }

  async migrate(): Promise<void> {
    this.#outerOnly('migrate').assertOutside()
    await migrateToLatest(this.db, this.options)
  }

  async migrationStatus(): Promise<MigrationStatus> {
    this.#outerOnly('migrationStatus').assertOutside()
    return readMigrationStatus(this.db)
  }

  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<ExclusiveResult<T>> {
    this.#outerOnly('exclusive').assertOutside()
    return this.coordination.exclusive(name, fn)
  }

  async close(): Promise<void> {
    this.#outerOnly('close').assertOutside()
    await this.coordination.close()
    await this.db.destroy()
  }

  #outerOnly(verb: string): TransactionGuard {
    if (!this.#guard) throw new Error(`${verb}() is not available on a transaction's store`)
    return this.#guard
  }
}
