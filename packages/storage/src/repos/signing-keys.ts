import type { SigningKeyRecord } from '@latchkey/core'
import { type Kysely, PostgresAdapter, type Selectable, sql } from 'kysely'
import type { SigningKeyRepo } from '../contract.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import type { PublishChange } from '../kysely/coordination.js'
import type { Database, SigningKeysTable } from '../kysely/schema.js'

type Row = Selectable<SigningKeysTable>

function toRow(r: SigningKeyRecord): Row {
  return {
    kid: r.kid,
    alg: r.alg,
    public_jwk: r.publicJwk,
    private_jwk: r.privateJwk,
    created_at: r.createdAt,
    activates_at: r.activatesAt,
  }
}

function toRecord(row: Row): SigningKeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    publicJwk: row.public_jwk,
    privateJwk: row.private_jwk,
    createdAt: row.created_at,
    activatesAt: row.activates_at,
  }
}

export class KyselySigningKeyRepo implements SigningKeyRepo {
  constructor(
    private readonly db: Kysely<Database>,
    /** Inserts and deletes tell the other nodes' key rings (a rotation is seen at once). */
    private readonly changed: PublishChange,
  ) {}

  /** A taken kid throws ConflictError. */
  async insert(record: SigningKeyRecord): Promise<void> {
    await rejectDuplicate(`signing key ${record.kid} already exists`, () =>
      this.db.insertInto('signing_keys').values(toRow(record)).execute(),
    )
    await this.changed('signing-keys')
  }

  /** Oldest activation first; ties by creation, then kid. */
  async list(): Promise<SigningKeyRecord[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .orderBy('activates_at')
      .orderBy('created_at')
      .orderBy('kid')
      .execute()
    return rows.map(toRecord)
  }

  /**
   * SQLite: a transaction already holds the write lock (`BEGIN IMMEDIATE`, see sqlite.ts), so other
   * processes wait at their BEGIN. PostgreSQL: `SHARE ROW EXCLUSIVE` conflicts with itself and with
   * every insert, update and delete, not with plain reads; taken before the read, so the read (a new
   * snapshot under READ COMMITTED) sees what the previous holder committed.
   */
  async listForUpdate(): Promise<SigningKeyRecord[]> {
    if (!this.db.isTransaction) throw new Error('signingKeys.listForUpdate() needs a transaction (store.transaction)')
    if (this.db.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`lock table signing_keys in share row exclusive mode`.execute(this.db)
    }
    return this.list()
  }

  async delete(kid: string): Promise<boolean> {
    const result = await this.db.deleteFrom('signing_keys').where('kid', '=', kid).executeTakeFirst()
    if (result.numDeletedRows === 0n) return false
    await this.changed('signing-keys')
    return true
  }

  /** One `UPDATE … WHERE kid = ? AND private_jwk = ?`: a compare-and-set. */
  async replacePrivateJwk(kid: string, expected: string, replacement: string): Promise<boolean> {
    const result = await this.db
      .updateTable('signing_keys')
      .set({ private_jwk: replacement })
      .where('kid', '=', kid)
      .where('private_jwk', '=', expected)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }
}
