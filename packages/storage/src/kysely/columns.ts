/** Conversions between record fields and columns, shared by the repos. */
import type { Flag, JsonText } from './schema.js'

export function toFlag(value: boolean): Flag {
  return value ? 1 : 0
}

export function fromFlag(value: Flag): boolean {
  return value !== 0
}

export function toJson(value: unknown): JsonText {
  return JSON.stringify(value)
}

export function fromJson<T>(text: JsonText): T {
  return JSON.parse(text) as T
}

/** For each record field, the columns it writes. One table serves both insert and patch. */
export type ColumnWriters<R, Row> = { readonly [K in keyof R]-?: (value: R[K]) => Partial<Row> }

/**
 * The columns written by the fields present in `values` (undefined means absent), skipping the
 * fields listed in `immutable` (primary keys, creation time) even if a caller sneaks them in.
 */
export function writeColumns<R extends object, Row>(
  writers: ColumnWriters<R, Row>,
  values: Partial<NoInfer<R>>,
  immutable: readonly NoInfer<keyof R>[] = [],
): Partial<Row> {
  const out: Partial<Row> = {}
  for (const key of Object.keys(values) as (keyof R)[]) {
    const value = values[key]
    if (value === undefined || immutable.includes(key) || !Object.hasOwn(writers, key)) continue
    Object.assign(out, writers[key](value as R[keyof R]))
  }
  return out
}
