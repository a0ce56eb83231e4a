/**
 * What an import of a tenant.yaml plans for each object, and what the planners share. A plan item
 * says what happens to one object of the file (create, update, unchanged, skip: not carried over,
 * fail: refused) and which of its fields are left out, each with a reason. Its `apply` makes the
 * change; the plan computes every record first (new ids included), so applying is only writing.
 */
import { isDeepStrictEqual } from 'node:util'
import { RegistrationError } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { z } from 'zod'
import { ManagementError } from '../management/errors.js'

export type PlanAction = 'create' | 'update' | 'unchanged' | 'skip' | 'fail'

export type TenantSection =
  | 'clients'
  | 'resourceServers'
  | 'clientGrants'
  | 'roles'
  | 'organizations'
  | 'databases'
  | 'connections'
  | 'actions'
  | 'triggers'
  | (string & {})

export interface LeftOut {
  readonly field: string
  readonly reason: string
}

export interface PlanItem {
  readonly section: TenantSection
  readonly name: string
  /** The object's id in Latchkey (kept or new), when it has one. */
  readonly id?: string
  readonly action: PlanAction
  /** For an update: the fields that change. */
  readonly changes?: readonly string[]
  /** Fields of the file Latchkey does not take, each with why. */
  readonly leftOut: readonly LeftOut[]
  /** Why the whole object is skipped or refused. */
  readonly reason?: string
  /** A new application's secret: generated (printed once) or from --secrets. */
  readonly secret?: { readonly value: string; readonly source: 'generated' | 'file' }
  /** Writes the change (create and update only). */
  readonly apply?: (store: Store) => Promise<void>
}

/** A planned item, with its left-out fields. */
export const item = (fields: Omit<PlanItem, 'leftOut'> & { leftOut?: readonly LeftOut[] }): PlanItem => ({ leftOut: [], ...fields })

export const skip = (section: TenantSection, name: string, reason: string, leftOut: readonly LeftOut[] = []): PlanItem => ({ section, name, action: 'skip', reason, leftOut })

/** The fields of `next` that differ from `current`, `updatedAt` aside. */
export function changedFields(current: object, next: object): string[] {
  const a = current as Record<string, unknown>
  const b = next as Record<string, unknown>
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  keys.delete('updatedAt')
  return [...keys].filter((k) => !isDeepStrictEqual(a[k], b[k]))
}

/** A value that says nothing: absent, false, empty, switched off (`enable: false`), or an object of such values. */
export function isEmptySetting(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return true
  if (Array.isArray(value)) return value.length === 0
  if (typeof value === 'object') {
    const switches = value as { enable?: unknown; enabled?: unknown; active?: unknown }
    if (switches.enable === false || switches.enabled === false || switches.active === false) return true
    return Object.values(value).every(isEmptySetting)
  }
  return false
}

/**
 * Parses `body` with one of the Management API's body schemas, leaving out what it refuses instead
 * of refusing the whole object: a key it does not know (silently when its value is empty), or a
 * top-level field whose value it refuses, with the schema's message as the reason.
 */
export function parseLeavingOut<T extends z.ZodType>(schema: T, body: Record<string, unknown>): { data: z.output<T>; leftOut: LeftOut[] } {
  const rest = structuredClone(body)
  const leftOut: LeftOut[] = []
  for (;;) {
    const parsed = schema.safeParse(rest)
    if (parsed.success) return { data: parsed.data, leftOut }
    let progress = false
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        const target = issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k], rest) as Record<string, unknown> | undefined
        for (const key of issue.keys) {
          if (target === undefined || !(key in target)) continue
          if (!isEmptySetting(target[key])) leftOut.push({ field: [...issue.path, key].join('.'), reason: 'Latchkey has no such setting' })
          delete target[key]
          progress = true
        }
        continue
      }
      const field = String(issue.path[0] ?? '')
      if (!(field in rest)) continue
      const detail = issue.path.length > 1 ? `${issue.path.join('.')}: ` : ''
      leftOut.push({ field, reason: `${detail}${issue.message}` })
      delete rest[field]
      progress = true
    }
    if (!progress) throw new RegistrationError(parsed.error.issues[0]?.message ?? 'invalid')
  }
}

/** A refusal's message, with core's field names (`logoutUrls`) turned into Auth0's (`allowed_logout_urls`). */
export function refusal(error: unknown, fieldNames: Readonly<Record<string, string>> = {}): string | null {
  if (error instanceof ManagementError) return error.message.replace(/^Payload validation error: /, '')
  if (!(error instanceof RegistrationError)) return null
  const match = /^([\w.]+): (.*)$/s.exec(error.message)
  const renamed = match?.[1] === undefined ? undefined : fieldNames[match[1]]
  return renamed === undefined || match?.[2] === undefined ? error.message : `${renamed}: ${match[2]}`
}

/** Runs a planner; a registration refusal becomes a failed item, anything else is thrown. */
export async function orFail(section: TenantSection, name: string, plan: () => Promise<PlanItem>, fieldNames?: Readonly<Record<string, string>>): Promise<PlanItem> {
  try {
    return await plan()
  } catch (error) {
    const message = refusal(error, fieldNames)
    if (message === null) throw error
    return { section, name, action: 'fail', reason: message, leftOut: [] }
  }
}
