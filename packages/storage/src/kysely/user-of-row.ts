/**
 * A statement that uses a code or a refresh token also returns the token's user, as a JSON object
 * in one more column (`user_json`): one round trip instead of two on PostgreSQL, one statement fewer
 * on SQLite, for every code exchange and refresh (issue 16). A correlated subquery, so a token whose
 * user is gone still comes back (with `user_json` null) and is refused by the grant as before.
 * Kysely's JSON helpers differ by dialect (PostgreSQL `to_json`, SQLite `json_object` over named
 * columns); the statement is compiled once per dialect (query-template.ts), so the choice is made then.
 */
import { type AliasedRawBuilder, type Kysely, PostgresAdapter, type Selectable, sql } from 'kysely'
import { jsonObjectFrom as postgresJson } from 'kysely/helpers/postgres'
import { jsonObjectFrom as sqliteJson } from 'kysely/helpers/sqlite'
import type { UserRecord } from '@latchkey/core'
import { toUserRecord } from '../repos/users.js'
import type { Database, UsersTable } from './schema.js'

const USER_COLUMNS = [
  'id',
  'email',
  'email_verified',
  'name',
  'nickname',
  'picture',
  'given_name',
  'family_name',
  'user_metadata',
  'app_metadata',
  'password_hash',
  'connection',
  'blocked',
  'last_login_at',
  'logins_count',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof UsersTable)[]

/** The `user_json` column for a statement on `table`, whose `user_id` names the user. */
export function userJson(db: Kysely<Database>, table: 'authorization_codes' | 'refresh_tokens' | 'sso_sessions'): AliasedRawBuilder<unknown, 'user_json'> {
  const user = db
    .selectFrom('users')
    .select(USER_COLUMNS.map((c) => `users.${c}` as const))
    .where(sql<boolean>`${sql.ref('users.id')} = ${sql.ref(`${table}.user_id`)}`)
  const json = db.getExecutor().adapter instanceof PostgresAdapter ? postgresJson(user) : sqliteJson(user)
  return (json as unknown as import('kysely').RawBuilder<unknown>).as('user_json')
}

/** The user a `user_json` column holds (an object on PostgreSQL, JSON text on SQLite), or null. */
export function userFromJson(value: unknown): UserRecord | null {
  if (value === null || value === undefined) return null
  return toUserRecord((typeof value === 'string' ? JSON.parse(value) : value) as Selectable<UsersTable>)
}
