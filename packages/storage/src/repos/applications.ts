import { type ApplicationRecord, type ClientJwks, DATABASE_CONNECTION, type GrantType } from '@latchkey/core'
import { type Insertable, type Kysely, type Selectable, sql } from 'kysely'
import type { ApplicationPatch, ApplicationRepo, Page } from '../contract.js'
import { type ColumnWriters, fromFlag, fromJson, toFlag, toJson, writeColumns } from '../kysely/columns.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import type { PublishChange } from '../kysely/coordination.js'
import { inTransaction } from '../kysely/in-transaction.js'
import { countRows, listPage } from '../kysely/paging.js'
import type { ApplicationsTable, Database } from '../kysely/schema.js'

type Row = Selectable<ApplicationsTable>

const writers: ColumnWriters<ApplicationRecord, ApplicationsTable> = {
  clientId: (v) => ({ client_id: v }),
  name: (v) => ({ name: v }),
  appType: (v) => ({ app_type: v }),
  tokenEndpointAuthMethod: (v) => ({ token_endpoint_auth_method: v }),
  clientSecretHash: (v) => ({ client_secret_hash: v }),
  callbacks: (v) => ({ callbacks: toJson(v) }),
  allowedLogoutUrls: (v) => ({ allowed_logout_urls: toJson(v) }),
  webOrigins: (v) => ({ web_origins: toJson(v) }),
  allowedOrigins: (v) => ({ allowed_origins: toJson(v) }),
  grantTypes: (v) => ({ grant_types: toJson(v) }),
  isFirstParty: (v) => ({ is_first_party: toFlag(v) }),
  refreshToken: (v) => ({
    refresh_token_reuse_interval_seconds: v.reuseIntervalSeconds,
    refresh_token_idle_lifetime_seconds: v.idleLifetimeSeconds,
    refresh_token_absolute_lifetime_seconds: v.absoluteLifetimeSeconds,
    refresh_token_rotation: v.rotation,
    refresh_token_expiration: v.expiration,
    refresh_token_infinite_idle_lifetime: toFlag(v.infiniteIdleLifetime),
    refresh_token_infinite_lifetime: toFlag(v.infiniteAbsoluteLifetime),
  }),
  jwks: (v) => ({ jwks: v === undefined ? null : toJson(v) }),
  organizationUsage: (v) => ({ organization_usage: v }),
  organizationRequireBehavior: (v) => ({ organization_require_behavior: v }),
  initiateLoginUri: (v) => ({ initiate_login_uri: v }),
  idTokenAlg: (v) => ({ id_token_alg: v }),
  // null clears it (the deployment's policy again); writeColumns skips only undefined.
  mfaPolicy: (v) => ({ mfa_policy: v ?? null }),
  createdAt: (v) => ({ created_at: v }),
  updatedAt: (v) => ({ updated_at: v }),
}

