/**
 * Recording audit events (`deps.audit.record(c, event)`): the emitter says what happened (type,
 * client, user, small details); the recorder adds the id, the time (from the injected clock), the
 * client's IP address and user agent, and writes one row. It never throws: an audit write that
 * fails is reported through `onError` (without the event's contents) and the user's request goes on.
 * Details are clipped, so an event stays small whatever a client sent.
 */
import { userInfo } from 'node:os'
import { getConnInfo } from '@hono/node-server/conninfo'
import { type AuditDetail, type AuditEventInput, type AuditEventType, auditEventId, type Clock } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Context } from 'hono'
import type { Logger } from './logger.js'

const MAX_TEXT = 256
const MAX_LIST = 50

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

export class AuditLog {
  readonly #options: AuditLogOptions

  constructor(options: AuditLogOptions) {
    this.#options = options
  }

  /** Writes one event; `c` (the request) gives the IP and user agent. Never throws. */
  async record(c: Context | undefined, event: AuditEventInput | null): Promise<void> {
    if (event === null) return
    const { store, clock, onError, ipOf = socketIp, observe } = this.#options
    try {
      observe?.(event)
    } catch {
      // Counting must not fail the request or the write.
    }
    try {
      const time = clock.now()
      const ip = c ? ipOf(c) : null
      await store.logs.append({
        id: auditEventId(time),
        time,
        type: event.type,
        clientId: clip(event.clientId),
        userId: clip(event.userId),
        ip: ip === 'unknown' ? null : clip(ip, 64),
        userAgent: c ? clip(c.req.header('user-agent')) : null,
        details: cleanDetails(event.details),
      })
    } catch (error) {
      try {
        onError(error, event.type)
      } catch {
        // Reporting must not fail the request either.
      }
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
