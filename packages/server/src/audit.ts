/**
 * Recording audit events (`deps.audit.record(c, event)`): the emitter says what happened (type,
 * client, user, small details); the recorder adds the id, the time (from the injected clock), the
 * client's IP address and user agent, and writes one row. It never throws: an audit write that
 * fails is reported through `onError` (without the event's contents) and the user's request goes on.
 * Details are clipped, so an event stays small whatever a client sent.
 *
 * Group commit: `record` resolves once the event is stored, as before, but the events recorded by
 * every request in one turn of the event loop (and while a write is under way) are written together,
 * in one multi-row INSERT (`logs.appendAll`): one round trip to PostgreSQL for the batch instead of
 * one per event. On SQLite the store itself commits every write of a turn together
 * (storage/src/kysely/sqlite-group-commit.ts), so there each event is appended straight away and
 * shares the commit of the request's other writes. An audit row updates five indexes; rows written
 * together share their pages and their commit, so under load an event costs a fraction of a lone
 * insert (see docs/performance.md). Never call `record` inside `store.transaction(fn)`: the batch
 * would wait for the connection that transaction holds.
 */
import { userInfo } from 'node:os'
import { getConnInfo } from '@hono/node-server/conninfo'
import { type AuditDetail, type AuditEventInput, type AuditEventRecord, type AuditEventType, auditEventId, type Clock } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Context } from 'hono'
import type { Logger } from './logger.js'

const MAX_TEXT = 256
const MAX_LIST = 50
/** The most events one transaction writes. */
const MAX_BATCH = 500

/** Who sent a request, as the audit log records it. */
export interface RequestOrigin {
  /** The client's IP address (null or `unknown` when there is none). */
  readonly ip: string | null
  readonly userAgent: string | undefined
}

export interface AuditLogOptions {
  readonly store: Store
  readonly clock: Clock
  /** Told about a write that failed, with the event's type only. */
  readonly onError: (error: unknown, type: AuditEventType) => void
  /** The client's IP address (null or `unknown` when there is none); by default the socket's peer. */
  readonly ipOf?: (c: Context) => string | null
  /** Told about every event before it is written (the metrics count them there); must not throw. */
  readonly observe?: (event: AuditEventInput) => void
}

/** The socket's peer address, or null when there is no socket (`app.request()` in tests). */
export function socketIp(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null
  } catch {
    return null
  }
}

const clip = (value: string | null | undefined, max = MAX_TEXT): string | null =>
  value === undefined || value === null || value === '' ? null : value.slice(0, max)

function cleanDetails(details: AuditEventInput['details']): Record<string, AuditDetail> {
  const out: Record<string, AuditDetail> = {}
  for (const [key, value] of Object.entries(details ?? {})) {
    if (value === undefined) continue
    if (typeof value === 'string') out[key] = value.slice(0, MAX_TEXT)
    else if (typeof value === 'number') out[key] = Number.isFinite(value) ? value : null
    else if (Array.isArray(value)) out[key] = value.slice(0, MAX_LIST).map((item) => String(item).slice(0, MAX_TEXT))
    else out[key] = value as boolean | null
  }
  return out
}

interface Pending {
  readonly record: AuditEventRecord
  readonly written: () => void
}

export class AuditLog {
  readonly #options: AuditLogOptions
  readonly #queue: Pending[] = []
  #writing: Promise<void> | null = null
  /** SQLite: appends under way (each joins the store's batch of this turn). */
  readonly #appending = new Set<Promise<void>>()

  constructor(options: AuditLogOptions) {
    this.#options = options
  }

  /** Writes one event; `c` (the request) gives the IP and user agent. Resolves once it is stored. Never throws. */
  async record(c: Context | undefined, event: AuditEventInput | null): Promise<void> {
    if (event === null) return
    let origin: RequestOrigin | null = null
    try {
      origin = c ? { ip: (this.#options.ipOf ?? socketIp)(c), userAgent: c.req.header('user-agent') } : null
    } catch (error) {
      this.#report(error, event.type)
      return
    }
    return this.recordFrom(origin, event)
  }

  /** The same, for a request whose origin was read already (the token endpoint reads it once). */
  async recordFrom(origin: RequestOrigin | null, event: AuditEventInput | null): Promise<void> {
    if (event === null) return
    const { clock, observe } = this.#options
    try {
      observe?.(event)
    } catch {
      // Counting must not fail the request or the write.
    }
    let record: AuditEventRecord
    try {
      const time = clock.now()
      const ip = origin?.ip ?? null
      record = {
        id: auditEventId(time),
        time,
        type: event.type,
        clientId: clip(event.clientId),
        userId: clip(event.userId),
        ip: ip === 'unknown' ? null : clip(ip, 64),
        userAgent: clip(origin?.userAgent),
        details: cleanDetails(event.details),
      }
    } catch (error) {
      this.#report(error, event.type)
      return
    }
    if (this.#options.store.dialect === 'sqlite') {
      const appended = this.#options.store.logs.append(record).catch((error: unknown) => this.#report(error, record.type))
      this.#appending.add(appended)
      await appended
      this.#appending.delete(appended)
      return
    }
    await new Promise<void>((written) => {
      this.#queue.push({ record, written })
      this.#writing ??= this.#drain()
    })
  }

  /** Resolves when every event recorded so far is stored (or reported as not stored). */
  async flush(): Promise<void> {
    while (this.#writing || this.#appending.size > 0) await (this.#writing ?? Promise.all(this.#appending))
  }

  /** Writes the queue in batches until it is empty, starting after the other requests of this turn have queued theirs. */
  async #drain(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve))
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH)
        await this.#write(batch.map((p) => p.record))
        for (const p of batch) p.written()
      }
    } finally {
      this.#writing = null
    }
  }

  async #write(records: readonly AuditEventRecord[]): Promise<void> {
    const { store } = this.#options
    if (records.length > 1) {
      try {
        await store.logs.appendAll(records)
        return
      } catch {
        // One event the store refuses must not lose the others: write them one by one below.
      }
    }
    for (const record of records) {
      try {
        await store.logs.append(record)
      } catch (error) {
        this.#report(error, record.type)
      }
    }
  }

  #report(error: unknown, type: AuditEventType): void {
    try {
      this.#options.onError(error, type)
    } catch {
      // Reporting must not fail the request either.
    }
  }
}

/** Logs a failed audit write: the error's name, code and message, and the event type; nothing else. */
export function logAuditFailure(log: Logger): AuditLogOptions['onError'] {
  return (error, type) => {
    const err = error instanceof Error ? { name: error.name, message: error.message, code: (error as { code?: unknown }).code } : { message: String(error) }
    log.error({ err, type }, 'audit event not recorded')
  }
}

/** Who ran a CLI command: `actor: "cli"` and the operating-system user, for admin events. */
export function cliActor(): { actor: 'cli'; os_user: string | null } {
  let name: string | null
  try {
    name = userInfo().username
  } catch {
    name = process.env.USER ?? process.env.LOGNAME ?? null
  }
  return { actor: 'cli', os_user: name }
}
