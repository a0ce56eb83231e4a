import type { Kysely, Transaction } from 'kysely'
import type { Database } from './schema.js'

/** Runs fn in the caller's transaction if `db` is one, else in a new transaction. */
export function inTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db)
  return db.transaction().execute((trx: Transaction<Database>) => fn(trx))
}
