/**
 * Passwords: argon2id at OWASP's parameters (19 MiB, t=2, p=1). Verifying an unknown account runs
 * against a dummy hash, so a wrong email costs as much time as a wrong password (no enumeration).
 *
 * @node-rs/argon2 hashes on libuv's threadpool, never on the event loop. That pool also runs
 * WebCrypto, which signs every token: a burst of logins (each hash takes a core for tens of
 * milliseconds) must not take all its threads, nor every core, or token requests wait behind
 * hashes. So at most `MAX_CONCURRENT_HASHES` run at once (half the pool, one core fewer than the
 * machine has, at least one); the others wait their turn in order, costing nothing meanwhile.
 */
import { hash, verify } from '@node-rs/argon2'
import { availableParallelism } from 'node:os'

const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, algorithm: 2 } as const

const POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4
export const MAX_CONCURRENT_HASHES = Math.max(1, Math.min(Math.floor(POOL_SIZE / 2), availableParallelism() - 1))

let running = 0
const waiting: (() => void)[] = []

/** Hashes running now, and logins waiting for a slot. */
export function hashingLoad(): { readonly running: number; readonly waiting: number } {
  return { running, waiting: waiting.length }
}

/** Runs `fn` when a hashing slot is free; a finished hash hands its slot straight to the next in line. */
async function inTurn<T>(fn: () => Promise<T>): Promise<T> {
  if (running < MAX_CONCURRENT_HASHES) running++
  else await new Promise<void>((resolve) => waiting.push(resolve))
  try {
    return await fn()
  } finally {
    const next = waiting.shift()
    if (next) next()
    else running--
  }
}

export async function hashPassword(password: string): Promise<string> {
  return inTurn(() => hash(password, OPTIONS))
}

let dummy: Promise<string> | undefined

export async function verifyPassword(phc: string | null, password: string): Promise<boolean> {
  dummy ??= hashPassword('latchkey-dummy-password-for-timing')
  try {
    const stored = phc ?? (await dummy)
    const ok = await inTurn(() => verify(stored, password))
    return phc !== null && ok
  } catch {
    return false
  }
}
