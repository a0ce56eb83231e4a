/**
 * Opening a store from a database URL:
 * - `sqlite:./data/latchkey.db`, `sqlite:///abs/path.db`, or a bare path ending in `.db`: a SQLite
 *   file (its directory is created if missing);
 * - `sqlite::memory:` (or `:memory:`): a private in-memory SQLite database;
 * - `postgres://…` or `postgresql://…`: PostgreSQL; `?schema=NAME` keeps the store in that schema,
 *   `?pool=N` sizes its connection pool (see kysely/postgres.ts).
 *
 * `openStore` does not migrate; call `store.migrate()`, or use `openAndMigrate`.
 */
import type { Store } from './contract.js'
import { openSqlite } from './kysely/sqlite.js'
import { KyselyStore } from './kysely/store.js'

export type DatabaseTarget =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly url: string }

/** Reads a database URL. Throws without echoing it, since a URL may hold a password. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', url }
  if (url.startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length)
    const path = rest.startsWith('//') ? rest.slice(2) : rest
    if (path === '') throw new Error('database URL sqlite: names no file')
    return { dialect: 'sqlite', path }
  }
  if (url === ':memory:' || (!url.includes('://') && url.endsWith('.db'))) return { dialect: 'sqlite', path: url }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? 'this kind of'
  throw new Error(`unsupported database URL (${scheme} …): use sqlite:<file>, sqlite::memory: or postgres://…`)
}

export async function openStore(url: string): Promise<Store> {
  const target = parseDatabaseUrl(url)
  if (target.dialect === 'sqlite') {
    return new KyselyStore(openSqlite(target.path), { dialect: 'sqlite', schema: undefined })
  }
  // Loaded only for PostgreSQL, so a SQLite process never holds the pg driver.
  const [{ openPostgres }, { postgresCoordination }] = await Promise.all([import('./kysely/postgres.js'), import('./kysely/postgres-coordination.js')])
  const { db, schema, scope, session } = await openPostgres(target.url)
  return new KyselyStore(db, { dialect: 'postgres', schema }, postgresCoordination(session, scope))
}

/** Opens the store and applies pending migrations; closes it again if they fail. */
export async function openAndMigrate(url: string): Promise<Store> {
  const store = await openStore(url)
  try {
    await store.migrate()
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}
