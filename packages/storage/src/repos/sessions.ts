import type { SsoSessionRecord, UserRecord } from '@latchkey/core'
import { type Kysely, type Selectable, sql } from 'kysely'
import type { SessionWithClients, Slice, SsoSessionRepo } from '../contract.js'
import { batchLimit } from '../kysely/batch.js'
import { fromJson, toJson } from '../kysely/columns.js'
import { QueryTemplate } from '../kysely/query-template.js'
import type { Database, SsoSessionsTable } from '../kysely/schema.js'
import { userFromJson, userJson } from '../kysely/user-of-row.js'

type Row = Selectable<SsoSessionsTable>

function toRow(r: SsoSessionRecord): Row {
  return {
    id_hash: r.idHash,
    sid: r.sid,
    user_id: r.userId,
    auth_time: r.authTime,
    created_at: r.createdAt,
    idle_expires_at: r.idleExpiresAt,
    expires_at: r.expiresAt,
    ended_at: r.endedAt,
    upstream_connection_id: r.upstream?.connectionId ?? null,
    upstream_id_token: r.upstream?.sealedIdToken ?? null,
    amr: r.amr ? toJson(r.amr) : null,
    initial_user_agent: r.device?.userAgent ?? null,
    initial_ip: r.device?.ip ?? null,
    last_interacted_at: r.lastInteractedAt ?? null,
  }
}

function toRecord(row: Row): SsoSessionRecord {
  return {
    idHash: row.id_hash,
    sid: row.sid,
    userId: row.user_id,
    authTime: row.auth_time,
    createdAt: row.created_at,
    idleExpiresAt: row.idle_expires_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
    upstream: row.upstream_connection_id === null ? null : { connectionId: row.upstream_connection_id, sealedIdToken: row.upstream_id_token },
    ...(row.amr !== null ? { amr: fromJson<string[]>(row.amr) } : {}),
    ...(row.initial_user_agent !== null || row.initial_ip !== null ? { device: { userAgent: row.initial_user_agent, ip: row.initial_ip } } : {}),
    ...(row.last_interacted_at !== null ? { lastInteractedAt: row.last_interacted_at } : {}),
  }
}

const activeSession = (db: Kysely<Database>, idHash: string, now: number) =>
  db
    .selectFrom('sso_sessions')
    .selectAll()
    .where('id_hash', '=', idHash)
    .where('ended_at', 'is', null)
    .where('idle_expires_at', '>', now)
    .where('expires_at', '>', now)
const ACTIVE_SESSION = new QueryTemplate(activeSession)
/** On every /authorize with a session, with its user (kysely/user-of-row.ts): compiled once (kysely/query-template.ts). */
const ACTIVE_SESSION_WITH_USER = new QueryTemplate((db: Kysely<Database>, idHash: string, now: number) =>
  activeSession(db, idHash, now).select(userJson(db, 'sso_sessions')),
)

