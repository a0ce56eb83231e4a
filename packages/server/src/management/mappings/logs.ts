/**
 * Auth0's log events ↔ Latchkey's audit events, and Auth0's log search (`q`) reduced to what the
 * audit log can filter exactly: `type`, `user_id`, `client_id` and a `date` range, joined by spaces
 * or AND; a list of types as `type:(s OR f)`. Anything else is refused with the reason, so a query
 * never silently matches more than was asked.
 */
import { AUDIT_EVENT_TYPES, type AuditEventRecord, isAuditEventType } from '@latchkey/core'
import type { AuditLogFilter } from '@latchkey/storage'
import { z } from 'zod'
import { badRequest } from '../errors.js'

export const logSchema = z
  .object({
    log_id: z.string(),
    date: z.string().describe('ISO 8601.'),
    type: z.string().describe('The event type (Auth0\'s codes where Auth0 has one: s, f, fp, seacft, sapi, …).'),
    description: z.string(),
    client_id: z.string().optional(),
    user_id: z.string().optional(),
    user_name: z.string().optional(),
    ip: z.string().optional(),
    user_agent: z.string().optional(),
    details: z.record(z.string(), z.unknown()),
  })
  .describe('An audit-log event.')

export function presentLog(event: AuditEventRecord): z.output<typeof logSchema> {
  const description = typeof event.details.description === 'string' ? event.details.description : (AUDIT_EVENT_TYPES[event.type] ?? event.type)
  const userName = typeof event.details.user_name === 'string' ? event.details.user_name : undefined
  return {
    log_id: event.id,
    date: new Date(event.time).toISOString(),
    type: event.type,
    description,
    ...(event.clientId !== null ? { client_id: event.clientId } : {}),
    ...(event.userId !== null ? { user_id: event.userId } : {}),
    ...(userName !== undefined ? { user_name: userName } : {}),
    ...(event.ip !== null ? { ip: event.ip } : {}),
    ...(event.userAgent !== null ? { user_agent: event.userAgent } : {}),
    details: { ...event.details },
  }
}

const TERM = /^(\w+):("(?:[^"\\]|\\.)*"|\([^)]*\)|\[[^\]]*\]|[^\s()[\]"]+)/
const unquote = (value: string) => (value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value)

function invalid(reason: string): never {
  throw badRequest(`Query validation error: '${reason}' on property q.`, 'invalid_query_string')
}

function typesOf(value: string): string[] {
  const list = value.startsWith('(') ? value.slice(1, -1).split(/\s+OR\s+/) : [value]
  const types = list.map((t) => unquote(t.trim())).filter((t) => t !== '')
  if (types.length === 0) invalid('type needs a value')
  for (const type of types) if (!isAuditEventType(type)) invalid(`unknown event type ${JSON.stringify(type)}`)
  return types
}

function dateBound(value: string, field: string): number | undefined {
  if (value === '*') return undefined
  const time = Date.parse(value)
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time)) invalid(`${field} must be an ISO 8601 date or *`)
  return time
}

/** `type:(s OR f) AND user_id:"auth0|…" date:[2026-01-01 TO *]` → the audit log's filter. */
export function parseLogQuery(q: string): AuditLogFilter {
  const filter: { type?: string[]; userId?: string; clientId?: string; since?: number; until?: number } = {}
  let rest = q.trim()
  while (rest !== '') {
    const match = TERM.exec(rest)
    if (!match?.[1] || match[2] === undefined)
      invalid('Latchkey searches logs by type, user_id, client_id and date (for example type:s AND user_id:"auth0|…")')
    const [whole, field, value] = match
    if (field === 'type') filter.type = typesOf(value)
    else if (field === 'user_id') filter.userId = unquote(value)
    else if (field === 'client_id') filter.clientId = unquote(value)
    else if (field === 'date') {
      const range = /^\[\s*(\S+)\s+TO\s+(\S+)\s*\]$/.exec(value)
      if (!range?.[1] || !range[2]) invalid('date takes a range: date:[FROM TO UNTIL] (ISO 8601 dates, or *)')
      filter.since = dateBound(range[1], 'date')
      const until = dateBound(range[2], 'date')
      // An inclusive end, as Lucene's [ ] ranges: the whole end day (or second) counts.
      filter.until = until === undefined ? undefined : /T/.test(range[2]) ? until + 1 : until + 86_400_000
    } else invalid(`Latchkey cannot search logs by ${field} (only type, user_id, client_id, date)`)
    rest = rest.slice(whole.length).replace(/^\s+(?:AND\s+)?/, '')
  }
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as AuditLogFilter
}
