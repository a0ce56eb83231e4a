import { bindingRefusal, NEVER_EXPIRES, type RefreshTokenRecord, type RotateOutcome, type RotationBinding, type UseOutcome } from '@latchkey/core'
import { type Kysely, type Selectable, sql } from 'kysely'
import type { LiveRefreshGrant, RefreshTokenRepo, Slice } from '../contract.js'
import { batchLimit } from '../kysely/batch.js'
import { fromJson, toJson } from '../kysely/columns.js'
import { InsertTemplate, QueryTemplate } from '../kysely/query-template.js'
import type { Database, RefreshTokensTable } from '../kysely/schema.js'
import { userFromJson, userJson } from '../kysely/user-of-row.js'

type Row = Selectable<RefreshTokensTable>

/**
 * What a revocation writes: the time, and for a token that would never expire, an expiry of now, so
 * the sweeper removes it like any dead token (a revoked token is refused whatever its expiry).
 */
const revokedAt = (now: number) => ({ revoked_at: now, expires_at: sql<number>`case when expires_at = ${NEVER_EXPIRES} then ${now} else expires_at end` })

function toRow(r: RefreshTokenRecord): Row {
  return {
    token_hash: r.tokenHash,
    grant_id: r.grantId,
    client_id: r.clientId,
    user_id: r.userId,
    scope: toJson(r.scope),
    audience: r.audience,
    auth_time: r.authTime,
    sid: r.sid,
    organization: r.organization,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
    grant_expires_at: r.grantExpiresAt,
    rotated_at: r.rotatedAt,
    revoked_at: r.revokedAt,
    dpop_jkt: r.dpopJkt ?? null,
    amr: r.amr ? toJson(r.amr) : null,
    acr: r.acr ?? null,
  }
}

function toRecord(row: Row): RefreshTokenRecord {
  return {
    tokenHash: row.token_hash,
    grantId: row.grant_id,
    clientId: row.client_id,
    userId: row.user_id,
    scope: fromJson<string[]>(row.scope),
    audience: row.audience,
    authTime: row.auth_time,
    sid: row.sid,
    organization: row.organization,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    grantExpiresAt: row.grant_expires_at,
    rotatedAt: row.rotated_at,
    revokedAt: row.revoked_at,
    ...(row.dpop_jkt !== null ? { dpopJkt: row.dpop_jkt } : {}),
    ...(row.amr !== null ? { amr: fromJson<string[]>(row.amr) } : {}),
    ...(row.acr !== null ? { acr: row.acr } : {}),
  }
}

/**
 * What a token that could not be rotated is, read after the failed UPDATE. `latestRotation` is the
 * newest rotation of its grant: only the immediately previous token may be reused.
 */
function classify(row: Row | undefined, now: number, reuseIntervalMs: number, latestRotation: number | null): RotateOutcome {
  if (!row || row.revoked_at !== null || row.expires_at <= now || row.grant_expires_at <= now) {
    return { outcome: 'invalid' }
  }
  if (row.rotated_at === null) return { outcome: 'invalid' }
  const token = toRecord(row)
  // `now` was read when this request began, so a rival that started later may have rotated the token
  // "after" it: a negative age is age 0. A reuse interval of 0 never allows reuse.
  const recent = reuseIntervalMs > 0 && Math.max(0, now - row.rotated_at) < reuseIntervalMs
  const previous = latestRotation === null || row.rotated_at >= latestRotation
  return recent && previous ? { outcome: 'reuse-allowed', token } : { outcome: 'reuse-detected', token }
}

