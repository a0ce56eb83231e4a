/**
 * Signing private keys encrypted at rest. The store holds each private JWK as a compact JWE
 * (RFC 7516, `alg: dir`, `enc: A256GCM`, `cty: jwk+json`) whose `kid` header names the
 * key-encryption key (KEK) that sealed it, so keys sealed under an older KEK still open while the
 * KEK is rotated. Opening checks that the private key belongs to the record's public key. Text
 * values (connections' client secrets, logins' upstream state) are sealed the same way with
 * `cty: text/plain`.
 */
import type { SigningKeyRecord } from '@latchkey/core'
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, type JWK } from 'jose'

/** A key-encryption key: 32 bytes for A256GCM, and the id written in the `kid` of what it seals. */
export interface Kek {
  readonly id: string
  readonly key: Uint8Array
}

/** A start-up or CLI failure about key encryption: shown as one line, never with a stack trace. */
export class KeyEncryptionError extends Error {
  override readonly name = 'KeyEncryptionError'
}

const JWE_HEADER = { alg: 'dir', enc: 'A256GCM' } as const
/** The content type of a sealed private key; sealed text values (`encrypt`) say `text/plain`. */
const JWK_CTY = 'jwk+json'
const TEXT_CTY = 'text/plain'

/**
 * The KEK id a stored private key is sealed with, or null for a plaintext JWK (a database from
 * before encryption, upgraded at start). Reads only the JWE header.
 */
export function encryptedWith(stored: string): string | null {
  if (stored.trimStart().startsWith('{')) return null
  try {
    const { kid } = decodeProtectedHeader(stored)
    return typeof kid === 'string' ? kid : 'unknown'
  } catch {
    return 'unknown'
  }
}

export class KeyEncryption {
  readonly current: Kek
  readonly #byId: ReadonlyMap<string, Kek>

  /**
   * `keks[0]` seals; every one of them opens. `source` says where they came from, for messages
   * ("LATCHKEY_SECRET", "the key file data/latchkey.secret").
   */
  constructor(
    keks: readonly Kek[],
    readonly source: string,
  ) {
    const [current] = keks
    if (!current) throw new KeyEncryptionError('no key-encryption key configured')
    for (const kek of keks) if (kek.key.byteLength !== 32) throw new KeyEncryptionError('a key-encryption key must be 32 bytes')
    this.current = current
    this.#byId = new Map(keks.map((k) => [k.id, k]))
  }

  /** The ids of every KEK that can open, the current one first. */
  get ids(): string[] {
    return [...this.#byId.keys()]
  }

  /**
   * Seals a text value (a connection's client secret, a login's upstream state) with the current
   * KEK (`cty: text/plain`); `openText` opens it.
   */
  async encrypt(text: string): Promise<string> {
    return this.#seal(text, TEXT_CTY)
  }

  /** Seals a private JWK (JSON text) with the current KEK (`cty: jwk+json`); `open` opens it. */
  async encryptPrivateJwk(privateJwk: string): Promise<string> {
    return this.#seal(privateJwk, JWK_CTY)
  }

  async #seal(text: string, cty: string): Promise<string> {
    return new CompactEncrypt(new TextEncoder().encode(text))
      .setProtectedHeader({ ...JWE_HEADER, cty, kid: this.current.id })
      .encrypt(this.current.key)
  }

  /** The record with its private key sealed by the current KEK (the record given holds plaintext). */
  async seal(record: SigningKeyRecord): Promise<SigningKeyRecord> {
    checkPrivateJwk(record, record.privateJwk)
    return { ...record, privateJwk: await this.encryptPrivateJwk(record.privateJwk) }
  }

  /**
   * The private JWK (JSON text) of a sealed record, checked against its public key. Throws
   * KeyEncryptionError when no configured KEK opens it, or when it is stored in plaintext.
   */
  async open(record: SigningKeyRecord): Promise<string> {
    const kekId = encryptedWith(record.privateJwk)
    if (kekId === null) {
      throw new KeyEncryptionError(`signing key ${record.kid} is stored unencrypted: restart the server or run \`latchkey keys reencrypt\``)
    }
    const kek = this.#byId.get(kekId)
    if (!kek) throw new KeyEncryptionError(`signing key ${record.kid} is encrypted with key-encryption key ${kekId}, which ${this.source} does not provide`)
    let plaintext: string
    try {
      const { plaintext: bytes } = await compactDecrypt(record.privateJwk, kek.key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      })
      plaintext = new TextDecoder().decode(bytes)
    } catch {
      throw new KeyEncryptionError(`signing key ${record.kid} does not decrypt with key-encryption key ${kekId} (damaged, or sealed by another secret)`)
    }
    checkPrivateJwk(record, plaintext)
    return plaintext
  }

  /**
   * Opens a value sealed by `encrypt` (a connection's client secret, a login's upstream state):
   * the text, or a KeyEncryptionError when no configured KEK opens it. Values sealed before text
   * had its own content type (`cty: jwk+json`) open too.
   */
  async openText(sealed: string): Promise<string> {
    const kekId = encryptedWith(sealed)
    const kek = kekId === null ? undefined : this.#byId.get(kekId)
    if (!kek) throw new KeyEncryptionError(`a sealed value is encrypted with key-encryption key ${kekId ?? '(none)'}, which ${this.source} does not provide`)
    try {
      const { plaintext } = await compactDecrypt(sealed, kek.key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] })
      return new TextDecoder().decode(plaintext)
    } catch {
      throw new KeyEncryptionError(`a sealed value does not decrypt with key-encryption key ${kekId} (damaged, or sealed by another secret)`)
    }
  }

  /** The private JWK of a sealed record, ready for `importJWK`. */
  async privateJwk(record: SigningKeyRecord): Promise<JWK> {
    return JSON.parse(await this.open(record)) as JWK
  }
}

/** A private key that is not the one the record publishes (swapped rows, a damaged value) is refused. */
export function checkPrivateJwk(record: SigningKeyRecord, text: string): void {
  let priv: JWK
  let pub: JWK
  try {
    priv = JSON.parse(text) as JWK
    pub = JSON.parse(record.publicJwk) as JWK
  } catch {
    throw new KeyEncryptionError(`signing key ${record.kid}: the stored key is not valid JSON`)
  }
  // The public members of RSA (n, e), EC (crv, x, y) and OKP (crv, x) keys must all be the record's.
  const samePublic = (['n', 'e', 'crv', 'x', 'y'] as const).every((member) => priv[member] === pub[member])
  const matches = priv.kty === pub.kty && samePublic && typeof priv.d === 'string' && (priv.kid === undefined || priv.kid === record.kid)
  if (!matches) throw new KeyEncryptionError(`signing key ${record.kid}: the stored private key does not match its public key`)
}
