import type { Kysely, Selectable } from 'kysely'
import type { Checkpoint, CheckpointPage, Page } from '../contract.js'
import type { Database } from './schema.js'

export const DEFAULT_PER_PAGE = 50
export const MAX_PER_PAGE = 100

/** LIMIT/OFFSET for a zero-based page: perPage defaults to 50 and is clamped to 1..100. */
export function pageWindow(page: Page = {}): { limit: number; offset: number } {
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Math.floor(page.perPage ?? DEFAULT_PER_PAGE) || DEFAULT_PER_PAGE))
  const index = Math.max(0, Math.floor(page.page ?? 0) || 0)
  return { limit: perPage, offset: index * perPage }
}

/** The listable aggregates, with the column that breaks ties between rows created at once. */
const TIEBREAK = { applications: 'client_id', apis: 'id', users: 'id', organizations: 'id', connections: 'id' } as const
type Listable = keyof typeof TIEBREAK

/** One page of a table, oldest first (created_at, then its id), so pages are stable. */
export async function listPage<T extends Listable>(db: Kysely<Database>, table: T, page?: Page): Promise<Selectable<Database[T]>[]> {
  const { limit, offset } = pageWindow(page)
  const rows = await db
    .selectFrom(table as Listable)
    .selectAll()
    .orderBy('created_at')
    .orderBy(TIEBREAK[table] as 'id')
    .limit(limit)
    .offset(offset)
    .execute()
  return rows as Selectable<Database[T]>[]
}

export async function countRows(db: Kysely<Database>, table: Listable): Promise<number> {
  const { n } = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(n)
}

/** Checkpoint paging's page size: 50 by default, 1..100. */
export function takeOf(checkpoint: Checkpoint | undefined): number {
  const take = Math.floor(checkpoint?.take ?? DEFAULT_PER_PAGE)
  return Number.isFinite(take) ? Math.min(MAX_PER_PAGE, Math.max(1, take)) : DEFAULT_PER_PAGE
}

/** One more row than asked tells whether there is a next page; `next` is that row's key. */
export function toCheckpointPage<T>(rows: T[], take: number, key: (row: T) => string): CheckpointPage<T> {
  if (rows.length <= take) return { items: rows }
  return { items: rows.slice(0, take), next: key(rows[take] as T) }
}
