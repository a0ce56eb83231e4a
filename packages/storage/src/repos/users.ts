import { DATABASE_CONNECTION, normalizeEmail, type UserRecord, type UserSearch, type UserSearchField, type UserSearchTerm } from '@latchkey/core'
import { type Expression, type ExpressionBuilder, type Insertable, type Kysely, PostgresAdapter, type Selectable, type SqlBool, sql } from 'kysely'
import type { MigrationProgress, Page, UserFilter, UserImport, UserImportResult, UserPatch, UserRepo, UserWithGrant } from '../contract.js'
import { type ColumnWriters, fromFlag, fromJson, toFlag, toJson, writeColumns } from '../kysely/columns.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import { inTransaction } from '../kysely/in-transaction.js'
import { countRows, listPage, MAX_PER_PAGE, pageWindow } from '../kysely/paging.js'
import { QueryTemplate } from '../kysely/query-template.js'
import type { Database, UsersTable } from '../kysely/schema.js'
import { KyselyAuthenticatorRepo } from './authenticators.js'
import { KyselyIdentityRepo } from './identities.js'

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
  connection: (v) => ({ connection: v }),
  blocked: (v) => ({ blocked: toFlag(v) }),
  lastLoginAt: (v) => ({ last_login_at: v }),
  loginsCount: (v) => ({ logins_count: v ?? 0 }),
  createdAt: (v) => ({ created_at: v }),
  updatedAt: (v) => ({ updated_at: v }),
}

