/**
 * Query-string values for the Management API's schemas: every parameter arrives as one string
 * (repeats are refused before parsing), so numbers and booleans are parsed from text here, strictly:
 * `page=1.5`, `include_totals=yes` or an unknown parameter is a 400, never a guess.
 */
import { z } from 'zod'
import { MAX_PER_PAGE } from './paging.js'

/** A whole number written in decimal, within [min, max]. */
export const integerParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'Expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))

/** `true` or `false`, as Auth0 writes them. */
export const booleanParam = z.enum(['true', 'false']).transform((v) => v === 'true')

/** A comma-separated list (`fields=name,client_id`). */
export const listParam = z
  .string()
  .max(2000)
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  )

/** A parameter that may repeat (`identifiers=a&identifiers=b`): always the array of its values. */
export const repeatableParam = z.union([z.string().max(2000), z.array(z.string().max(2000)).max(100)]).transform((v) => (typeof v === 'string' ? [v] : v))

/** page / per_page / include_totals, as every offset-paged list takes them. */
export const pagingParams = {
  page: integerParam(0, 100_000).optional().describe('Page index of the results to return. First page is 0.'),
  per_page: integerParam(1, MAX_PER_PAGE).optional().describe(`Number of results per page (at most ${MAX_PER_PAGE}; 50 by default).`),
  include_totals: booleanParam.optional().describe('Return results inside an object that contains the total result count (true) or as a direct array of results (false, default).'),
}

/** fields / include_fields: which properties each result has. */
export const fieldParams = {
  fields: listParam.optional().describe('Comma-separated list of fields to include or exclude (based on include_fields); empty for all.'),
  include_fields: booleanParam.optional().describe('Whether the fields listed are included (true, default) or excluded (false).'),
}

/**
 * Keeps (or, with `include_fields=false`, drops) the named top-level properties of a result. No
 * `fields`: the result as it is.
 */
export function selectFields<T extends object>(item: T, query: { fields?: readonly string[]; include_fields?: boolean }): Partial<T> {
  const fields = query.fields ?? []
  if (fields.length === 0) return item
  const named = new Set(fields)
  const include = query.include_fields ?? true
  return Object.fromEntries(Object.entries(item).filter(([key]) => named.has(key) === include)) as Partial<T>
}
