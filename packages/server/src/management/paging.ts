/**
 * Auth0's two kinds of paging. Offset paging: `page` (from 0) and `per_page` (50 by default, at most
 * 100); the answer is the array of results, or with `include_totals=true` the object
 * `{start, limit, length, total, <key>: [...]}`. Checkpoint paging: `take` results after the opaque
 * `from` cursor; the answer is `{<key>: [...], next}`, with `next` absent on the last page.
 */
import { z } from 'zod'
import { badRequest } from './errors.js'
import type { RouteResult } from './route.js'

export const DEFAULT_PER_PAGE = 50
export const MAX_PER_PAGE = 100

export interface PageQuery {
  readonly page?: number | undefined
  readonly per_page?: number | undefined
  readonly include_totals?: boolean | undefined
}

export interface PageWindow {
  readonly page: number
  readonly perPage: number
}

export function pageWindow(query: PageQuery): PageWindow {
  return { page: query.page ?? 0, perPage: query.per_page ?? DEFAULT_PER_PAGE }
}

/** The answer for one page of `items` out of `total`. */
export async function pageAnswer(key: string, query: PageQuery, items: readonly unknown[], total: () => Promise<number>): Promise<RouteResult> {
  if (!query.include_totals) return { status: 200, body: items }
  const { page, perPage } = pageWindow(query)
  return { status: 200, body: { start: page * perPage, limit: perPage, length: items.length, total: await total(), [key]: items } }
}

/** One page of a list already in memory (filtered lists). */
export function slicePage<T>(all: readonly T[], query: PageQuery): T[] {
  const { page, perPage } = pageWindow(query)
  return all.slice(page * perPage, (page + 1) * perPage)
}

/** The schema of a paged answer: the array, or the object with totals. */
export function pagedSchema(key: string, item: z.ZodType) {
  return z.union([
    z.array(item),
    z.object({ start: z.number().int(), limit: z.number().int(), length: z.number().int(), total: z.number().int(), [key]: z.array(item) }),
  ])
}

/** Checkpoint cursors are opaque to callers; here they are the offset of the next result. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url')
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!match?.[1]) throw badRequest("Query validation error: 'Invalid checkpoint' on property from.", 'invalid_query_string')
  return Number(match[1])
}

/** `{<key>: items, next}` for checkpoint paging over a list in memory. */
export function checkpointPage<T>(key: string, all: readonly T[], from: string | undefined, take: number): { [k: string]: T[] | string } {
  const offset = decodeCursor(from)
  const items = all.slice(offset, offset + take)
  return offset + take < all.length ? { [key]: items, next: encodeCursor(offset + take) } : { [key]: items }
}

export const checkpointSchema = (key: string, item: z.ZodType) => z.object({ [key]: z.array(item), next: z.string().optional() })

/** Every page of a store list, oldest first (for filters the store cannot apply). */
export async function everyPage<T>(fetchPage: (page: { page: number; perPage: number }) => Promise<T[]>): Promise<T[]> {
  const all: T[] = []
  for (let page = 0; ; page++) {
    const rows = await fetchPage({ page, perPage: MAX_PER_PAGE })
    all.push(...rows)
    if (rows.length < MAX_PER_PAGE) return all
  }
}
