/**
 * The Store over Kysely: the same code for SQLite and PostgreSQL. A store built on a transaction
 * hands the transaction to every repo, so `transaction(fn)` needs nothing more than a second store.
 */
import type { Kysely } from 'kysely'
import type {
  ApiRepo,
  ApplicationRepo,
  AuthorizationCodeRepo,
  ConsentRepo,
  InteractionRepo,
  RefreshTokenRepo,
  SigningKeyRepo,
  SsoSessionRepo,
  Store,
  UserRepo,
} from '../contract.js'
import { KyselyApiRepo } from '../repos/apis.js'
import { KyselyApplicationRepo } from '../repos/applications.js'
import { KyselyAuthorizationCodeRepo } from '../repos/authorization-codes.js'
import { KyselyConsentRepo } from '../repos/consents.js'
import { KyselyInteractionRepo } from '../repos/interactions.js'
import { KyselyRefreshTokenRepo } from '../repos/refresh-tokens.js'
import { KyselySigningKeyRepo } from '../repos/signing-keys.js'
import { KyselySsoSessionRepo } from '../repos/sessions.js'
import { KyselyUserRepo } from '../repos/users.js'
import { type MigrateOptions, migrateToLatest } from './migrate.js'
import type { Database } from './schema.js'

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

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: MigrateOptions,
  ) {
    this.applications = new KyselyApplicationRepo(db)
    this.apis = new KyselyApiRepo(db)
    this.users = new KyselyUserRepo(db)
    this.sessions = new KyselySsoSessionRepo(db)
    this.interactions = new KyselyInteractionRepo(db)
    this.consents = new KyselyConsentRepo(db)
    this.authorizationCodes = new KyselyAuthorizationCodeRepo(db)
    this.refreshTokens = new KyselyRefreshTokenRepo(db)
    this.signingKeys = new KyselySigningKeyRepo(db)
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.options.dialect
  }

  /** Nested calls (on a transaction's store) join the outer transaction. */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this)
    return this.db.transaction().execute((trx) => fn(new KyselyStore(trx, this.options)))
  }

  async migrate(): Promise<void> {
    this.#refuseInTransaction('migrate')
    await migrateToLatest(this.db, this.options)
  }

  async close(): Promise<void> {
    this.#refuseInTransaction('close')
    await this.db.destroy()
  }

  #refuseInTransaction(verb: string): void {
    if (this.db.isTransaction) throw new Error(`${verb}() is not available on a transaction's store`)
  }
}
