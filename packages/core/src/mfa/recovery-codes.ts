/**
 * Recovery codes (issue 15): ten single-use codes shown once at enrolment, for the day every other
 * factor is lost. Each is 80 random bits as 16 base32 characters (RFC 4648 alphabet, A–Z and 2–7),
 * shown in groups as `XXXX-XXXX-XXXX-XXXX`. Only the SHA-256 of the normalised code is stored.
 *
 * Input is forgiving: case, dashes and spaces do not matter, and the digits 0 and 1, which the
 * alphabet does not use, are read as the letters O and I they are mistaken for.
 */
import { pooledRandomBytes, sha256 } from '../opaque.js'

export const RECOVERY_CODE_COUNT = 10
const CODE_BYTES = 10
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** 10 bytes → 16 base32 characters, exactly (80 bits = 16 × 5). */
function base32(bytes: Uint8Array): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += BASE32[(buffer >>> bits) & 31]
    }
  }
  return out
}

/** Ten distinct codes, `XXXX-XXXX-XXXX-XXXX`: show them once, store recoveryCodeHash of each. */
export function newRecoveryCodes(): string[] {
  const codes = new Set<string>()
  while (codes.size < RECOVERY_CODE_COUNT) {
    const raw = base32(pooledRandomBytes(CODE_BYTES))
    codes.add(raw.match(/.{4}/g)!.join('-'))
  }
  return [...codes]
}

/** The canonical form: upper case, no dashes or spaces, 0 → O and 1 → I. */
export function normalizeRecoveryCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replaceAll('0', 'O').replaceAll('1', 'I')
}

/** What a typed code could be; never a 6-digit TOTP code. Long input is refused before any work. */
export function looksLikeRecoveryCode(input: unknown): input is string {
  return typeof input === 'string' && input.length <= 64 && /^[A-Z2-7]{16}$/.test(normalizeRecoveryCode(input))
}

/** The stored form: SHA-256, base64url, of the normalised code. */
export function recoveryCodeHash(code: string): string {
  return sha256(normalizeRecoveryCode(code))
}
