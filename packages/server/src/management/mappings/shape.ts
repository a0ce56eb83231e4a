/** Small helpers the mapping files share for building schemas and inputs. */
import type { z } from 'zod'

/** Every field optional, except those named (which are left out). */
export function partialOf<T extends Record<string, z.ZodType>, E extends keyof T = never>(
  fields: T,
  ...except: E[]
): { [K in Exclude<keyof T, E>]: z.ZodOptional<T[K]> } {
  const entries = Object.entries(fields).filter(([k]) => !except.includes(k as E))
  return Object.fromEntries(entries.map(([k, v]) => [k, v.optional()])) as { [K in Exclude<keyof T, E>]: z.ZodOptional<T[K]> }
}

/** Removes undefined properties, so a partial update never overwrites a value with undefined. */
export function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