export class KyselySsoSessionRepo implements SsoSessionRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(record: SsoSessionRecord): Promise<void> {
    await this.db.insertInto('sso_sessions').values(toRow(record)).execute()
  }

  async findActive(idHash: string, now: number): Promise<SsoSessionRecord | null> {
    const row = await ACTIVE_SESSION.first(this.db, idHash, now)
    return row ? toRecord(row) : null
  }

  async findActiveWithUser(idHash: string, now: number): Promise<{ readonly session: SsoSessionRecord; readonly user: UserRecord | null } | null> {
    const row = await ACTIVE_SESSION_WITH_USER.first(this.db, idHash, now)
    if (!row) return null
    const { user_json, ...session } = row
    return { session: toRecord(session), user: userFromJson(user_json) }
  }

  /** One UPDATE: the new idle expiry is capped at the absolute expiry in SQL. Ended sessions stay put. */
  async touch(idHash: string, idleExpiresAt: number, now?: number): Promise<void> {
    const capped = sql<number>`case when ${idleExpiresAt} < expires_at then ${idleExpiresAt} else expires_at end`
    await this.db
      .updateTable('sso_sessions')
      .set(now === undefined ? { idle_expires_at: capped } : { idle_expires_at: capped, last_interacted_at: now })
      .where('id_hash', '=', idHash)
      .where('ended_at', 'is', null)
      .execute()
  }

  /** One UPDATE; true only when the session was active (not ended, not expired) at `now`. */
  async end(idHash: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('sso_sessions')
      .set({ ended_at: now })
      .where('id_hash', '=', idHash)
      .where('ended_at', 'is', null)
      .where('idle_expires_at', '>', now)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /** One UPDATE … RETURNING: the active session's new `amr` and `auth_time` (a second factor passed). */
  async upgrade(idHash: string, amr: readonly string[], now: number): Promise<SsoSessionRecord | null> {
    const row = await this.db
      .updateTable('sso_sessions')
      .set({ amr: toJson(amr), auth_time: now })
      .where('id_hash', '=', idHash)
      .where('ended_at', 'is', null)
      .where('idle_expires_at', '>', now)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** One UPDATE over every not-yet-ended session of the user; returns how many it ended. */
  async endAllForUser(userId: string, now: number): Promise<number> {
    const result = await this.db
      .updateTable('sso_sessions')
      .set({ ended_at: now })
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }

  /** One query for the page of sessions (index on user_id), one for their applications (see #withClients). */
  async listActiveForUser(userId: string, now: number, slice: Slice): Promise<SessionWithClients[]> {
    const rows = await this.db
      .selectFrom('sso_sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .where('idle_expires_at', '>', now)
      .where('expires_at', '>', now)
      .orderBy('created_at')
      .orderBy('sid')
      .limit(slice.limit)
      .offset(slice.offset)
      .execute()
    return this.#withClients(rows.map(toRecord))
  }

  async findActiveBySid(sid: string, now: number): Promise<SessionWithClients | null> {
    const row = await this.db
      .selectFrom('sso_sessions')
      .selectAll()
      .where('sid', '=', sid)
      .where('ended_at', 'is', null)
      .where('idle_expires_at', '>', now)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return row ? ((await this.#withClients([toRecord(row)]))[0] ?? null) : null
  }

  /** One UPDATE (index on sid); true only when the session was active at `now`. */
  async endBySid(sid: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('sso_sessions')
      .set({ ended_at: now })
      .where('sid', '=', sid)
      .where('ended_at', 'is', null)
      .where('idle_expires_at', '>', now)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /**
   * The applications of each session (all of one user's): one UNION over the codes and refresh
   * tokens issued to the user (both indexed by user_id) from these sessions.
   */
  async #withClients(sessions: SsoSessionRecord[]): Promise<SessionWithClients[]> {
    const first = sessions[0]
    if (first === undefined) return []
    const sids = sessions.map((s) => s.sid)
    const rows = await this.db
      .selectFrom('authorization_codes')
      .select(['sid', 'client_id'])
      .where('user_id', '=', first.userId)
      .where('sid', 'in', sids)
      .union(this.db.selectFrom('refresh_tokens').select(['sid', 'client_id']).where('user_id', '=', first.userId).where('sid', 'in', sids))
      .execute()
    const clients = new Map<string, Set<string>>()
    for (const row of rows) if (row.sid !== null) clients.set(row.sid, (clients.get(row.sid) ?? new Set()).add(row.client_id))
    return sessions.map((session) => ({ session, clientIds: [...(clients.get(session.sid) ?? [])].sort() }))
  }

  /** One batch (see kysely/batch.ts); each condition has its index (migration 0007). */
  async deleteExpired(now: number, batchSize: number): Promise<number> {
    const result = await this.db
      .deleteFrom('sso_sessions')
      .where('id_hash', 'in', (eb) =>
        eb
          .selectFrom('sso_sessions')
          .select('id_hash')
          .where((w) => w.or([w('expires_at', '<', now), w('idle_expires_at', '<', now), w('ended_at', '<', now)]))
          .limit(batchLimit(batchSize)),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