// Every refresh grant runs these: compiled once (kysely/query-template.ts).
const INSERT_TOKEN = new InsertTemplate('refresh_tokens')
const REVOCATION_MARKER = new QueryTemplate((db: Kysely<Database>, grantId: string) =>
  db.selectFrom('revocations').select('revoked_at').where('kind', '=', 'grant').where('id', '=', grantId),
)
/** The rotating UPDATE: active (not rotated, not revoked, idle and grant expiry after `now`). */
const rotation = (db: Kysely<Database>, tokenHash: string, now: number) =>
  db
    .updateTable('refresh_tokens')
    .set({ rotated_at: now })
    .where('token_hash', '=', tokenHash)
    .where('rotated_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('grant_expires_at', '>', now)
// Each returns the token's user too (kysely/user-of-row.ts): a refresh needs it, and this saves a statement.
const ROTATE = new QueryTemplate((db: Kysely<Database>, tokenHash: string, now: number) =>
  rotation(db, tokenHash, now).returningAll().returning(userJson(db, 'refresh_tokens')),
)
// The binding rule of core's grants/refresh-token-binding.ts, in SQL (the contract tests run both).
/** Bound to the client; the token has no DPoP key, or the request's proof has none. */
const ROTATE_FOR_CLIENT = new QueryTemplate((db: Kysely<Database>, tokenHash: string, now: number, clientId: string) =>
  rotation(db, tokenHash, now).where('client_id', '=', clientId).where('dpop_jkt', 'is', null).returningAll().returning(userJson(db, 'refresh_tokens')),
)
/** Bound to the client and, when the token has one, to the DPoP key of the request's proof. */
const ROTATE_FOR_CLIENT_AND_KEY = new QueryTemplate((db: Kysely<Database>, tokenHash: string, now: number, clientId: string, jkt: string) =>
  rotation(db, tokenHash, now)
    .where('client_id', '=', clientId)
    .where((eb) => eb.or([eb('dpop_jkt', 'is', null), eb('dpop_jkt', '=', jkt)]))
    .returningAll()
    .returning(userJson(db, 'refresh_tokens')),
)

/**
 * A non-rotating use (Auth0's `non-rotating`): the token must be what `rotation` requires (live), and
 * bound as ROTATE_FOR_CLIENT(_AND_KEY) require. With an idle lifetime, an UPDATE slides its idle
 * expiry to `until` (capped at the grant's expiry, in a CASE both dialects read alike); without
 * one, a SELECT: concurrent uses of one token then never wait on each other's row lock.
 */
const slide = (db: Kysely<Database>, tokenHash: string, now: number, until: number) =>
  db
    .updateTable('refresh_tokens')
    .set({ expires_at: sql<number>`case when grant_expires_at < ${until} then grant_expires_at else ${until} end` })
    .where('token_hash', '=', tokenHash)
    .where('rotated_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('grant_expires_at', '>', now)
const read = (db: Kysely<Database>, tokenHash: string, now: number) =>
  db
    .selectFrom('refresh_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('rotated_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('grant_expires_at', '>', now)
const SLIDE_FOR_CLIENT = new QueryTemplate((db: Kysely<Database>, tokenHash: string, now: number, until: number, clientId: string) =>
  slide(db, tokenHash, now, until).where('client_id', '=', clientId).where('dpop_jkt', 'is', null).returningAll().returning(userJson(db, 'refresh_tokens')),
)
const SLIDE_FOR_CLIENT_AND_KEY = new QueryTemplate((db: Kysely<Database>, tokenHash: string, now: number, until: number, clientId: string, jkt: string) =>
  slide(db, tokenHash, now, until)
    .where('client_id', '=', clientId)
    .where((eb) => eb.or([eb('dpop_jkt', 'is', null), eb('dpop_jkt', '=', jkt)]))
    .returningAll()
    .returning(userJson(db, 'refresh_tokens')),
)
const READ_FOR_CLIENT = new QueryTemplate((db: Kysely<Database>, tokenHash: string, now: number, clientId: string) =>
  read(db, tokenHash, now).where('client_id', '=', clientId).where('dpop_jkt', 'is', null).select(userJson(db, 'refresh_tokens')),
)
const READ_FOR_CLIENT_AND_KEY = new QueryTemplate((db: Kysely<Database>, tokenHash: string, now: number, clientId: string, jkt: string) =>
  read(db, tokenHash, now)
    .where('client_id', '=', clientId)
    .where((eb) => eb.or([eb('dpop_jkt', 'is', null), eb('dpop_jkt', '=', jkt)]))
    .select(userJson(db, 'refresh_tokens')),
)

/** Whether a row is a live token at `now`, as `rotation` requires. */
const isLive = (now: number) =>
  sql<number>`case when rotated_at is null and revoked_at is null and expires_at > ${now} and grant_expires_at > ${now} then 1 else 0 end`

/** Per grant with a live token at `now`: its first issuance and last rotation, oldest first. */
const liveGrants = (db: Kysely<Database>, now: number) =>
  db
    .selectFrom('refresh_tokens')
    .select((eb) => ['grant_id', eb.fn.min('created_at').as('first_created_at'), eb.fn.max('rotated_at').as('last_rotated_at')])
    .groupBy('grant_id')
    .having((eb) => eb.fn.sum(isLive(now)), '>', 0)
    .orderBy('first_created_at')
    .orderBy('grant_id')

export class KyselyRefreshTokenRepo implements RefreshTokenRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Inserts, then checks the revocation marker of the token's grant. The order matters:
   * a revocation writes its marker before it revokes rows, and an insert writes its row before it
   * reads the markers, so whichever runs second sees the other and the token cannot escape alive.
   */
  async insert(record: RefreshTokenRecord): Promise<boolean> {
    await INSERT_TOKEN.execute(this.db, toRow(record))
    const marker = await REVOCATION_MARKER.first(this.db, record.grantId)
    if (!marker) return true
    await this.db.updateTable('refresh_tokens').set(revokedAt(marker.revoked_at)).where('token_hash', '=', record.tokenHash).execute()
    return false
  }

  async #mark(grantId: string, now: number): Promise<void> {
    await this.db
      .insertInto('revocations')
      .values({ kind: 'grant', id: grantId, revoked_at: now })
      .onConflict((oc) => oc.columns(['kind', 'id']).doNothing())
      .execute()
  }

  /**
   * First one atomic `UPDATE ... SET rotated_at = now WHERE` active (not rotated, not revoked, idle
   * and grant expiry after `now`) `RETURNING *`: its single winner gets `rotated`, with the token
   * as updated. Everyone else reads the row:
   * - unknown, revoked (its grant was revoked, so a replay finds it dead), idle-expired or
   *   grant-expired: `invalid`;
   * - rotated less than `reuseIntervalMs` ago, and the newest rotation of its grant (the
   *   immediately previous token): `reuse-allowed`;
   * - otherwise: `reuse-detected` (the caller revokes the grant).
   * With a `binding`, the UPDATE also applies core's binding rule; a row the rule refuses reports
   * `unbound`, before and whatever its rotation state (another client's replay never revokes a grant).
   */
  async rotate(tokenHash: string, now: number, reuseIntervalMs: number, binding?: RotationBinding): Promise<RotateOutcome> {
    const rotated = !binding
      ? await ROTATE.first(this.db, tokenHash, now)
      : binding.dpopJkt === null
        ? await ROTATE_FOR_CLIENT.first(this.db, tokenHash, now, binding.clientId)
        : await ROTATE_FOR_CLIENT_AND_KEY.first(this.db, tokenHash, now, binding.clientId, binding.dpopJkt)
    if (rotated) {
      const { user_json, ...token } = rotated
      return { outcome: 'rotated', token: toRecord(token), user: userFromJson(user_json) }
    }
    const row = await this.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
    if (row && binding) {
      const token = toRecord(row)
      if (bindingRefusal(token, binding) !== null) return { outcome: 'unbound', token }
    }
    if (!row || row.rotated_at === null || reuseIntervalMs <= 0) return classify(row, now, reuseIntervalMs, null)
    const latest = await this.db
      .selectFrom('refresh_tokens')
      .select((eb) => eb.fn.max('rotated_at').as('latest'))
      .where('grant_id', '=', row.grant_id)
      .executeTakeFirst()
    return classify(row, now, reuseIntervalMs, latest?.latest == null ? null : Number(latest.latest))
  }

  /**
   * One statement for a live, bound token (see SLIDE_* and READ_* above): `used`, with its user.
   * Otherwise the row is read once: another client's or another key's token is `unbound`, anything
   * else (unknown, revoked, rotated out, expired) `invalid`. No reuse detection: nothing was rotated.
   */
  async use(tokenHash: string, now: number, idleLifetimeMs: number | null, binding: RotationBinding): Promise<UseOutcome> {
    const found =
      idleLifetimeMs === null
        ? binding.dpopJkt === null
          ? await READ_FOR_CLIENT.first(this.db, tokenHash, now, binding.clientId)
          : await READ_FOR_CLIENT_AND_KEY.first(this.db, tokenHash, now, binding.clientId, binding.dpopJkt)
        : binding.dpopJkt === null
          ? await SLIDE_FOR_CLIENT.first(this.db, tokenHash, now, now + idleLifetimeMs, binding.clientId)
          : await SLIDE_FOR_CLIENT_AND_KEY.first(this.db, tokenHash, now, now + idleLifetimeMs, binding.clientId, binding.dpopJkt)
    if (found) {
      const { user_json, ...token } = found
      return { outcome: 'used', token: toRecord(token), user: userFromJson(user_json) }
    }
    const row = await this.findByHash(tokenHash)
    if (row && bindingRefusal(row, binding) !== null) return { outcome: 'unbound', token: row }
    return { outcome: 'invalid' }
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** One grouped query (index on user_id) for the page of grants, one (index on grant_id) for their live tokens. */
  async listLiveForUser(userId: string, now: number, slice: Slice): Promise<LiveRefreshGrant[]> {
    const grants = await liveGrants(this.db, now).where('user_id', '=', userId).limit(slice.limit).offset(slice.offset).execute()
    return this.#summaries(grants, now)
  }

  async findLive(grantId: string, now: number): Promise<LiveRefreshGrant | null> {
    const grants = await liveGrants(this.db, now).where('grant_id', '=', grantId).execute()
    return (await this.#summaries(grants, now))[0] ?? null
  }

  /** Each grant with its newest live token (with a reuse interval, a grant may briefly have two). */
  async #summaries(grants: { grant_id: string; first_created_at: number; last_rotated_at: number | null }[], now: number): Promise<LiveRefreshGrant[]> {
    if (grants.length === 0) return []
    const rows = await this.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where(
        'grant_id',
        'in',
        grants.map((g) => g.grant_id),
      )
      .where('rotated_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('grant_expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .execute()
    const newest = new Map<string, Row>()
    for (const row of rows) if (!newest.has(row.grant_id)) newest.set(row.grant_id, row)
    return grants.flatMap((grant) => {
      const row = newest.get(grant.grant_id)
      if (row === undefined) return []
      return [
        {
          grantId: row.grant_id,
          userId: row.user_id,
          clientId: row.client_id,
          sid: row.sid,
          scope: fromJson<string[]>(row.scope),
          audience: row.audience,
          createdAt: Number(grant.first_created_at),
          expiresAt: row.expires_at,
          grantExpiresAt: row.grant_expires_at,
          lastRotatedAt: grant.last_rotated_at === null ? null : Number(grant.last_rotated_at),
        },
      ]
    })
  }

  /** Marks the grant revoked, then one UPDATE over its unrevoked tokens; returns how many it revoked. */
  async revokeGrant(grantId: string, now: number): Promise<number> {
    await this.#mark(grantId, now)
    const result = await this.db
      .updateTable('refresh_tokens')
      .set(revokedAt(now))
      .where('grant_id', '=', grantId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }

  /** One batch of dead tokens, then one of old revocation markers (see kysely/batch.ts). */
  async deleteExpired(before: number, batchSize: number, markersBefore = before): Promise<number> {
    const limit = batchLimit(batchSize)
    const tokens = await this.db
      .deleteFrom('refresh_tokens')
      .where('token_hash', 'in', (eb) => eb.selectFrom('refresh_tokens').select('token_hash').where('expires_at', '<', before).limit(limit))
      .executeTakeFirst()
    const markers = await this.db
      .deleteFrom('revocations')
      .where(({ eb, refTuple, selectFrom }) =>
        eb(
          refTuple('kind', 'id'),
          'in',
          selectFrom('revocations').select(['kind', 'id']).where('revoked_at', '<', markersBefore).limit(limit).$asTuple('kind', 'id'),
        ),
      )
      .executeTakeFirst()
    return Number(tokens.numDeletedRows) + Number(markers.numDeletedRows)
  }

  /**
   * One INSERT … SELECT marks the grant of every unrevoked token of the user (markers first, as in
   * revokeGrant), then one UPDATE over those tokens; returns how many it revoked.
   */
  async revokeForUser(userId: string, now: number): Promise<number> {
    await this.db
      .insertInto('revocations')
      .columns(['kind', 'id', 'revoked_at'])
      .expression((eb) =>
        eb
          .selectFrom('refresh_tokens')
          // Typed here: PostgreSQL would read an untyped parameter in a select list as text.
          .select([sql<'grant'>`'grant'`.as('kind'), 'grant_id as id', sql<number>`cast(${now} as bigint)`.as('revoked_at')])
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .distinct(),
      )
      .onConflict((oc) => oc.columns(['kind', 'id']).doNothing())
      .execute()
    const result = await this.db
      .updateTable('refresh_tokens')
      .set(revokedAt(now))
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }
}
