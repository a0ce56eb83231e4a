/**
 * Identities: which upstream accounts log in as which user. The primary key is the upstream
 * account (connection, provider user id), so an account is the identity of one user at most, and
 * the login finds it with one probe of that key; an index on user_id lists a user's identities.
 */
import type { ConnectionStrategy, IdentityRecord } from '@latchkey/core'
import type { Kysely, Selectable } from 'kysely'
import type { IdentityRepo } from '../contract.js'
import { fromFlag, fromJson, toFlag, toJson } from '../kysely/columns.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import { QueryTemplate } from '../kysely/query-template.js'
import type { Database, IdentitiesTable } from '../kysely/schema.js'

type Row = Selectable<IdentitiesTable>

function toRecord(row: Row): IdentityRecord {
  return {
    userId: row.user_id,
    connectionId: row.connection_id,
    provider: row.provider as ConnectionStrategy,
    providerUserId: row.provider_user_id,
    isSocial: fromFlag(row.is_social),
    profileData: fromJson<Record<string, unknown>>(row.profile_data),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** On every login through a connection: compiled once (kysely/query-template.ts). */
const IDENTITY_BY_ACCOUNT = new QueryTemplate((db: Kysely<Database>, connectionId: string, providerUserId: string) =>
  db.selectFrom('identities').selectAll().where('connection_id', '=', connectionId).where('provider_user_id', '=', providerUserId),
)

/** Refreshing the profile at every login through a connection: compiled once. */
const UPDATE_PROFILE = new QueryTemplate((db: Kysely<Database>, connectionId: string, providerUserId: string, profileData: string, now: number) =>
  db
    .updateTable('identities')
    .set({ profile_data: profileData, updated_at: now })
    .where('connection_id', '=', connectionId)
    .where('provider_user_id', '=', providerUserId)
    .returningAll(),
)

export class KyselyIdentityRepo implements IdentityRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async find(connectionId: string, providerUserId: string): Promise<IdentityRecord | null> {
    const row = await IDENTITY_BY_ACCOUNT.first(this.db, connectionId, providerUserId)
    return row ? toRecord(row) : null
  }

  async listForUser(userId: string): Promise<IdentityRecord[]> {
    const rows = await this.db
      .selectFrom('identities')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('connection_id')
      .orderBy('provider_user_id')
      .execute()
    return rows.map(toRecord)
  }

  async listForUsers(userIds: readonly string[]): Promise<ReadonlyMap<string, IdentityRecord[]>> {
    const byUser = new Map<string, IdentityRecord[]>(userIds.map((id) => [id, []]))
    if (userIds.length === 0) return byUser
    if (userIds.length > 100) throw new RangeError('listForUsers takes at most 100 users')
    const rows = await this.db
      .selectFrom('identities')
      .selectAll()
      .where('user_id', 'in', [...new Set(userIds)])
      .orderBy('user_id')
      .orderBy('created_at')
      .orderBy('connection_id')
      .orderBy('provider_user_id')
      .execute()
    for (const row of rows) byUser.get(row.user_id)?.push(toRecord(row))
    return byUser
  }

  async insert(record: IdentityRecord): Promise<void> {
    await rejectDuplicate('this account is already an identity of a user', () =>
      this.db
        .insertInto('identities')
        .values({
          connection_id: record.connectionId,
          provider_user_id: record.providerUserId,
          user_id: record.userId,
          provider: record.provider,
          is_social: toFlag(record.isSocial),
          profile_data: toJson(record.profileData),
          created_at: record.createdAt,
          updated_at: record.updatedAt,
        })
        .execute(),
    )
  }

  async updateProfile(connectionId: string, providerUserId: string, profileData: Readonly<Record<string, unknown>>, now: number): Promise<IdentityRecord | null> {
    const row = await UPDATE_PROFILE.first(this.db, connectionId, providerUserId, toJson(profileData), now)
    return row ? toRecord(row) : null
  }

  async move(connectionId: string, providerUserId: string, toUserId: string, now: number): Promise<IdentityRecord | null> {
    const row = await this.db
      .updateTable('identities')
      .set({ user_id: toUserId, updated_at: now })
      .where('connection_id', '=', connectionId)
      .where('provider_user_id', '=', providerUserId)
      .returningAll()
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async delete(userId: string, connectionId: string, providerUserId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('identities')
      .where('user_id', '=', userId)
      .where('connection_id', '=', connectionId)
      .where('provider_user_id', '=', providerUserId)
      .executeTakeFirst()
    return result.numDeletedRows > 0n
  }
}
