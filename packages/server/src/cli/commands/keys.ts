/**
 * `latchkey keys …`: the signing keys. A rotation publishes the new key at once and lets it sign
 * after a delay (by default the JWKS cache lifetime, so verifiers have fetched it by then).
 * Private keys are encrypted with the key-encryption key the server uses (LATCHKEY_SECRET, or the
 * key file beside a SQLite database); `reencrypt` moves them all to the current one. Listing shows
 * public information only and needs no secret.
 */
import { systemClock } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { type Command, InvalidArgumentError } from 'commander'
import { type KeyEncryption, KeyEncryptionError } from '../../keys/key-encryption.js'
import { DEFAULT_ROTATION_DELAY_SECONDS, KeyRing, storedKeyStatuses } from '../../keys/key-ring.js'
import { loadKeyEncryption, parseSecrets } from '../../keys/secret.js'
import { type ReencryptedConnection, reencryptConnectionSecrets } from '../../keys/connection-secrets.js'
import { type ReencryptedActionSecrets, reencryptActionSecrets } from '../../keys/action-secrets.js'
import { prepareStoredKeys, type Reencrypted, reencryptStoredKeys } from '../../keys/stored-keys.js'
import { keyRotatedEvent } from '../../keys/rotation-schedule.js'
import { recordCliEvent } from '../audit.js'
import { presentKey, table } from '../present.js'
import { CliError, type CommonOptions, cliEnv, databaseUrl, group, leaf, print, run } from '../run.js'

const MAX_DELAY = 2_592_000

function delaySeconds(value: string): number {
  const n = Number(value.trim())
  if (!/^\d+$/.test(value.trim()) || n > MAX_DELAY) throw new InvalidArgumentError(`expected whole seconds between 0 and ${MAX_DELAY}`)
  return n
}

/**
 * The server's key-encryption keys for this database, after sealing plaintext keys and checking
 * that every stored key decrypts (so a command run without the server's secret changes nothing).
 */
export async function encryptionFor(store: Store, opts: CommonOptions): Promise<KeyEncryption> {
  let secrets: string[]
  try {
    secrets = parseSecrets(cliEnv().LATCHKEY_SECRET, cliEnv().LATCHKEY_SECRET_PREVIOUS)
  } catch (error) {
    throw new CliError((error as Error).message, 2)
  }
  try {
    const { encryption } = loadKeyEncryption(secrets, databaseUrl(opts))
    await prepareStoredKeys(store, encryption)
    return encryption
  } catch (error) {
    if (error instanceof KeyEncryptionError) throw new CliError(error.message)
    throw error
  }
}

export function registerKeys(program: Command): void {
  const keys = group(program, 'keys', 'Manage the token signing keys')

  leaf(keys, 'list', 'List signing keys and their states (next, current, previous, retired)')
    .alias('ls')
    .action((opts: CommonOptions) =>
      run(opts, async (store) => {
        const statuses = await storedKeyStatuses(store, systemClock.now())
        const rows = statuses.map(presentKey)
        print(opts, rows, () =>
          rows.length === 0
            ? 'No keys yet (the server creates one on first start).'
            : table(
                ['KID', 'STATE', 'CREATED', 'ACTIVATES', 'UNPUBLISH AT', 'ENCRYPTED WITH'],
                rows.map((k) => [k.kid, k.state, k.created_at, k.activates_at, k.unpublish_at, k.encryption_key_id ?? 'nothing yet']),
              ),
        )
      }),
    )

  leaf(keys, 'rotate', 'Publish a new signing key that starts signing after --delay seconds (unless one already waits)', (cmd) =>
    cmd.option('--delay <seconds>', 'seconds before the new key signs; 0 switches at once (emergencies)', delaySeconds, DEFAULT_ROTATION_DELAY_SECONDS),
  )
    .action((opts: CommonOptions & { delay: number }) =>
      run(opts, async (store) => {
        const ring = new KeyRing(store, systemClock, await encryptionFor(store, opts))
        // A first key, so the rotation has one to hand over from (what the server does on start).
        await ring.ensureKey()
        const { key, created } = await ring.rotateKeys(opts.delay)
        if (created) await recordCliEvent(store, keyRotatedEvent(key, 'cli'))
        const status = (await ring.statuses()).find((s) => s.key.kid === key.kid)
        const shown = status ? presentKey(status) : presentKey({ key, state: 'next', unpublishAt: null })
        print(opts, { ...shown, created }, () =>
          !created
            ? `Signing key ${key.kid} from an earlier rotation is already published and starts signing at ${shown.activates_at}; no new key was made (--delay 0 replaces it and switches now).`
            : opts.delay === 0
              ? `New signing key ${key.kid} signs from now on; the previous key stays published until its tokens expire.`
              : `New signing key ${key.kid} is published now and starts signing at ${shown.activates_at} (in ${opts.delay} s).`,
        )
      }),
    )

  leaf(
    keys,
    'reencrypt',
    "Re-encrypt every signing private key, every connection's client secret and every action's secrets with the current key-encryption key (the first LATCHKEY_SECRET)",
  )
    .action((opts: CommonOptions) =>
      run(opts, async (store) => {
        const encryption = await encryptionFor(store, opts)
        let results: Reencrypted[]
        let secrets: ReencryptedConnection[]
        let actionSecrets: ReencryptedActionSecrets[]
        try {
          results = await reencryptStoredKeys(store, encryption)
          secrets = await reencryptConnectionSecrets(store, encryption)
          actionSecrets = await reencryptActionSecrets(store, encryption)
        } catch (error) {
          if (error instanceof KeyEncryptionError) throw new CliError(error.message)
          throw error
        }
        const moved = results.filter((r) => r.changed).length
        const movedSecrets = secrets.filter((r) => r.changed).length
        const movedActions = actionSecrets.filter((r) => r.changed).length
        print(
          opts,
          [
            ...results.map((r) => ({ kid: r.kid, previous_encryption_key_id: r.from, encryption_key_id: r.to, reencrypted: r.changed })),
            ...secrets.map((r) => ({
              connection: r.name,
              connection_id: r.id,
              previous_encryption_key_id: r.from,
              encryption_key_id: r.to,
              reencrypted: r.changed,
            })),
            ...actionSecrets.map((r) => ({
              action: r.name,
              action_id: r.id,
              version: r.which,
              previous_encryption_key_id: r.from,
              encryption_key_id: r.to,
              reencrypted: r.changed,
            })),
          ],
          () =>
            `${moved} signing key${moved === 1 ? '' : 's'} re-encrypted with key-encryption key ${encryption.current.id}` +
            (results.length > moved ? `; ${results.length - moved} already used it.` : '.') +
            (secrets.length === 0
              ? ''
              : ` ${movedSecrets} connection client secret${movedSecrets === 1 ? '' : 's'} re-encrypted` +
                (secrets.length > movedSecrets ? `; ${secrets.length - movedSecrets} already used it.` : '.')) +
            (actionSecrets.length === 0
              ? ''
              : ` ${movedActions} action secret set${movedActions === 1 ? '' : 's'} re-encrypted` +
                (actionSecrets.length > movedActions ? `; ${actionSecrets.length - movedActions} already used it.` : '.')),
        )
      }),
    )
}
