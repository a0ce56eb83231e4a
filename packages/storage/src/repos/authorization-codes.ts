import type { AuthorizationCodeRecord, TokenChanges, ConsumedCode } from '@latchkey/core'
import type { Kysely, Selectable } from 'kysely'
import type { AuthorizationCodeRepo } from '../contract.js'
import { batchLimit } from '../kysely/batch.js'
import { fromFlag, fromJson, toFlag, toJson } from '../kysely/columns.js'
import { InsertTemplate, QueryTemplate } from '../kysely/query-template.js'
import type { AuthorizationCodesTable, Database } from '../kysely/schema.js'
import { userFromJson, userJson } from '../kysely/user-of-row.js'

type Row = Selectable<AuthorizationCodesTable>

function toRow(r: AuthorizationCodeRecord): Row {
  return {
    code_hash: r.codeHash,
    grant_id: r.grantId,
    client_id: r.clientId,
    user_id: r.userId,
    redirect_uri: r.redirectUri,
    redirect_uri_provided: toFlag(r.redirectUriProvided),
    scope: toJson(r.scope),
    audience: r.audience,
    code_challenge: r.codeChallenge,
    code_challenge_method: r.codeChallengeMethod,
    nonce: r.nonce,
    auth_time: r.authTime,
    sid: r.sid,
    organization: r.organization,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
    consumed_at: r.consumedAt,
    dpop_jkt: r.dpopJkt ?? null,
    amr: r.amr ? toJson(r.amr) : null,
    acr: r.acr ?? null,
    token_changes: r.tokenChanges ? toJson(r.tokenChanges) : null,
  }
}

function toRecord(row: Row): AuthorizationCodeRecord {
  return {
    codeHash: row.code_hash,
    grantId: row.grant_id,
    clientId: row.client_id,
    userId: row.user_id,
    redirectUri: row.redirect_uri,
    redirectUriProvided: fromFlag(row.redirect_uri_provided),
    scope: fromJson<string[]>(row.scope),
    audience: row.audience,
    codeChallenge: row.code_challenge,
    codeChallengeMethod: row.code_challenge_method,
    nonce: row.nonce,
    authTime: row.auth_time,
    sid: row.sid,
    organization: row.organization,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    consumedAt: row.consumed_at,
    ...(row.dpop_jkt !== null ? { dpopJkt: row.dpop_jkt } : {}),
    ...(row.amr !== null ? { amr: fromJson<string[]>(row.amr) } : {}),
    ...(row.acr !== null ? { acr: row.acr } : {}),
    ...(row.token_changes !== null ? { tokenChanges: fromJson<TokenChanges>(row.token_changes) } : {}),
  }
}

/** A code is stored and consumed once per flow: both compiled once (kysely/query-template.ts). */
const INSERT_CODE = new InsertTemplate('authorization_codes')
const CONSUME_CODE = new QueryTemplate((db: Kysely<Database>, codeHash: string, clientId: string, now: number) =>
  db
    .updateTable('authorization_codes')
    .set({ consumed_at: now })
    .where('code_hash', '=', codeHash)
    .where('client_id', '=', clientId)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .returning(userJson(db, 'authorization_codes')),
)

export class KyselyAuthorizationCodeRepo implements AuthorizationCodeRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(record: AuthorizationCodeRecord): Promise<void> {
    await INSERT_CODE.execute(this.db, toRow(record))
  }

  /**
   * One `UPDATE ... WHERE client_id = ? AND consumed_at IS NULL AND expires_at > now RETURNING *`
   * (one winner), which also returns the code's user (kysely/user-of-row.ts).
   */
  async consume(codeHash: string, clientId: string, now: number): Promise<ConsumedCode | null> {
    const row = await CONSUME_CODE.first(this.db, codeHash, clientId, now)
    if (!row) return null
    const { user_json, ...code } = row
    return { code: toRecord(code), user: userFromJson(user_json) }
  }

  async findByHash(codeHash: string): Promise<AuthorizationCodeRecord | null> {
    const row = await this.db
      .selectFrom('authorization_codes')
      .selectAll()
      .where('code_hash', '=', codeHash)
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** One batch (see kysely/batch.ts). */
  async deleteExpired(now: number, batchSize: number): Promise<number> {
    const result = await this.db
      .deleteFrom('authorization_codes')
      .where('code_hash', 'in', (eb) =>
        eb.selectFrom('authorization_codes').select('code_hash').where('expires_at', '<', now).limit(batchLimit(batchSize)),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
