/**
 * Password hashes brought from elsewhere (Auth0's bulk-import format), checked once here and kept in
 * `users.password_hash` in one of these forms:
 * - our argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`), or another argon2 PHC string
 *   (argon2i, argon2d, argon2id at other parameters);
 * - a bcrypt string (`$2a$`, `$2b$`, `$2y$`);
 * - `$latchkey-imported$` + base64url(JSON) of a validated `custom_password_hash` object, defaults
 *   filled in, for every other algorithm (hmac, ldap, md5, sha1, sha256, sha512, pbkdf2, scrypt).
 *
 * The rules are Auth0's ("Bulk User Import Database Schema and Examples"); errors carry Auth0's
 * schema codes and the path of the field at fault. This module only parses: the server verifies.
 * MD4 (and whirlpool) are refused: OpenSSL 3, which Node uses, no longer computes them.
 */

export interface ImportFieldError {
  readonly code: string
  readonly message: string
  readonly path: string
}

export const IMPORTED_HASH_PREFIX = '$latchkey-imported$'

export const CUSTOM_HASH_ALGORITHMS = ['argon2', 'bcrypt', 'hmac', 'ldap', 'md4', 'md5', 'sha1', 'sha256', 'sha512', 'pbkdf2', 'scrypt'] as const
export type CustomHashAlgorithm = (typeof CUSTOM_HASH_ALGORITHMS)[number]
export type BinaryEncoding = 'base64' | 'hex' | 'utf8'
export const PASSWORD_ENCODINGS = ['ascii', 'utf8', 'utf16le', 'ucs2', 'latin1', 'binary'] as const
export type PasswordEncoding = (typeof PASSWORD_ENCODINGS)[number]
/** HMAC and PBKDF2 digests Auth0 names, less those OpenSSL 3 no longer has (md4, whirlpool). */
export const HASH_DIGESTS = ['md5', 'ripemd160', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const
export type HashDigest = (typeof HASH_DIGESTS)[number]
const AUTH0_ONLY_DIGESTS = ['md4', 'whirlpool']

/** A validated `custom_password_hash`, every default filled in (what `$latchkey-imported$` holds). */
export interface ImportedHash {
  readonly algorithm: Exclude<CustomHashAlgorithm, 'md4'>
  readonly hash: {
    readonly value: string
    readonly encoding: BinaryEncoding
    readonly digest?: HashDigest
    readonly key?: { readonly value: string; readonly encoding: BinaryEncoding }
  }
  readonly salt?: { readonly value: string; readonly encoding: BinaryEncoding; readonly position?: 'prefix' | 'suffix' }
  readonly password: { readonly encoding: PasswordEncoding }
  readonly keylen?: number
  readonly cost?: number
  readonly blockSize?: number
  readonly parallelization?: number
}

/** Digest sizes in bytes, for checking a hash's length at import rather than failing every login. */
export const DIGEST_BYTES: Readonly<Record<string, number>> = {
  md5: 16,
  ripemd160: 20,
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
}

/** Upper bounds so an imported hash cannot make a login cost seconds of CPU or gigabytes of memory. */
export const MAX_PBKDF2_ITERATIONS = 5_000_000
export const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024
export const MAX_ARGON2_MEMORY_KIB = 256 * 1024
export const MAX_ARGON2_PASSES = 64
export const MAX_ARGON2_LANES = 16
const MAX_HASH_VALUE_LENGTH = 1024

export const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/
const AUTH0_BCRYPT_HASH = /^\$2[ab]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/
export const ARGON2_HASH = /^\$argon2(?:id|i|d)\$(?:v=(?:16|19)\$)?m=\d{1,10},t=\d{1,10},p=\d{1,3}(?:,[a-z]+=[A-Za-z0-9+/]*)*\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{6,}$/
/** Auth0's PBKDF2 "magic" form: `$pbkdf2-<digest>$i=<iterations>,l=<key length>$<B64 salt>$<B64 hash>`. */
export const PBKDF2_HASH = /^\$pbkdf2-([a-z0-9]+)\$i=(\d{1,10}),l=(\d{1,4})\$([A-Za-z0-9+/.]+={0,2})\$([A-Za-z0-9+/.]+={0,2})$/
/** RFC 2307 userPassword values: `{SCHEME}` + base64(digest [+ salt]). */
export const LDAP_HASH = /^\{([A-Za-z0-9]+)\}([A-Za-z0-9+/]+={0,2})$/
export const LDAP_SCHEMES: Readonly<Record<string, { digest: HashDigest; salted: boolean }>> = {
  MD5: { digest: 'md5', salted: false },
  SMD5: { digest: 'md5', salted: true },
  SHA: { digest: 'sha1', salted: false },
  SSHA: { digest: 'sha1', salted: true },
  SHA256: { digest: 'sha256', salted: false },
  SSHA256: { digest: 'sha256', salted: true },
  SHA384: { digest: 'sha384', salted: false },
  SSHA384: { digest: 'sha384', salted: true },
  SHA512: { digest: 'sha512', salted: false },
  SSHA512: { digest: 'sha512', salted: true },
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/
/** Algorithms whose hash is a string carrying its own parameters (hash.encoding utf8 only). */
const SELF_DESCRIBING = ['argon2', 'bcrypt', 'ldap', 'pbkdf2']
const TOP_LEVEL_KEYS = ['algorithm', 'hash', 'salt', 'password', 'keylen', 'cost', 'blockSize', 'parallelization']

type Result = { ok: true; stored: string | null } | { ok: false; errors: ImportFieldError[] }

/**
 * Validates an Auth0 bulk-import entry's `password_hash` (bcrypt `$2a$`/`$2b$` only, as Auth0) or
 * `custom_password_hash` (mutually exclusive) and returns what `users.password_hash` stores; null: no password.
 */
export function importedPasswordHash(entry: { password_hash?: unknown; custom_password_hash?: unknown }): Result {
  const plain = entry.password_hash
  const custom = entry.custom_password_hash
  if (plain !== undefined && custom !== undefined) {
    return failed([error('INVALID_FORMAT', 'password_hash and custom_password_hash are mutually exclusive: give one of them', 'custom_password_hash')])
  }
  if (plain !== undefined) {
    if (typeof plain !== 'string') return failed([invalidType('password_hash', 'string', plain)])
    if (!AUTH0_BCRYPT_HASH.test(plain)) {
      return failed([error('INVALID_FORMAT', 'password_hash must be a bcrypt hash ($2a$ or $2b$, cost 04–31, 53 characters of salt and hash); use custom_password_hash for other formats', 'password_hash')])
    }
    return { ok: true, stored: plain }
  }
  if (custom === undefined) return { ok: true, stored: null }
  const errors: ImportFieldError[] = []
  const parsed = customHash(custom, errors)
  if (!parsed || errors.length > 0) return failed(errors)
  return { ok: true, stored: storedForm(parsed) }
}

/** The stored form of a validated custom hash: bcrypt and argon2 strings as they are when the password is UTF-8. */
function storedForm(parsed: ImportedHash): string {
  if ((parsed.algorithm === 'bcrypt' || parsed.algorithm === 'argon2') && parsed.password.encoding === 'utf8') return parsed.hash.value
  return IMPORTED_HASH_PREFIX + Buffer.from(JSON.stringify(parsed), 'utf8').toString('base64url')
}

/** The custom hash kept behind `$latchkey-imported$`, or null when `stored` is not in that form (or is damaged). */
export function readImportedHash(stored: string): ImportedHash | null {
  if (!stored.startsWith(IMPORTED_HASH_PREFIX)) return null
  try {
    const object: unknown = JSON.parse(Buffer.from(stored.slice(IMPORTED_HASH_PREFIX.length), 'base64url').toString('utf8'))
    const errors: ImportFieldError[] = []
    const parsed = customHash(object, errors)
    return errors.length === 0 ? parsed : null
  } catch {
    return null
  }
}

/**
 * For export in the import format: a stored hash as Auth0's `custom_password_hash` object (argon2
 * PHC → `{algorithm:'argon2', hash:{value, encoding:'utf8'}}`), or a bcrypt `password_hash`.
 * Throws on a value that is none of the stored forms (the column never holds one).
 */
export function passwordHashForExport(stored: string): { password_hash: string } | { custom_password_hash: Record<string, unknown> } {
  if (AUTH0_BCRYPT_HASH.test(stored)) return { password_hash: stored }
  if (BCRYPT_HASH.test(stored)) return { custom_password_hash: { algorithm: 'bcrypt', hash: { value: stored, encoding: 'utf8' } } }
  if (stored.startsWith('$argon2')) return { custom_password_hash: { algorithm: 'argon2', hash: { value: stored, encoding: 'utf8' } } }
  const imported = readImportedHash(stored)
  if (imported) return { custom_password_hash: JSON.parse(JSON.stringify(imported)) as Record<string, unknown> }
  throw new TypeError('not a stored password hash (argon2, bcrypt or $latchkey-imported$)')
}

function customHash(value: unknown, errors: ImportFieldError[]): ImportedHash | null {
  const root = 'custom_password_hash'
  if (!isObject(value)) {
    errors.push(invalidType(root, 'object', value))
    return null
  }
  for (const key of Object.keys(value)) {
    if (!TOP_LEVEL_KEYS.includes(key)) errors.push(error('OBJECT_ADDITIONAL_PROPERTIES', `Additional properties not allowed: ${key}`, `${root}.${key}`))
  }
  const algorithm = enumField(value, 'algorithm', root, CUSTOM_HASH_ALGORITHMS, errors, true)
  if (algorithm === 'md4') {
    errors.push(error('UNSUPPORTED_ALGORITHM', 'md4 hashes cannot be verified here (OpenSSL 3 no longer computes MD4): import these users without a hash and have them reset their password, or use trickle migration', `${root}.algorithm`))
  }
  const password = passwordField(value.password, `${root}.password`, errors)
  const hash = hashField(value.hash, `${root}.hash`, algorithm, errors)
  if (!algorithm || algorithm === 'md4' || !hash) return null
  if ((algorithm === 'bcrypt' || algorithm === 'argon2') && password.encoding !== 'utf8') {
    errors.push(error('ENUM_MISMATCH', `${algorithm} hashes are verified with the password as UTF-8: password.encoding must be utf8`, `${root}.password.encoding`))
  }
  const saltless = SELF_DESCRIBING.includes(algorithm)
  const salt = saltless ? undefined : saltField(value.salt, `${root}.salt`, algorithm, errors)
  const parsed: ImportedHash = { algorithm, hash, ...(salt ? { salt } : {}), password }
  if (algorithm !== 'scrypt') return parsed
  return { ...parsed, ...scryptParameters(value, root, errors) }
}

function hashField(value: unknown, path: string, algorithm: CustomHashAlgorithm | undefined, errors: ImportFieldError[]): ImportedHash['hash'] | null {
  if (value === undefined) {
    errors.push(missing(path))
    return null
  }
  if (!isObject(value)) {
    errors.push(invalidType(path, 'object', value))
    return null
  }
  for (const key of Object.keys(value)) {
    if (!['value', 'encoding', 'digest', 'key'].includes(key)) errors.push(error('OBJECT_ADDITIONAL_PROPERTIES', `Additional properties not allowed: ${key}`, `${path}.${key}`))
  }
  const hashValue = stringField(value, 'value', path, errors, true)
  let encoding = enumField(value, 'encoding', path, ['base64', 'hex', 'utf8'] as const, errors, false)
  if (!algorithm || algorithm === 'md4' || hashValue === undefined) return null
  if (SELF_DESCRIBING.includes(algorithm)) {
    if (encoding && encoding !== 'utf8') errors.push(error('ENUM_MISMATCH', `hash.encoding must be utf8 for ${algorithm}`, `${path}.encoding`))
    encoding = 'utf8'
    selfDescribingValue(algorithm, hashValue, `${path}.value`, errors)
    return { value: hashValue, encoding }
  }
  if (encoding === 'utf8') {
    errors.push(error('ENUM_MISMATCH', `hash.encoding must be hex or base64 for ${algorithm}`, `${path}.encoding`))
    return null
  }
  let digest: HashDigest | undefined
  let key: { value: string; encoding: BinaryEncoding } | undefined
  if (algorithm === 'hmac') {
    digest = digestField(value, path, errors)
    key = keyField(value.key, `${path}.key`, errors)
  }
  const expected = algorithm === 'hmac' ? (digest ? DIGEST_BYTES[digest] : undefined) : DIGEST_BYTES[algorithm]
  encoding ??= inferredEncoding(hashValue, expected)
  if (!encoding) {
    errors.push(missing(`${path}.encoding`, 'hash.encoding is required (hex or base64) when the value is not plainly one of them'))
    return null
  }
  const bytes = decodedLength(hashValue, encoding)
  if (bytes === null) {
    errors.push(error('INVALID_FORMAT', `hash.value is not valid ${encoding}`, `${path}.value`))
  } else if (expected !== undefined && bytes !== expected) {
    errors.push(error('INVALID_FORMAT', `hash.value must be a ${expected}-byte ${algorithm === 'hmac' ? digest : algorithm} digest (got ${bytes} bytes as ${encoding})`, `${path}.value`))
  } else if (bytes === 0) {
    errors.push(error('INVALID_FORMAT', 'hash.value must not be empty', `${path}.value`))
  }
  if (algorithm === 'hmac' && (!digest || !key)) return null
  return { value: hashValue, encoding, ...(digest ? { digest } : {}), ...(key ? { key } : {}) }
}

function selfDescribingValue(algorithm: CustomHashAlgorithm, value: string, path: string, errors: ImportFieldError[]): void {
  if (algorithm === 'bcrypt' && !BCRYPT_HASH.test(value)) {
    errors.push(error('INVALID_FORMAT', 'hash.value must be a bcrypt hash ($2a$, $2b$ or $2y$, cost 04–31)', path))
  } else if (algorithm === 'argon2' && !ARGON2_HASH.test(value)) {
    errors.push(error('INVALID_FORMAT', 'hash.value must be an argon2 PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash)', path))
  } else if (algorithm === 'argon2') {
    const [, m, t, p] = (/m=(\d+),t=(\d+),p=(\d+)/.exec(value) ?? []).map(Number)
    if (!(m && t && p) || m > MAX_ARGON2_MEMORY_KIB || t > MAX_ARGON2_PASSES || p > MAX_ARGON2_LANES)
      errors.push(error('INVALID_FORMAT', `argon2 parameters must be at most m=${MAX_ARGON2_MEMORY_KIB}, t=${MAX_ARGON2_PASSES}, p=${MAX_ARGON2_LANES}`, path))
  } else if (algorithm === 'pbkdf2') {
    pbkdf2Value(value, path, errors)
  } else if (algorithm === 'ldap') {
    ldapValue(value, path, errors)
  }
}

function pbkdf2Value(value: string, path: string, errors: ImportFieldError[]): void {
  const match = PBKDF2_HASH.exec(value)
  if (!match) {
    errors.push(error('INVALID_FORMAT', 'hash.value must be in the form $pbkdf2-<digest>$i=<iterations>,l=<key length>$<B64 salt>$<B64 hash>', path))
    return
  }
  const [, digest, iterations, keylen, , hash] = match as unknown as [string, string, string, string, string, string]
  if (AUTH0_ONLY_DIGESTS.includes(digest)) {
    errors.push(error('UNSUPPORTED_ALGORITHM', `pbkdf2 with ${digest} cannot be verified here (OpenSSL 3 no longer computes it)`, path))
  } else if (!(HASH_DIGESTS as readonly string[]).includes(digest)) {
    errors.push(error('INVALID_FORMAT', `unknown pbkdf2 digest ${digest} (one of ${HASH_DIGESTS.join(', ')})`, path))
  }
  const rounds = Number(iterations)
  if (rounds < 1 || rounds > MAX_PBKDF2_ITERATIONS) errors.push(error('INVALID_FORMAT', `pbkdf2 iterations must be 1–${MAX_PBKDF2_ITERATIONS}`, path))
  const bytes = decodedLength(hash.replaceAll('.', '+'), 'base64')
  if (bytes !== Number(keylen) || bytes === 0) errors.push(error('INVALID_FORMAT', `the pbkdf2 hash is ${bytes ?? 0} bytes long but l=${keylen}`, path))
}

function ldapValue(value: string, path: string, errors: ImportFieldError[]): void {
  const match = LDAP_HASH.exec(value)
  const scheme = match ? LDAP_SCHEMES[match[1]!.toUpperCase()] : undefined
  if (!match || !scheme) {
    errors.push(error('INVALID_FORMAT', `hash.value must be an RFC 2307 value {SCHEME}base64 with a scheme among ${Object.keys(LDAP_SCHEMES).join(', ')}`, path))
    return
  }
  const bytes = decodedLength(match[2]!, 'base64') ?? 0
  const size = DIGEST_BYTES[scheme.digest]!
  if (scheme.salted ? bytes <= size : bytes !== size) errors.push(error('INVALID_FORMAT', `the ${match[1]} value must decode to a ${size}-byte digest${scheme.salted ? ' followed by its salt' : ''}`, path))
}

function digestField(value: Record<string, unknown>, path: string, errors: ImportFieldError[]): HashDigest | undefined {
  if (typeof value.digest === 'string' && AUTH0_ONLY_DIGESTS.includes(value.digest)) {
    errors.push(error('UNSUPPORTED_ALGORITHM', `hmac with ${value.digest} cannot be verified here (OpenSSL 3 no longer computes it)`, `${path}.digest`))
    return undefined
  }
  return enumField(value, 'digest', path, HASH_DIGESTS, errors, true)
}

function keyField(value: unknown, path: string, errors: ImportFieldError[]): { value: string; encoding: BinaryEncoding } | undefined {
  if (value === undefined) {
    errors.push(missing(path, 'hash.key is required for hmac'))
    return undefined
  }
  const field = encodedValue(value, path, errors)
  return field ?? undefined
}

function saltField(value: unknown, path: string, algorithm: CustomHashAlgorithm, errors: ImportFieldError[]): ImportedHash['salt'] | undefined {
  if (value === undefined) {
    if (algorithm === 'scrypt') errors.push(missing(path, 'salt is required for scrypt'))
    return undefined
  }
  if (!isObject(value)) {
    errors.push(invalidType(path, 'object', value))
    return undefined
  }
  const position = enumField(value, 'position', path, ['prefix', 'suffix'] as const, errors, algorithm !== 'scrypt')
  const { position: _, ...rest } = value
  const field = encodedValue(rest, path, errors)
  if (!field) return undefined
  return algorithm === 'scrypt' ? field : { ...field, ...(position ? { position } : {}) }
}

/** `{ value, encoding? }` (encoding defaults to utf8), as Auth0's salt and HMAC key. */
function encodedValue(value: unknown, path: string, errors: ImportFieldError[]): { value: string; encoding: BinaryEncoding } | null {
  if (!isObject(value)) {
    errors.push(invalidType(path, 'object', value))
    return null
  }
  for (const key of Object.keys(value)) {
    if (key !== 'value' && key !== 'encoding') errors.push(error('OBJECT_ADDITIONAL_PROPERTIES', `Additional properties not allowed: ${key}`, `${path}.${key}`))
  }
  const text = stringField(value, 'value', path, errors, true)
  const encoding = enumField(value, 'encoding', path, ['base64', 'hex', 'utf8'] as const, errors, false) ?? 'utf8'
  if (text === undefined) return null
  if (decodedLength(text, encoding) === null) {
    errors.push(error('INVALID_FORMAT', `value is not valid ${encoding}`, `${path}.value`))
    return null
  }
  return { value: text, encoding }
}

function passwordField(value: unknown, path: string, errors: ImportFieldError[]): { encoding: PasswordEncoding } {
  if (value === undefined) return { encoding: 'utf8' }
  if (!isObject(value)) {
    errors.push(invalidType(path, 'object', value))
    return { encoding: 'utf8' }
  }
  for (const key of Object.keys(value)) {
    if (key !== 'encoding') errors.push(error('OBJECT_ADDITIONAL_PROPERTIES', `Additional properties not allowed: ${key}`, `${path}.${key}`))
  }
  return { encoding: enumField(value, 'encoding', path, PASSWORD_ENCODINGS, errors, true) ?? 'utf8' }
}

function scryptParameters(value: Record<string, unknown>, root: string, errors: ImportFieldError[]): { keylen: number; cost: number; blockSize: number; parallelization: number } {
  const keylen = integerField(value, 'keylen', root, errors, undefined, 1, 1024)
  const cost = integerField(value, 'cost', root, errors, 16_384, 2, 2 ** 30)
  const blockSize = integerField(value, 'blockSize', root, errors, 8, 1, 1024)
  const parallelization = integerField(value, 'parallelization', root, errors, 1, 1, 64)
  if (cost !== undefined && (cost & (cost - 1)) !== 0) errors.push(error('INVALID_FORMAT', 'cost must be a power of two greater than one', `${root}.cost`))
  if (cost !== undefined && blockSize !== undefined && 128 * cost * blockSize > MAX_SCRYPT_MEMORY_BYTES) {
    errors.push(error('INVALID_FORMAT', `cost × blockSize × 128 must be at most ${MAX_SCRYPT_MEMORY_BYTES} bytes of memory`, `${root}.cost`))
  }
  return { keylen: keylen ?? 0, cost: cost ?? 16_384, blockSize: blockSize ?? 8, parallelization: parallelization ?? 1 }
}

function integerField(value: Record<string, unknown>, key: string, root: string, errors: ImportFieldError[], fallback: number | undefined, min: number, max: number): number | undefined {
  const path = `${root}.${key}`
  const field = value[key]
  if (field === undefined) {
    if (fallback === undefined) errors.push(missing(path, `${key} is required for scrypt`))
    return fallback
  }
  if (typeof field !== 'number' || !Number.isInteger(field)) {
    errors.push(invalidType(path, 'integer', field))
    return undefined
  }
  if (field < min || field > max) {
    errors.push(error(field < min ? 'MINIMUM' : 'MAXIMUM', `${key} must be ${min}–${max}`, path))
    return undefined
  }
  return field
}

/** The encoding a hash value plainly has when the file does not say (hex of the digest's length, else base64). */
function inferredEncoding(value: string, bytes: number | undefined): BinaryEncoding | undefined {
  if (HEX.test(value) && (bytes === undefined || value.length === bytes * 2)) return 'hex'
  if (BASE64.test(value)) return 'base64'
  return undefined
}

/** How many bytes `value` decodes to, or null when it is not valid in that encoding (hex in either case, base64 standard or URL-safe). */
export function decodedLength(value: string, encoding: BinaryEncoding): number | null {
  if (encoding === 'utf8') return Buffer.byteLength(value, 'utf8')
  if (encoding === 'hex') return HEX.test(value) ? value.length / 2 : null
  if (!BASE64.test(value)) return null
  const data = value.replace(/=+$/, '').length
  if (data % 4 === 1) return null
  return Math.floor((data * 3) / 4)
}

function stringField(value: Record<string, unknown>, key: string, path: string, errors: ImportFieldError[], required: boolean): string | undefined {
  const field = value[key]
  if (field === undefined) {
    if (required) errors.push(missing(`${path}.${key}`))
    return undefined
  }
  if (typeof field !== 'string') {
    errors.push(invalidType(`${path}.${key}`, 'string', field))
    return undefined
  }
  if (field.length === 0 || field.length > MAX_HASH_VALUE_LENGTH) {
    errors.push(error('INVALID_FORMAT', `${key} must be 1–${MAX_HASH_VALUE_LENGTH} characters`, `${path}.${key}`))
    return undefined
  }
  return field
}

function enumField<T extends string>(value: Record<string, unknown>, key: string, path: string, allowed: readonly T[], errors: ImportFieldError[], required: boolean): T | undefined {
  const field = value[key]
  if (field === undefined) {
    if (required) errors.push(missing(`${path}.${key}`))
    return undefined
  }
  if (typeof field !== 'string' || !(allowed as readonly string[]).includes(field)) {
    errors.push(error('ENUM_MISMATCH', `No enum match for: ${JSON.stringify(field)} (one of ${allowed.join(', ')})`, `${path}.${key}`))
    return undefined
  }
  return field as T
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const error = (code: string, message: string, path: string): ImportFieldError => ({ code, message, path })
const failed = (errors: ImportFieldError[]): Result => ({ ok: false, errors })
const missing = (path: string, message?: string): ImportFieldError =>
  error('OBJECT_MISSING_REQUIRED_PROPERTY', message ?? `Missing required property: ${path.slice(path.lastIndexOf('.') + 1)}`, path)
const invalidType = (path: string, expected: string, value: unknown): ImportFieldError =>
  error('INVALID_TYPE', `Expected type ${expected} but found type ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`, path)
