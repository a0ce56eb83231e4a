/**
 * Automatic key rotation (off unless configured): every node checks hourly, and at start, whether
 * the signing key is older than the configured age; the first to see it rotates with the default
 * delay, and the others then find a key already waiting and do nothing.
 */
import type { SigningKeyRecord } from '@latchkey/core'
import type { AuditLog } from '../audit.js'
import type { Logger } from '../logger.js'
import type { KeyRing } from './key-ring.js'

export const ROTATION_CHECK_MS = 3_600_000

/** The audit event of a rotation (`trigger`: who asked for it). */
export function keyRotatedEvent(key: SigningKeyRecord, trigger: 'schedule' | 'cli' | 'management_api') {
  return {
    type: 'signing_key_rotated',
    details: {
      kid: key.kid,
      activates_at: new Date(key.activatesAt).toISOString(),
      delay_seconds: Math.round((key.activatesAt - key.createdAt) / 1000),
      trigger,
    },
  } as const
}

export function startRotationSchedule(keys: KeyRing, everySeconds: number | null, log: Logger, audit?: AuditLog): () => void {
  if (everySeconds === null) return () => {}
  const rotated = async (key: SigningKeyRecord) => {
    log.info({ kid: key.kid, activates_at: new Date(key.activatesAt).toISOString() }, 'signing key rotated on schedule')
    await audit?.record(undefined, keyRotatedEvent(key, 'schedule'))
  }
  // One check at a time in this process: a check still generating a key must not overlap the next.
  let running: Promise<unknown> | undefined
  const check = () =>
    (running ??= keys
      .rotateIfDue(everySeconds)
      .then(
        (key) => key && rotated(key),
        (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'scheduled key rotation failed'),
      )
      .finally(() => {
        running = undefined
      }))
  void check()
  const timer = setInterval(check, Math.min(ROTATION_CHECK_MS, everySeconds * 100))
  timer.unref()
  return () => clearInterval(timer)
}
