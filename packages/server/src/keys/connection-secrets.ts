/**
 * Connections' upstream client secrets in the key-encryption lifecycle, like the signing keys
 * (stored-keys.ts): at start (and before a CLI command seals anything) every sealed secret must open
 * with the configured KEKs, and `latchkey keys reencrypt` moves every one to the current KEK, each by
 * one compare-and-set (`replaceSealedClientSecret`), so a concurrent update of a connection's secret
 * is never overwritten.
 */
import type { Store } from '@latchkey/storage'
import { encryptedWith, type KeyEncryption, KeyEncryptionError } from './key-encryption.js'

interface Failed {
  readonly name: string
  readonly kekId: string | null
}

async function nameOf(store: Store, id: string): Promise<string> {
  return (await store.connections.get(id))?.name ?? id
}

/** Opens every sealed connection secret, and throws one error naming every connection whose secret does not open. */
export async function checkConnectionSecrets(store: Store, encryption: KeyEncryption): Promise<void> {
  const failed: Failed[] = []
  for (const { id, sealedClientSecret } of await store.connections.sealedSecrets()) {
    try {
      await encryption.openText(sealedClientSecret)
    } catch (error) {
      if (!(error instanceof KeyEncryptionError)) throw error
      failed.push({ name: await nameOf(store, id), kekId: encryptedWith(sealedClientSecret) })
    }
  }
  if (failed.length === 0) return
  const which = failed.map((f) => `${f.name} (${f.kekId === null ? 'not encrypted' : `key-encryption key ${f.kekId}`})`)
  throw new KeyEncryptionError(
    `cannot decrypt the client secret of connection${failed.length > 1 ? 's' : ''} ${which.join(', ')} with ${encryption.source} ` +
      `(key-encryption key${encryption.ids.length > 1 ? 's' : ''} ${encryption.ids.join(', ')}). ` +
      'Set LATCHKEY_SECRET to the secret it was encrypted with (older secrets after a comma, or in LATCHKEY_SECRET_PREVIOUS), ' +
      'or give the connection its secret again (`latchkey connections update NAME --client-secret-stdin`); see docs/security.md, "Secrets at rest".',
  )
}

export interface ReencryptedConnection {
  readonly id: string
  readonly name: string
  /** The KEK it was sealed with before. */
  readonly from: string | null
  readonly to: string
  readonly changed: boolean
}

const ATTEMPTS = 3

/**
 * Re-seals every connection's client secret with the current KEK; those already under it are left
 * as they are. Nothing changes unless every one opens first. A secret changed by someone else
 * meanwhile is read again and retried; a connection deleted meanwhile is skipped.
 */
export async function reencryptConnectionSecrets(store: Store, encryption: KeyEncryption): Promise<ReencryptedConnection[]> {
  await checkConnectionSecrets(store, encryption)
  const to = encryption.current.id
  const results: ReencryptedConnection[] = []
  for (const { id } of await store.connections.sealedSecrets()) {
    for (let attempt = 1; ; attempt++) {
      const record = await store.connections.get(id)
      const sealed = record?.sealedClientSecret
      if (!record || !sealed) break // deleted, or its secret removed, meanwhile
      const from = encryptedWith(sealed)
      if (from === to) {
        results.push({ id, name: record.name, from, to, changed: false })
        break
      }
      const replacement = await encryption.encrypt(await encryption.openText(sealed))
      if (await store.connections.replaceSealedClientSecret(id, sealed, replacement)) {
        results.push({ id, name: record.name, from, to, changed: true })
        break
      }
      if (attempt === ATTEMPTS) throw new KeyEncryptionError(`the client secret of connection ${record.name} kept changing while being re-encrypted: run the command again`)
    }
  }
  return results
}
