import { DATABASE_CONNECTION, normalizeEmail, type UserRecord } from '@latchkey/core'
import type { Insertable, Kysely, Selectable } from 'kysely'
import type { Page, UserPatch, UserRepo, UserWithGrant } from '../contract.js'
import { type ColumnWriters, fromFlag, fromJson, toFlag, toJson, writeColumns } from '../kysely/columns.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import { inTransaction } from '../kysely/in-transaction.js'
import { countRows, listPage } from '../kysely/paging.js'
import { QueryTemplate } from '../kysely/query-template.js'
import type { Database, UsersTable } from '../kysely/schema.js'

type Row = Selectable<UsersTable>

const writers: ColumnWriters<UserRecord, UsersTable> = {
  id: (v) => ({ id: v }),
  email: (v) => ({ email: normalizeEmail(v) }),
  emailVerified: (v) => ({ email_verified: toFlag(v) }),
  name: (v) => ({ name: v }),
  nickname: (v) => ({ nickname: v }),
  picture: (v) => ({ picture: v }),
  givenName: (v) => ({ given_name: v ?? null }),
  familyName: (v) => ({ family_name: v ?? null }),
  userMetadata: (v) => ({ user_metadata: toJson(v ?? {}) }),
  appMetadata: (v) => ({ app_metadata: toJson(v ?? {}) }),
  passwordHash: (v) => ({ password_hash: v }),
  // Written once migration 0011 adds the column (issue 13, in progress).
  connection: () => ({}),
  blocked: (v) => ({ blocked: toFlag(v) }),
  lastLoginAt: (v) => ({ last_login_at: v }),
  createdAt: (v) => ({ created_at: v }),
  updatedAt: (v) => ({ updated_at: v }),
}

function toRecord(row: Row): UserRecord {
  return {
    id: row.id,
    email: row.email,
    emailVerified: fromFlag(row.email_verified),
    name: row.name,
    nickname: row.nickname,
    picture: row.picture,
    givenName: row.given_name,
    familyName: row.family_name,
    userMetadata: fromJson<Record<string, unknown>>(row.user_metadata),
    appMetadata: fromJson<Record<string, unknown>>(row.app_metadata),
    passwordHash: row.password_hash,
    connection: DATABASE_CONNECTION.name,
    blocked: fromFlag(row.blocked),
    lastLoginAt: row.last_login_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** On every /authorize and every token: compiled once (kysely/query-template.ts). */
const USER_BY_ID = new QueryTemplate((db: Kysely<Database>, id: string) => db.selectFrom('users').selectAll().where('id', '=', id))
/**
 * On every /userinfo call: the user and, in the same statement, whether a revocation marker names
 * the grant or its family (two probes of the markers' primary key).
 */
const USER_WITH_GRANT = new QueryTemplate((db: Kysely<Database>, id: string, grantId: string) =>
  db
    .selectFrom('users')
    .selectAll('users')
    .select((eb) =>
      eb
        .exists(eb.selectFrom('revocations').select('revocations.id').where('revocations.kind', 'in', ['grant', 'family']).where('revocations.id', '=', grantId))
        .as('grant_revoked'),
    )
    .where('users.id', '=', id),
)

export class KyselyUserRepo implements UserRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores the email lower-cased; a taken email (or id) throws ConflictError. */
  async insert(record: UserRecord): Promise<void> {
    const row = writeColumns(writers, record) as Insertable<UsersTable>
    await rejectDuplicate('a user with this email already exists', () =>
      this.db.insertInto('users').values(row).execute(),
    )
  }

  async get(id: string): Promise<UserRecord | null> {
    const row = await USER_BY_ID.first(this.db, id)
    return row ? toRecord(row) : null
  }

  async getWithGrant(id: string, grantId: string): Promise<UserWithGrant | null> {
    const row = await USER_WITH_GRANT.first(this.db, id, grantId)
    if (!row) return null
    const { grant_revoked, ...user } = row
    // PostgreSQL answers a boolean, SQLite 0 or 1.
    return { user: toRecord(user), grantRevoked: Boolean(grant_revoked) }
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', normalizeEmail(email))
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async listByEmail(email: string): Promise<UserRecord[]> {
    const found = await this.findByEmail(email)
    return found ? [found] : []
  }

  async list(page?: Page): Promise<UserRecord[]> {
    return (await listPage(this.db, 'users', page)).map(toRecord)
  }

  async count(): Promise<number> {
    return countRows(this.db, 'users')
  }

  /** One `UPDATE ... RETURNING`: atomic. A taken new email throws ConflictError. */
  async update(id: string, patch: UserPatch): Promise<UserRecord | null> {
    const set = writeColumns(writers, patch, ['id', 'createdAt'])
    if (Object.keys(set).length === 0) return this.get(id)
    const row = await rejectDuplicate('a user with this email already exists', () =>
      this.db.updateTable('users').set(set).where('id', '=', id).returningAll().executeTakeFirst(),
    )
    return row ? toRecord(row) : null
  }

  /** In one transaction: the user's sessions, interactions, consents, codes, refresh tokens and memberships, then the user. */
  async delete(id: string): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      await trx.deleteFrom('sso_sessions').where('user_id', '=', id).execute()
      await trx.deleteFrom('interactions').where('user_id', '=', id).execute()
      await trx.deleteFrom('consents').where('user_id', '=', id).execute()
      await trx.deleteFrom('authorization_codes').where('user_id', '=', id).execute()
      await trx.deleteFrom('refresh_tokens').where('user_id', '=', id).execute()
      await trx.deleteFrom('organization_members').where('user_id', '=', id).execute()
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst()
      return result.numDeletedRows > 0n
    })
  }
}
