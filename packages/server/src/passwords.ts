/**
 * Passwords: argon2id at OWASP's parameters (19 MiB, t=2, p=1). Verifying an unknown account runs
 * against a dummy hash, so a wrong email costs as much time as a wrong password (no enumeration).
 */
import { hash, verify } from '@node-rs/argon2'

const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, algorithm: 2 } as const

export async function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS)
}

let dummy: Promise<string> | undefined

export async function verifyPassword(phc: string | null, password: string): Promise<boolean> {
  dummy ??= hashPassword('latchkey-dummy-password-for-timing')
  try {
    const ok = await verify(phc ?? (await dummy), password)
    return phc !== null && ok
  } catch {
    return false
  }
}
