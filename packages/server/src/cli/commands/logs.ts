/**
 * `latchkey logs`: the audit log, newest first, like `auth0 logs list`. Filters combine: event types
 * (repeat --type or separate with commas), a user (id or email), an app, a time window (`--since 1h`,
 * `--since 2026-11-01T00:00Z`). Text shows one line per event; --json gives Auth0's log-event fields.
 */
import { AUDIT_EVENT_TYPES, type AuditEventRecord, isAuditEventType } from '@latchkey/core'
import type { AuditLogFilter, Store } from '@latchkey/storage'
import { type Command, InvalidArgumentError } from 'commander'
import { DEFAULT_DB } from '../../config.js'
import { iso, table } from '../present.js'
import { type CommonOptions, group, list, print, run } from '../run.js'

const MAX_LIMIT = 10_000
const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

interface LogsOptions extends CommonOptions {
  type?: string[]
  user?: string
  client?: string
  since?: number
  until?: number
  limit: number
}

/** `90s`, `15m`, `1h`, `7d`, `2w` ago, or an ISO 8601 date or date-time (`2026-11-01T00:00Z`). */
export function parseWhen(value: string, now = Date.now()): number {
  const v = value.trim()
  const relative = /^(\d{1,6})([smhdw])$/.exec(v)
  if (relative?.[1] && relative[2]) return now - Number(relative[1]) * (UNITS[relative[2]] ?? 0)
  const time = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) ? Date.parse(v) : Number.NaN
  if (Number.isNaN(time)) throw new InvalidArgumentError('expected a duration ago (30m, 1h, 7d, 2w) or an ISO date (2026-11-01T00:00Z)')
  return time
}

function limit(value: string): number {
  const n = Number(value.trim())
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > MAX_LIMIT) throw new InvalidArgumentError(`expected a whole number between 1 and ${MAX_LIMIT}`)
  return n
}

function types(value: string, previous: string[] | undefined): string[] {
  const all = list(value, previous)
  const unknown = all.find((t) => !isAuditEventType(t))
  if (unknown !== undefined) throw new InvalidArgumentError(`unknown event type ${JSON.stringify(unknown)} (known: ${Object.keys(AUDIT_EVENT_TYPES).join(', ')})`)
  return all
}

/** What happened, in a few words: the type's name, and what names the event best. */
export function describeEvent(e: AuditEventRecord): string {
  const d = e.details
  const text = (key: string) => (typeof d[key] === 'string' ? (d[key] as string) : undefined)
  switch (e.type) {
    case 'sapi': {
      const subject = text('name') ?? text('user_name') ?? text('identifier')
      return `${text('description') ?? AUDIT_EVENT_TYPES.sapi}${subject ? `: ${subject}` : ''}`
    }
    case 'f':
      return `${AUDIT_EVENT_TYPES.f}${text('reason') ? `: ${text('reason')}` : ''}`
    case 'ferrt':
    case 'authorization_code_reused':
      return `${AUDIT_EVENT_TYPES[e.type]} (${String(d.revoked_refresh_tokens ?? 0)} refresh tokens revoked)`
    case 'srrt':
      return `${AUDIT_EVENT_TYPES.srrt} (${String(d.revoked_refresh_tokens ?? 0)} in its family)`
    case 'signing_key_rotated':
      return `${AUDIT_EVENT_TYPES.signing_key_rotated}: ${text('kid') ?? '?'} signs from ${text('activates_at') ?? '?'}`
    default: {
      // A type this version does not know (written by a newer one) shows as its code.
      const name: string = AUDIT_EVENT_TYPES[e.type] ?? e.type
      const error = text('error_description')
      return error ? `${name}: ${error}` : name
    }
  }
}

/** Auth0's log-event fields. */
export function presentEvent(e: AuditEventRecord) {
  return {
    log_id: e.id,
    date: iso(e.time),
    type: e.type,
    description: describeEvent(e),
    client_id: e.clientId,
    user_id: e.userId,
    ip: e.ip,
    user_agent: e.userAgent,
    details: e.details,
  }
}

/** A user id, or the id of the user with that email; an unknown value is kept (the user may be deleted). */
async function userFilter(store: Store, value: string): Promise<string> {
  const user = (await store.users.get(value)) ?? (value.includes('@') ? await store.users.findByEmail(value.trim()) : null)
  return user?.id ?? value
}

async function newest(store: Store, filter: AuditLogFilter, count: number): Promise<AuditEventRecord[]> {
  const events: AuditEventRecord[] = []
  for (let page = 0; events.length < count; page++) {
    const rows = await store.logs.list({ ...filter, page, perPage: 100 })
    events.push(...rows)
    if (rows.length < 100) break
  }
  return events.slice(0, count)
}

export function registerLogs(program: Command): void {
  group(program, 'logs', 'Show the audit log (newest first): logins, codes, tokens, revocations, key rotations, admin changes')
    .option('-t, --type <types>', 'only these event types, comma-separated or repeated (s, fp, sapi, …; see docs/audit-log.md)', types)
    .option('-u, --user <id-or-email>', 'only events about this user')
    .option('-c, --client <client_id>', 'only events about this application')
    .option('--since <when>', 'only events from this time on: 30m, 1h, 7d, 2w ago, or an ISO date (2026-11-01T00:00Z)', (v) => parseWhen(v))
    .option('--until <when>', 'only events before this time (same forms as --since)', (v) => parseWhen(v))
    .option('-n, --limit <n>', `show at most this many events (1 to ${MAX_LIMIT})`, limit, 50)
    .option('--db <url>', `database: sqlite:<file> or postgres://… (env LATCHKEY_DB, default ${DEFAULT_DB})`)
    .option('--json', 'print JSON (Auth0 log-event field names)')
    .action((opts: LogsOptions) =>
      run(opts, async (store) => {
        const filter: AuditLogFilter = {
          ...(opts.type ? { type: opts.type } : {}),
          ...(opts.user !== undefined ? { userId: await userFilter(store, opts.user) } : {}),
          ...(opts.client !== undefined ? { clientId: opts.client } : {}),
          ...(opts.since !== undefined ? { since: opts.since } : {}),
          ...(opts.until !== undefined ? { until: opts.until } : {}),
        }
        const events = await newest(store, filter, opts.limit)
        print(opts, events.map(presentEvent), () =>
          events.length === 0
            ? 'No audit events match.'
            : table(
                ['TIME', 'TYPE', 'DESCRIPTION', 'CLIENT', 'USER', 'IP'],
                events.map((e) => [iso(e.time), e.type, describeEvent(e), e.clientId, e.userId ?? (typeof e.details.user_name === 'string' ? e.details.user_name : null), e.ip]),
              ),
        )
      }),
    )
}
