/**
 * The stored signing keys and their encryption: at start, plaintext keys (a database from before
 * encryption) are sealed in place and every key must open with the configured KEKs; `latchkey keys
 * reencrypt` moves every key to the current KEK. Each change is one compare-and-set on one key, so
 * several nodes (or a node and the CLI) doing it at once cannot lose a key.
 */
import type { SigningKeyRecord } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { checkPrivateJwk, encryptedWith, type KeyEncryption, KeyEncryptionError } from './key-encryption.js'

/** The plaintext of a stored key, whether sealed or (from an older database) in the clear. */
async function plaintextOf(record: SigningKeyRecord, encryption: KeyEncryption): Promise<string> {
  if (encryptedWith(record.privateJwk) !== null) return encryption.open(record)
  checkPrivateJwk(record, record.privateJwk)
  return record.privateJwk
}

/** Opens every key, and throws one error naming all that do not open. */
async function openAll(records: readonly SigningKeyRecord[], encryption: KeyEncryption): Promise<Map<string, string>> {
  const opened = new Map<string, string>()
  const failed: { kid: string; kekId: string | null }[] = []
  for (const record of records) {
    try {
      opened.set(record.kid, await plaintextOf(record, encryption))
    } catch (error) {
      if (!(error instanceof KeyEncryptionError)) throw error
      failed.push({ kid: record.kid, kekId: encryptedWith(record.privateJwk) })
    }
  }
  if (failed.length > 0) throw cannotOpen(failed, encryption)
  return opened
}

function cannotOpen(failed: readonly { kid: string; kekId: string | null }[], encryption: KeyEncryption): KeyEncryptionError {
  const keys = failed.map((f) => (f.kekId === null ? `${f.kid} (unencrypted, damaged)` : `${f.kid} (key-encryption key ${f.kekId})`))
  return new KeyEncryptionError(
    `cannot decrypt signing key${failed.length > 1 ? 's' : ''} ${keys.join(', ')} with ${encryption.source} ` +
      `(key-encryption key${encryption.ids.length > 1 ? 's' : ''} ${encryption.ids.join(', ')}). ` +
      'Set LATCHKEY_SECRET to the secret the keys were encrypted with (older secrets after a comma, or in LATCHKEY_SECRET_PREVIOUS); see docs/security.md, "Secrets at rest".',
  )
}

/**
 * Seals plaintext keys in place and checks that every key opens. Returns the kids it sealed.
 * Throws KeyEncryptionError naming every key that does not open.
 */
export async function prepareStoredKeys(store: Store, encryption: KeyEncryption): Promise<string[]> {
  const records = await store.signingKeys.list()
  const opened = await openAll(records, encryption)
  const sealed: string[] = []
  for (const record of records) {
    if (encryptedWith(record.privateJwk) !== null) continue
    const replacement = await encryption.encryptPrivateJwk(opened.get(record.kid) as string)
    // False: another node sealed (or deleted) it meanwhile.
    if (await store.signingKeys.replacePrivateJwk(record.kid, record.privateJwk, replacement)) sealed.push(record.kid)
  }
  return sealed
}

export interface Reencrypted {
  readonly kid: string
  /** The KEK it was sealed with before (null: stored unencrypted). */
  readonly from: string | null
  readonly to: string
  readonly changed: boolean
}

const ATTEMPTS = 3

/**
 * Re-seals every stored key with the current KEK; keys already under it are left as they are.
 * Nothing changes unless every key opens first. A key changed by someone else meanwhile is read
 * again and retried.
 */
export async function reencryptStoredKeys(store: Store, encryption: KeyEncryption): Promise<Reencrypted[]> {
  await openAll(await store.signingKeys.list(), encryption)
  const to = encryption.current.id
  const results: Reencrypted[] = []
  for (const { kid } of await store.signingKeys.list()) {
    for (let attempt = 1; ; attempt++) {
      const record = (await store.signingKeys.list()).find((k) => k.kid === kid)
      if (!record) break // deleted by a rotation meanwhile
      const from = encryptedWith(record.privateJwk)
      if (from === to) {
        results.push({ kid, from, to, changed: false })
        break
      }
      const replacement = await encryption.encryptPrivateJwk(await plaintextOf(record, encryption))
      if (await store.signingKeys.replacePrivateJwk(kid, record.privateJwk, replacement)) {
        results.push({ kid, from, to, changed: true })
        break
      }
      if (attempt === ATTEMPTS) throw new KeyEncryptionError(`signing key ${kid} kept changing while being re-encrypted: run the command again`)
    }
  }
  return results
}
