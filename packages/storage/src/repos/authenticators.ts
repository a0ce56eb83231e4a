/**
 * A user's second factors and passkeys (issue 15), and when their remembered browsers were voided.
 * Every use is one conditional UPDATE, so two racing requests cannot both spend the same TOTP step
 * or the same WebAuthn signature counter: `useTotpStep` moves `last_used_step` only forward, and
 * `recordAssertion` moves `counter` only forward (0 → 0 allowed, for authenticators that do not
 * count). The credential id, the counter and the backup flag are columns of their own (so the
 * conditions and the lookup need no JSON); the rest of the WebAuthn credential is JSON text.
 */
import type { AuthenticatorRecord, WebAuthnCredential } from '@latchkey/core'
import type { Kysely, Selectable } from 'kysely'
import type { AuthenticatorRepo } from '../contract.js'
import { batchLimit } from '../kysely/batch.js'
import { fromFlag, fromJson, toFlag, toJson } from '../kysely/columns.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import type { AuthenticatorsTable, Database } from '../kysely/schema.js'

type Row = Selectable<AuthenticatorsTable>

/** What `credential` holds: the credential without the fields that have their own columns. */
type StoredCredential = Omit<WebAuthnCredential, 'credentialId' | 'counter' | 'backedUp'>

function toRow(r: AuthenticatorRecord): Row {
  const c = r.credential
  return {
    id: r.id,
    user_id: r.userId,
    type: r.type,
    name: r.name,
    confirmed: toFlag(r.confirmed),
    sealed_secret: r.sealedSecret,
    last_used_step: r.lastUsedStep,
    credential_id: c?.credentialId ?? null,
    credential: c ? toJson({ publicKey: c.publicKey, transports: c.transports, deviceType: c.deviceType, aaguid: c.aaguid } satisfies StoredCredential) : null,
    counter: c?.counter ?? null,
    backed_up: c ? toFlag(c.backedUp) : null,
    created_at: r.createdAt,
    last_used_at: r.lastUsedAt,
  }
}

function toCredential(row: Row): WebAuthnCredential | null {
  if (row.credential_id === null || row.credential === null) return null
  const stored = fromJson<StoredCredential>(row.credential)
  return {
    credentialId: row.credential_id,
    publicKey: stored.publicKey,
    counter: Number(row.counter ?? 0),
    transports: stored.transports,
    deviceType: stored.deviceType,
    backedUp: row.backed_up !== null && fromFlag(row.backed_up),
    aaguid: stored.aaguid,
  }
}

function toRecord(row: Row): AuthenticatorRecord {
  return {
    id: row.id,
    userId: row.user_id,
    type: row.type,
    name: row.name,
    confirmed: fromFlag(row.confirmed),
    sealedSecret: row.sealed_secret,
    lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
    credential: toCredential(row),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  }
}

export class KyselyAuthenticatorRepo implements AuthenticatorRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(record: AuthenticatorRecord): Promise<void> {
    await rejectDuplicate('this authenticator, or its credential, already exists', () => this.db.insertInto('authenticators').values(toRow(record)).execute())
  }

  async get(id: string): Promise<AuthenticatorRecord | null> {
    const row = await this.db.selectFrom('authenticators').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async listForUser(userId: string): Promise<AuthenticatorRecord[]> {
    const rows = await this.db.selectFrom('authenticators').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute()
    return rows.map(toRecord)
  }

  async findByCredentialId(credentialId: string): Promise<AuthenticatorRecord | null> {
    const row = await this.db.selectFrom('authenticators').selectAll().where('credential_id', '=', credentialId).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** Also sets `lastUsedAt` to `now`: the confirming code or registration is the factor's first use. */
  async confirm(userId: string, id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('authenticators')
      .set({ confirmed: 1, last_used_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('confirmed', '=', 0)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** One `UPDATE … WHERE last_used_step IS NULL OR last_used_step < step`, on TOTP authenticators only. */
  async useTotpStep(id: string, step: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('authenticators')
      .set({ last_used_step: step, last_used_at: now })
      .where('id', '=', id)
      .where('type', '=', 'totp')
      .where((w) => w.or([w('last_used_step', 'is', null), w('last_used_step', '<', step)]))
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /**
   * One `UPDATE … WHERE counter < new` (or `counter = 0` when the new one is 0 too), on WebAuthn
   * authenticators only; it also records the backup state and the time.
   */
  async recordAssertion(id: string, counter: number, backedUp: boolean, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('authenticators')
      .set({ counter, backed_up: toFlag(backedUp), last_used_at: now })
      .where('id', '=', id)
      .where('credential_id', 'is not', null)
      .where('counter', counter === 0 ? '=' : '<', counter)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('authenticators').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
    return Number(result.numDeletedRows) === 1
  }

  async deleteForUser(userId: string): Promise<number> {
    const result = await this.db.deleteFrom('authenticators').where('user_id', '=', userId).executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /** One batch (see kysely/batch.ts), on the `(confirmed, created_at)` index (migration 0016). */
  async deleteUnconfirmedBefore(cutoff: number, batchSize: number): Promise<number> {
    const result = await this.db
      .deleteFrom('authenticators')
      .where('id', 'in', (eb) =>
        eb.selectFrom('authenticators').select('id').where('confirmed', '=', 0).where('created_at', '<', cutoff).limit(batchLimit(batchSize)),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /** One upsert: the latest revocation replaces the previous one. */
  async revokeRememberedBrowsers(userId: string, now: number): Promise<void> {
    await this.db
      .insertInto('mfa_remember_revocations')
      .values({ user_id: userId, revoked_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ revoked_at: now }))
      .execute()
  }

  async rememberedBrowsersRevokedAt(userId: string): Promise<number | null> {
    const row = await this.db.selectFrom('mfa_remember_revocations').select('revoked_at').where('user_id', '=', userId).executeTakeFirst()
    return row ? row.revoked_at : null
  }
}
