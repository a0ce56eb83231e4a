/**
 * Where the key-encryption keys come from:
 * - `LATCHKEY_SECRET`: one or more comma-separated secrets (the first seals, all open), plus any in
 *   `LATCHKEY_SECRET_PREVIOUS` (open only). Each is at least 32 random bytes written as hex or
 *   base64/base64url (`openssl rand -base64 32`); the 32-byte AES key and its id are derived from
 *   the secret's text with HKDF-SHA256, so the same secret gives the same KEK on every node.
 * - unset, with a SQLite file: a generated secret in `latchkey.secret` beside the database (0600,
 *   created atomically; refused if other users may read it). It keeps opening keys it sealed after
 *   `LATCHKEY_SECRET` is set, until `latchkey keys reencrypt` has moved them.
 * - unset, with `sqlite::memory:`: a random key that lives as long as the process (and the database).
 * - unset, with PostgreSQL: refused, since every node must share the secret.
 */
import { fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync, closeSync } from 'node:fs'
import { hkdfSync, randomBytes } from 'node:crypto'
import { dirname, join, resolve } from 'node:path'
import { parseDatabaseUrl } from '@latchkey/storage'
import { type Kek, KeyEncryption, KeyEncryptionError } from './key-encryption.js'

export const SECRET_ENV = 'LATCHKEY_SECRET'
export const PREVIOUS_SECRET_ENV = 'LATCHKEY_SECRET_PREVIOUS'
export const KEY_FILE_NAME = 'latchkey.secret'

const HKDF_SALT = 'latchkey/kek/v1'
const HEX = /^[0-9a-fA-F]+$/
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/

/** A new random secret in the accepted format (32 bytes, base64url). */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url')
}

/** Whether a secret carries at least 32 bytes: 64+ hex digits, or 43+ base64/base64url characters. */
export function isStrongSecret(secret: string): boolean {
  if (HEX.test(secret)) return secret.length >= 64
  return BASE64.test(secret) && secret.replace(/=+$/, '').length >= 43
}

const SECRET_RULE = 'at least 32 random bytes as hex (64+ digits) or base64/base64url (43+ characters); generate one with `openssl rand -base64 32`'

/**
 * The configured secrets, the one that seals first. Messages name the variable and position,
 * never a value. Throws on a weak or malformed secret.
 */
export function parseSecrets(current: string | undefined, previous: string | undefined): string[] {
  const split = (name: string, value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((secret, index, all) => {
        if (!isStrongSecret(secret)) {
          const which = all.length > 1 ? `secret number ${index + 1} in ${name}` : name
          throw new Error(`${which} is too weak or malformed: use ${SECRET_RULE}`)
        }
        return secret
      })
  const secrets = split(SECRET_ENV, current)
  const older = split(PREVIOUS_SECRET_ENV, previous)
  if (secrets.length === 0 && older.length > 0) throw new Error(`${PREVIOUS_SECRET_ENV} is set but ${SECRET_ENV} is not: set ${SECRET_ENV} to the secret that seals new keys`)
  return [...new Set([...secrets, ...older])]
}

/** The KEK a secret stands for: HKDF-SHA256 of its text, one output for the key, one for its id. */
export function kekFromSecret(secret: string): Kek {
  const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, info, length))
  return { id: derive('latchkey kek id', 9).toString('base64url'), key: new Uint8Array(derive('latchkey kek A256GCM', 32)) }
}

/** The key file of a SQLite database file: `latchkey.secret` in the same directory. */
export function keyFilePath(sqlitePath: string): string {
  return join(dirname(resolve(sqlitePath)), KEY_FILE_NAME)
}

export interface KeyEncryptionSetup {
  readonly encryption: KeyEncryption
  /** The key file this call generated (to log it), or null. */
  readonly createdKeyFile: string | null
}

/** The KEKs for a database, from the configured secrets or the rules above. */
export function loadKeyEncryption(secrets: readonly string[], databaseUrl: string): KeyEncryptionSetup {
  const target = parseDatabaseUrl(databaseUrl)
  const keyFile = target.dialect === 'sqlite' && target.path !== ':memory:' ? keyFilePath(target.path) : null
  if (secrets.length > 0) {
    const fromFile = keyFile !== null && exists(keyFile) ? [readKeyFile(keyFile)] : []
    const keks = uniqueKeks([...secrets, ...fromFile])
    return { encryption: new KeyEncryption(keks, SECRET_ENV), createdKeyFile: null }
  }
  if (target.dialect === 'postgres') {
    throw new KeyEncryptionError(
      `${SECRET_ENV} is required with PostgreSQL: every node must share the secret that encrypts the signing keys (${SECRET_RULE})`,
    )
  }
  if (keyFile === null) return { encryption: new KeyEncryption([kekFromSecret(generateSecret())], 'the in-memory key'), createdKeyFile: null }
  const created = exists(keyFile) ? false : createKeyFile(keyFile)
  return { encryption: new KeyEncryption([kekFromSecret(readKeyFile(keyFile))], `the key file ${keyFile}`), createdKeyFile: created ? keyFile : null }
}

function uniqueKeks(secrets: readonly string[]): Kek[] {
  const keks = new Map<string, Kek>()
  for (const kek of secrets.map(kekFromSecret)) if (!keks.has(kek.id)) keks.set(kek.id, kek)
  return [...keks.values()]
}

function exists(path: string): boolean {
  try {
    statSync(path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw new KeyEncryptionError(`cannot read the key file ${path}: ${(error as Error).message}`)
  }
}

/** Reads the key file, refusing one that other users may read or that holds no valid secret. */
export function readKeyFile(path: string): string {
  let text: string
  try {
    const stat = statSync(path)
    if (!stat.isFile()) throw new KeyEncryptionError(`the key file ${path} is not a regular file`)
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0')
      throw new KeyEncryptionError(`the key file ${path} may be read by other users (mode ${mode}): run \`chmod 600 ${path}\``)
    }
    text = readFileSync(path, 'utf8').trim()
  } catch (error) {
    if (error instanceof KeyEncryptionError) throw error
    throw new KeyEncryptionError(`cannot read the key file ${path}: ${(error as Error).message}`)
  }
  if (!isStrongSecret(text)) throw new KeyEncryptionError(`the key file ${path} does not hold a valid secret (${SECRET_RULE})`)
  return text
}

/**
 * Writes a new secret to a private temporary file, then links it into place: the link either
 * publishes a complete file or fails because another process (a server, a CLI command) won the
 * race, whose file is then used. True when this call created it.
 */
function createKeyFile(path: string): boolean {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  try {
    const fd = openSync(temporary, 'wx', 0o600)
    try {
      writeSync(fd, `${generateSecret()}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    try {
      linkSync(temporary, path)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw error
    }
  } catch (error) {
    throw new KeyEncryptionError(`cannot create the key file ${path}: ${(error as Error).message}`)
  } finally {
    try {
      unlinkSync(temporary)
    } catch {}
  }
}