export function toUserRecord(row: Row): UserRecord {
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
    connection: row.connection,
    blocked: fromFlag(row.blocked),
    lastLoginAt: row.last_login_at,
    loginsCount: row.logins_count ?? 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** On every /authorize and every token: compiled once (kysely/query-template.ts). */
const USER_BY_ID = new QueryTemplate((db: Kysely<Database>, id: string) => db.selectFrom('users').selectAll().where('id', '=', id))
/**
 * On every /userinfo call: the user and, in the same statement, whether a revocation marker names
 * the grant (one probe of the markers' primary key).
 */
const USER_WITH_GRANT = new QueryTemplate((db: Kysely<Database>, id: string, grantId: string) =>
  db
    .selectFrom('users')
    .selectAll('users')
    .select((eb) =>
      eb
        .exists(eb.selectFrom('revocations').select('revocations.id').where('revocations.kind', '=', 'grant').where('revocations.id', '=', grantId))
        .as('grant_revoked'),
    )
    .where('users.id', '=', id),
)

/**
 * On every password login: the database connection's user with this email (the partial unique
 * index `users_email_key` answers it: the connection is in the SQL text, so PostgreSQL can use it).
 */
const DATABASE_USER_BY_EMAIL = new QueryTemplate((db: Kysely<Database>, email: string) =>
  db.selectFrom('users').selectAll().where('email', '=', email).where('connection', '=', sql.lit(DATABASE_CONNECTION.name)),
)

/** The users table's column for each searchable field. */
const SEARCH_COLUMNS: Readonly<Record<UserSearchField, 'email' | 'name' | 'given_name' | 'family_name' | 'nickname' | 'id'>> = {
  email: 'email',
  name: 'name',
  given_name: 'given_name',
  family_name: 'family_name',
  nickname: 'nickname',
  user_id: 'id',
}

/** `%`, `_` and the escape character itself as plain characters of a LIKE pattern (`ESCAPE '\\'`). */
const likePrefix = (value: string) => `${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/**
 * One field of a search term, in the form each dialect's index for it answers (migration 0026):
 * PostgreSQL `lower(column)` (`text_pattern_ops`: `=` and a prefix LIKE), SQLite the column with
 * `COLLATE NOCASE` (its LIKE, which folds ASCII case, and `= … COLLATE NOCASE`). The email is stored
 * normalised, so it is compared as it is, to the normalised value.
 */
function fieldCondition(postgres: boolean, field: UserSearchField, term: UserSearchTerm): Expression<SqlBool> {
  const column = sql.ref(SEARCH_COLUMNS[field])
  // The id is case-sensitive and core's parser makes no prefix of it: always the whole id (the primary key).
  if (field === 'user_id') return sql<SqlBool>`${column} = ${term.value}`
  const value = field === 'email' ? normalizeEmail(term.value) : term.value.toLowerCase()
  const folded = postgres && field !== 'email' ? sql`lower(${column})` : column
  if (term.match === 'prefix') return sql<SqlBool>`${folded} like ${likePrefix(value)} escape '\\'`
  return postgres || field === 'email' ? sql<SqlBool>`${folded} = ${value}` : sql<SqlBool>`${column} = ${value} collate nocase`
}

const EMAIL_TAKEN = 'a user with this email already exists'
const ID_TAKEN = 'a user with this id already exists'

/** Which users to delete with everything that is theirs: one, or all of a connection. */
export type UsersToDelete = { readonly id: string } | { readonly connection: string }

/**
 * Deletes users and their sessions, interactions, consents, codes, refresh tokens, memberships,
 * identities, email tickets, the emails about them not yet sent (pending, sending or failed: a
 * sealed message may still name a ticket or the address), authenticators, recovery codes and
 * remembered-browser revocation, in the caller's transaction (users.delete,
 * connections.delete). Sent emails stay until the sweeper's retention: they hold no message any more,
 * only the delivery record (template, address, times). Returns how many users.
 */
export async function deleteUsers(trx: Kysely<Database>, which: UsersToDelete): Promise<number> {
  const ids = 'id' in which ? [which.id] : trx.selectFrom('users').select('id').where('connection', '=', which.connection)
  await trx.deleteFrom('sso_sessions').where('user_id', 'in', ids).execute()
  await trx.deleteFrom('interactions').where('user_id', 'in', ids).execute()
  await trx.deleteFrom('consents').where('user_id', 'in', ids).execute()
  await trx.deleteFrom('authorization_codes').where('user_id', 'in', ids).execute()
  await trx.deleteFrom('refresh_tokens').where('user_id', 'in', ids).execute()
  await trx.deleteFrom('organization_members').where('user_id', 'in', ids).execute()
  await trx.deleteFrom('identities').where('user_id', 'in', ids).execute()
  await trx.deleteFrom('tickets').where('user_id', 'in', ids).execute()
  await trx.deleteFrom('outbox_emails').where('user_id', 'in', ids).where('status', '!=', 'sent').execute()
  await trx.deleteFrom('authenticators').where('user_id', 'in', ids).execute()
  await trx.deleteFrom('recovery_codes').where('user_id', 'in', ids).execute()
  await trx.deleteFrom('mfa_remember_revocations').where('user_id', 'in', ids).execute()
  await trx.deleteFrom('user_roles').where('user_id', 'in', ids).execute()
  await trx.deleteFrom('user_permissions').where('user_id', 'in', ids).execute()
  const result = await trx.deleteFrom('users').where('id', 'in', ids).executeTakeFirst()
  return Number(result.numDeletedRows)
}

export class KyselyUserRepo implements UserRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores the email normalised; a taken email (among the database connection's users) or id throws ConflictError. */
  async insert(record: UserRecord): Promise<void> {
    const row = writeColumns(writers, record) as Insertable<UsersTable>
    // Only the database connection's emails are unique: for any other user, a conflict is the id.
    await rejectDuplicate(record.connection === DATABASE_CONNECTION.name ? EMAIL_TAKEN : ID_TAKEN, () =>
      this.db.insertInto('users').values(row).execute(),
    )
  }

  async get(id: string): Promise<UserRecord | null> {
    const row = await USER_BY_ID.first(this.db, id)
    return row ? toUserRecord(row) : null
  }

  async recordLogin(id: string, now: number): Promise<UserRecord | null> {
    const row = await this.db
      .updateTable('users')
      .set({ last_login_at: now, logins_count: sql<number>`logins_count + 1` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    return row ? toUserRecord(row) : null
  }

  async getWithGrant(id: string, grantId: string): Promise<UserWithGrant | null> {
    const row = await USER_WITH_GRANT.first(this.db, id, grantId)
    if (!row) return null
    const { grant_revoked, ...user } = row
    // PostgreSQL answers a boolean, SQLite 0 or 1.
    return { user: toUserRecord(user), grantRevoked: Boolean(grant_revoked) }
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    const row = await DATABASE_USER_BY_EMAIL.first(this.db, normalizeEmail(email))
    return row ? toUserRecord(row) : null
  }

  async listByEmail(email: string): Promise<UserRecord[]> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', normalizeEmail(email))
      .orderBy('created_at')
      .orderBy('id')
      .limit(MAX_PER_PAGE)
      .execute()
    return rows.map(toUserRecord)
  }

  async list(filter: UserFilter & Page = {}): Promise<UserRecord[]> {
    if (filter.connection === undefined) return (await listPage(this.db, 'users', filter)).map(toUserRecord)
    const { limit, offset } = pageWindow(filter)
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('connection', '=', filter.connection)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute()
    return rows.map(toUserRecord)
  }

  async search(search: UserSearch, options: UserFilter & Page = {}): Promise<{ items: UserRecord[]; total: number }> {
    const postgres = this.db.getExecutor().adapter instanceof PostgresAdapter
    const matching = (eb: ExpressionBuilder<Database, 'users'>) =>
      eb.and([
        ...search.map((term) => eb.or(term.fields.map((field) => fieldCondition(postgres, field, term)))),
        ...(options.connection !== undefined ? [eb('connection', '=', options.connection)] : []),
      ])
    const { limit, offset } = pageWindow(options)
    const rows = await this.db.selectFrom('users').selectAll().where(matching).orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute()
    const counted = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(matching)
      .executeTakeFirstOrThrow()
    return { items: rows.map(toUserRecord), total: Number(counted.n) }
  }

  async countLoggedInSince(since: number): Promise<number> {
    const { n } = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('last_login_at', '>=', since)
      .executeTakeFirstOrThrow()
    return Number(n)
  }

  async count(filter: UserFilter = {}): Promise<number> {
    if (filter.connection === undefined) return countRows(this.db, 'users')
    const { n } = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('connection', '=', filter.connection)
      .executeTakeFirstOrThrow()
    return Number(n)
  }

  /** One `UPDATE ... RETURNING`: atomic. A taken new email throws ConflictError. The connection never changes. */
  async update(id: string, patch: UserPatch): Promise<UserRecord | null> {
    const set = writeColumns<UserRecord, UsersTable>(writers, patch, ['id', 'connection', 'createdAt'])
    if (Object.keys(set).length === 0) return this.get(id)
    const row = await rejectDuplicate(EMAIL_TAKEN, () =>
      this.db.updateTable('users').set(set).where('id', '=', id).returningAll().executeTakeFirst(),
    )
    return row ? toUserRecord(row) : null
  }

  /** In one transaction: finds the existing user (id, then email, then upstream account), then inserts, or updates what differs. */
  async importUser(entry: UserImport, options: { readonly upsert: boolean; readonly now: number }): Promise<UserImportResult> {
    return inTransaction(this.db, async (trx) => {
      const users = new KyselyUserRepo(trx)
      const identities = new KyselyIdentityRepo(trx)
      const authenticators = new KyselyAuthenticatorRepo(trx)
      const { user, now } = { user: entry.user, now: options.now }
      const byId = entry.idGiven ? await users.get(user.id) : null
      const byEmail = user.connection === DATABASE_CONNECTION.name && user.email !== '' ? await users.findByEmail(user.email) : null
      const owners = new Map<string, string>()
      for (const i of entry.identities) {
        const found = await identities.find(i.connectionId, i.providerUserId)
        if (found) owners.set(`${i.connectionId}\u0000${i.providerUserId}`, found.userId)
      }
      const existing = byId ?? byEmail ?? (owners.size > 0 ? await users.get([...owners.values()][0] as string) : null)

      if (!existing) {
        await users.insert(user)
        await addParts(identities, authenticators, entry, user.id, now)
        return { status: 'inserted', user }
      }
      const which = byId ? `user_id ${existing.id}` : byEmail ? `email ${existing.email}` : 'upstream account'
      if (!options.upsert) return { status: 'duplicate', message: `a user with this ${which} already exists` }
      const conflict =
        existing.connection !== user.connection
          ? `the user with this ${which} is a user of the connection ${existing.connection}`
          : byId && byEmail && byId.id !== byEmail.id
            ? `the user_id belongs to one user and the email to another (${byEmail.id})`
            : entry.idGiven && existing.id !== user.id
              ? `the user with this ${which} has the user_id ${existing.id}: an import never changes a user_id`
              : user.connection === DATABASE_CONNECTION.name && existing.email !== user.email
                ? `the user ${existing.id} has the email ${existing.email}: an import never changes an email (latchkey users update does)`
                : [...owners.values()].some((owner) => owner !== existing.id)
                  ? 'an upstream account of this entry is the identity of another user'
                  : null
      if (conflict !== null) return { status: 'conflict', message: conflict }

      const ownHash = entry.ownHashPrefix !== undefined && existing.passwordHash?.startsWith(entry.ownHashPrefix) === true
      const patch = Object.fromEntries(
        Object.entries(entry.changes).filter(
          ([key, value]) => !(key === 'passwordHash' && ownHash) && canonicalJson(value) !== canonicalJson((existing as unknown as Record<string, unknown>)[key] ?? null),
        ),
      ) as UserPatch
      const added = await addParts(identities, authenticators, entry, existing.id, now)
      if (Object.keys(patch).length === 0 && added === 0) return { status: 'unchanged', user: existing }
      const updated = (await users.update(existing.id, { ...patch, updatedAt: now })) ?? existing
      return { status: 'updated', user: updated }
    })
  }

  /** In one transaction: insert when the email is free, else fill in the user without a password (`password_hash IS NULL` in the update, so two logins cannot both). */
  async saveMigrated(user: UserRecord, now: number): Promise<UserRecord | null> {
    return inTransaction(this.db, async (trx) => {
      const users = new KyselyUserRepo(trx)
      const existing = await users.findByEmail(user.email)
      if (!existing) {
        if (await users.get(user.id)) return null
        const row = { ...(writeColumns(writers, user) as Insertable<UsersTable>), migrated_at: now }
        await rejectDuplicate(EMAIL_TAKEN, () => trx.insertInto('users').values(row).execute())
        return users.get(user.id)
      }
      if (existing.passwordHash !== null) return null
      const row = await trx
        .updateTable('users')
        .set({
          password_hash: user.passwordHash,
          migrated_at: now,
          updated_at: now,
          email_verified: toFlag(existing.emailVerified || user.emailVerified),
          name: existing.name ?? user.name,
          nickname: existing.nickname ?? user.nickname,
          picture: existing.picture ?? user.picture,
          given_name: existing.givenName ?? user.givenName ?? null,
          family_name: existing.familyName ?? user.familyName ?? null,
        })
        .where('id', '=', existing.id)
        .where('password_hash', 'is', null)
        .returningAll()
        .executeTakeFirst()
      return row ? toUserRecord(row) : null
    })
  }

  async migrationProgress(currentHashPrefix: string): Promise<MigrationProgress> {
    const current = sql<boolean>`substr(password_hash, 1, ${currentHashPrefix.length}) = ${currentHashPrefix}`
    const row = await this.db
      .selectFrom('users')
      .select([
        sql<number | string>`count(*)`.as('total'),
        sql<number | string>`count(migrated_at)`.as('migrated'),
        sql<number | string>`count(case when password_hash is not null and not (${current}) then 1 end)`.as('pending_rehash'),
        sql<number | string>`count(case when password_hash is null then 1 end)`.as('without_password'),
      ])
      .where('connection', '=', DATABASE_CONNECTION.name)
      .executeTakeFirstOrThrow()
    return { total: Number(row.total), migrated: Number(row.migrated), pendingRehash: Number(row.pending_rehash), withoutPassword: Number(row.without_password) }
  }

  /** In one transaction: the user's sessions, interactions, consents, codes, refresh tokens, memberships, identities, tickets, unsent emails and MFA factors, then the user. */
  async delete(id: string): Promise<boolean> {
    return inTransaction(this.db, async (trx) => (await deleteUsers(trx, { id })) > 0)
  }
}

/** Adds the entry's identities and authenticators the user does not have yet; how many. */
async function addParts(identities: KyselyIdentityRepo, authenticators: KyselyAuthenticatorRepo, entry: UserImport, userId: string, now: number): Promise<number> {
  let added = 0
  for (const i of entry.identities) {
    if (await identities.find(i.connectionId, i.providerUserId)) continue
    await identities.insert({ ...i, userId, createdAt: now, updatedAt: now })
    added++
  }
  for (const a of entry.authenticators) {
    if ((await authenticators.get(a.id))?.userId === userId) continue
    await authenticators.insert({ ...a, userId })
    added++
  }
  return added
}

/** JSON with sorted keys, so values read back from PostgreSQL's jsonb (which reorders keys) compare equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  )
}