function toRecord(row: Row): ApplicationRecord {
  return {
    clientId: row.client_id,
    name: row.name,
    appType: row.app_type,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method,
    clientSecretHash: row.client_secret_hash,
    callbacks: fromJson<string[]>(row.callbacks),
    allowedLogoutUrls: fromJson<string[]>(row.allowed_logout_urls),
    webOrigins: fromJson<string[]>(row.web_origins),
    allowedOrigins: fromJson<string[]>(row.allowed_origins),
    grantTypes: fromJson<GrantType[]>(row.grant_types),
    isFirstParty: fromFlag(row.is_first_party),
    refreshToken: {
      rotation: row.refresh_token_rotation,
      expiration: row.refresh_token_expiration,
      reuseIntervalSeconds: row.refresh_token_reuse_interval_seconds,
      idleLifetimeSeconds: row.refresh_token_idle_lifetime_seconds,
      absoluteLifetimeSeconds: row.refresh_token_absolute_lifetime_seconds,
      infiniteIdleLifetime: fromFlag(row.refresh_token_infinite_idle_lifetime),
      infiniteAbsoluteLifetime: fromFlag(row.refresh_token_infinite_lifetime),
    },
    ...(row.jwks !== null ? { jwks: fromJson<ClientJwks>(row.jwks) } : {}),
    organizationUsage: row.organization_usage,
    organizationRequireBehavior: row.organization_require_behavior,
    initiateLoginUri: row.initiate_login_uri,
    // RS256, the default, stays out of the record (see idTokenAlg in @latchkey/core registration).
    ...(row.id_token_alg !== 'RS256' ? { idTokenAlg: row.id_token_alg } : {}),
    // Null, the deployment's policy, stays out of the record as well.
    ...(row.mfa_policy !== null ? { mfaPolicy: row.mfa_policy } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** Every write tells the other nodes (their CORS origin caches), see coordination.ts. */
export class KyselyApplicationRepo implements ApplicationRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changed: PublishChange,
  ) {}

  /** In one transaction: the app, and the database connection enabled for it (as Auth0 does for new apps). */
  async insert(record: ApplicationRecord): Promise<void> {
    const row = writeColumns(writers, record) as Insertable<ApplicationsTable>
    await inTransaction(this.db, async (trx) => {
      await rejectDuplicate(`application ${record.clientId} already exists`, () => trx.insertInto('applications').values(row).execute())
      await trx
        .insertInto('connection_clients')
        .columns(['connection_id', 'client_id'])
        .expression((eb) =>
          eb
            .selectFrom('connections')
            .select(['id', sql<string>`cast(${record.clientId} as text)`.as('client_id')])
            .where('name', '=', DATABASE_CONNECTION.name),
        )
        .onConflict((oc) => oc.columns(['connection_id', 'client_id']).doNothing())
        .execute()
    })
    await this.changed('applications')
  }

  async get(clientId: string): Promise<ApplicationRecord | null> {
    const row = await this.db.selectFrom('applications').selectAll().where('client_id', '=', clientId).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async list(page?: Page): Promise<ApplicationRecord[]> {
    return (await listPage(this.db, 'applications', page)).map(toRecord)
  }

  async count(): Promise<number> {
    return countRows(this.db, 'applications')
  }

  /** One `UPDATE ... RETURNING`: atomic. */
  async update(clientId: string, patch: ApplicationPatch): Promise<ApplicationRecord | null> {
    // `jwks: null` clears the keys; writeColumns skips what is absent, so it is written here. Keys
    // go with private_key_jwt: a patch to another method clears them even when it does not say so.
    const { jwks, ...rest } = patch
    const leaves = rest.tokenEndpointAuthMethod !== undefined && rest.tokenEndpointAuthMethod !== 'private_key_jwt'
    const keys = jwks === undefined && leaves ? null : jwks
    const set = { ...writeColumns(writers, rest, ['clientId', 'createdAt']), ...(keys !== undefined ? { jwks: keys === null ? null : toJson(keys) } : {}) }
    if (Object.keys(set).length === 0) return this.get(clientId)
    const row = await this.db
      .updateTable('applications')
      .set(set)
      .where('client_id', '=', clientId)
      .returningAll()
      .executeTakeFirst()
    if (!row) return null
    await this.changed('applications')
    return toRecord(row)
  }

  /** In one transaction: the app's codes, refresh tokens, consents, interactions, client grants, invitations and connection enablements, then the app. */
  async delete(clientId: string): Promise<boolean> {
    const deleted = await inTransaction(this.db, async (trx) => {
      await trx.deleteFrom('authorization_codes').where('client_id', '=', clientId).execute()
      await trx.deleteFrom('refresh_tokens').where('client_id', '=', clientId).execute()
      await trx.deleteFrom('consents').where('client_id', '=', clientId).execute()
      await trx.deleteFrom('interactions').where('client_id', '=', clientId).execute()
      await trx.deleteFrom('client_grants').where('client_id', '=', clientId).execute()
      await trx.deleteFrom('invitations').where('client_id', '=', clientId).execute()
      await trx.deleteFrom('connection_clients').where('client_id', '=', clientId).execute()
      const result = await trx.deleteFrom('applications').where('client_id', '=', clientId).executeTakeFirst()
      return result.numDeletedRows > 0n
    })
    // After the commit (or, on a transaction's store, when it commits).
    if (deleted) await this.changed('applications')
    return deleted
  }
}
