/**
 * Actions' secrets in the key-encryption lifecycle, like connections' client secrets
 * (connection-secrets.ts): at start every sealed value (drafts' and deployed versions') must open
 * with the configured KEKs, and `latchkey keys reencrypt` moves each to the current KEK by one
 * compare-and-set, so a concurrent edit or deploy is never overwritten.
 */
import type { Store } from '@latchkey/storage'
import { encryptedWith, type KeyEncryption, KeyEncryptionError } from './key-encryption.js'

export interface ReencryptedActionSecrets {
  readonly id: string
  readonly name: string
  readonly which: 'draft' | 'deployed'
  readonly from: string | null
  readonly to: string
  readonly changed: boolean
}

const ATTEMPTS = 3

/** Opens every sealed value, and throws one error naming every action whose secrets do not open. */
export async function checkActionSecrets(store: Store, encryption: KeyEncryption): Promise<void> {
  const failed: string[] = []
  for (const action of await store.actions.sealedSecrets()) {
    for (const sealed of [action.draft, action.deployed]) {
      if (sealed === null) continue
      try {
        await encryption.openText(sealed)
      } catch (error) {
        if (!(error instanceof KeyEncryptionError)) throw error
        const kek = encryptedWith(sealed)
        failed.push(`${action.name} (${kek === null ? 'not encrypted' : `key-encryption key ${kek}`})`)
        break
      }
    }
  }
  if (failed.length === 0) return
  throw new KeyEncryptionError(
    `cannot decrypt the secrets of action${failed.length > 1 ? 's' : ''} ${failed.join(', ')} with ${encryption.source} ` +
      `(key-encryption key${encryption.ids.length > 1 ? 's' : ''} ${encryption.ids.join(', ')}). ` +
      'Set LATCHKEY_SECRET to the secret they were encrypted with (older secrets after a comma, or in LATCHKEY_SECRET_PREVIOUS), ' +
      'or deploy the action again with its secrets (`latchkey actions deploy FILE --name NAME --secret K=V`); see docs/security.md, "Secrets at rest".',
  )
}

/** Re-seals every action's secrets (draft and deployed) with the current KEK; nothing changes unless all open first. */
export async function reencryptActionSecrets(store: Store, encryption: KeyEncryption): Promise<ReencryptedActionSecrets[]> {
  await checkActionSecrets(store, encryption)
  const to = encryption.current.id
  const results: ReencryptedActionSecrets[] = []
  for (const { id } of await store.actions.sealedSecrets()) {
    for (const which of ['draft', 'deployed'] as const) {
      for (let attempt = 1; ; attempt++) {
        const action = await store.actions.get(id)
        const sealed = which === 'draft' ? action?.sealedSecrets : action?.deployed?.sealedSecrets
        if (!action || !sealed) break // deleted, or without secrets, meanwhile
        const from = encryptedWith(sealed)
        if (from === to) {
          results.push({ id, name: action.name, which, from, to, changed: false })
          break
        }
        const replacement = await encryption.encrypt(await encryption.openText(sealed))
        if (await store.actions.replaceSealedSecrets(id, which, sealed, replacement)) {
          results.push({ id, name: action.name, which, from, to, changed: true })
          break
        }
        if (attempt === ATTEMPTS) throw new KeyEncryptionError(`the secrets of action ${action.name} kept changing while being re-encrypted: run the command again`)
      }
    }
  }
  return results
}
