/**
 * Failed logins per account and IP, against guessing: the account is the normalised email whether or
 * not such a user exists, and every answer below is the same for both, so the limits reveal nothing
 * about which emails are registered.
 * - Each attempt reserves a failure point before the password is checked; parallel attempts past
 *   the limit are refused, so at most `points` passwords are tried per lock period.
 * - From the third failure on, the next attempt must wait 1, 2, 4 … seconds (at most a minute).
 * - The `points`-th failure locks the account for this IP for `seconds`.
 * - A successful login clears the counters.
 */
import { normalizeEmail } from '@latchkey/core'
import type { Logger } from '../logger.js'
import { bucketKey, type Limiter } from './limiter.js'
import { rateLimited, waitWords } from './too-many-requests.js'

export const FREE_FAILURES = 3
const MAX_DELAY_SECONDS = 60

export interface LoginAttempt {
  /** The password was right: the account's counters are cleared. */
  succeeded(): Promise<void>
  /**
   * Wrong password or unknown account: the point stays, and the next delay or the lock begins.
   * True when this failure locked the account for this IP (the audit log's `limit_wc`).
   */
  failed(): Promise<boolean>
  /** The attempt ended for another reason (a blocked user): the point is given back. */
  abandoned(): Promise<void>
}

export interface LoginLimiters {
  readonly loginFailures: Limiter
  /** Holds the current delay per account + IP (locked for the delay). */
  readonly loginDelay: Limiter
}

/** The seconds to wait after the n-th failure (none before the FREE_FAILURES-th). */
export function delayAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0
  return Math.min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)
}

export function tooManyAttempts(seconds: number): string {
  return `Too many failed attempts. Try again in ${waitWords(seconds)}.`
}

export async function admitLogin(limiters: LoginLimiters, log: Logger, ip: string, email: string): Promise<LoginAttempt> {
  const account = normalizeEmail(email)
  const key = bucketKey(account, ip)
  const { loginFailures, loginDelay } = limiters
  const lockSeconds = loginFailures.limit.seconds

  const delay = await loginDelay.peek(key)
  if (delay !== null && delay.consumedPoints > loginDelay.limit.points && delay.msBeforeNext > 0)
    throw rateLimited(loginFailures.limit.points, delay.msBeforeNext, tooManyAttempts, loginDelay.name)
  const reserved = await loginFailures.take(key, tooManyAttempts)
  const failures = reserved.consumedPoints

  return {
    async succeeded() {
      await Promise.all([loginFailures.clear(key), loginDelay.clear(key)])
    },
    async failed() {
      if (failures >= loginFailures.limit.points) {
        await loginFailures.lock(key, lockSeconds)
        log.warn({ email: account, ip, failures, lock_seconds: lockSeconds }, 'login locked for this account and IP after repeated failures')
        return true
      }
      const wait = delayAfter(failures)
      if (wait > 0) await loginDelay.lock(key, wait)
      return false
    },
    async abandoned() {
      await loginFailures.giveBack(key)
    },
  }
}
