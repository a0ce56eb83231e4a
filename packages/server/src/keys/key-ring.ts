/**
 * The server's view of the signing keys. Keys live in the store, so every node and the CLI share
 * them; their state follows from time (see @latchkey/core keys/keyset). The list (with the APIs'
 * longest token lifetime) is cached for at most `KEY_LIST_REFRESH_MS`, and dropped at once when the
 * store says the keys or the APIs changed (`followChanges`: on PostgreSQL, a rotation by any node or
 * the CLI). Imported private keys (decrypted with the key-encryption key) are cached by `kid`.
 *
 * One key signs per algorithm: RS256 always (made at first start), ES256 and EdDSA from the first
 * time an API or app asks for them (`ensureAlgorithm`, or on demand when signing). A rotation
 * rotates every algorithm together, and the JWKS publishes them all.
 *
 * Every change to the set of keys (a rotation from the CLI, the Management API or the schedule, a
 * first key, a new algorithm) decides and writes inside one transaction that holds the signing
 * keys' lock (`signingKeys.listForUpdate`: SQLite's write lock, shared with the CLI's process; a
 * table lock on PostgreSQL, shared by every node). So concurrent rotations run one after another,
 * and each sees what the one before it did: they never leave more than one waiting key.
 */
import {
  currentKey,
  generateSigningKey,
  ID_TOKEN_LIFETIME_SECONDS,
  keyStatuses,
  publicJwks,
  USERINFO_ONLY_LIFETIME_SECONDS,
  type Clock,
  type KeyStatus,
  type SigningKey,
  type SigningKeyAlg,
  type SigningKeyRecord,
} from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { createLocalJWKSet, importJWK, type CryptoKey, type JWK } from 'jose'
import type { KeyEncryption } from './key-encryption.js'

/** The longest a node serves a key list it read: the bound when no change notice arrives. */
export const KEY_LIST_REFRESH_MS = 5_000

interface KeyList {
  readonly records: SigningKeyRecord[]
  readonly maxLifetimeMs: number
}

/** Seconds verifiers and caches may keep the JWKS (`Cache-Control` on /.well-known/jwks.json). */
export const JWKS_MAX_AGE_SECONDS = 300
export const JWKS_STALE_SECONDS = 60
/** Default delay between publishing a key and signing with it: longer than any allowed JWKS cache. */
export const DEFAULT_ROTATION_DELAY_SECONDS = 600

/**
 * What a rotation did. `created` is false when it found a rotation already under way (a key
 * published and waiting to sign): it then changed nothing and `key` is that waiting key.
 */
export interface Rotation {
  /** The new RS256 key, or the RS256 key already waiting. */
  readonly key: SigningKeyRecord
  readonly created: boolean
}

/** The longest lifetime of anything a key signed: how long a superseded key stays published. */
export async function maxTokenLifetimeMs(store: Store): Promise<number> {
  const apis = await store.apis.maxTokenLifetime()
  return Math.max(apis, USERINFO_ONLY_LIFETIME_SECONDS, ID_TOKEN_LIFETIME_SECONDS) * 1000
}

/** Every stored key's state at `now`: public information, so no key-encryption key is needed. */
export async function storedKeyStatuses(store: Store, now: number): Promise<KeyStatus[]> {
  return keyStatuses(await store.signingKeys.list(), now, await maxTokenLifetimeMs(store))
}

export class KeyRing {
  /** One read shared by every caller until it is `KEY_LIST_REFRESH_MS` old or invalidated. */
  #keys: { readonly at: number; readonly list: Promise<KeyList> } | undefined
  readonly #imported = new Map<string, Promise<CryptoKey>>()
  readonly #adding = new Map<SigningKeyAlg, Promise<void>>()
  #verifier: { readonly list: KeyList; readonly published: string; readonly keys: ReturnType<typeof createLocalJWKSet> } | undefined

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Seals new private keys and opens stored ones (see key-encryption.ts). */
    readonly encryption: KeyEncryption,
  ) {}

  async #snapshot(): Promise<KeyList> {
    const now = this.clock.now()
    const cached = this.#keys
    if (cached && now - cached.at <= KEY_LIST_REFRESH_MS && now >= cached.at) return cached.list
    const entry = { at: now, list: this.#read() }
    this.#keys = entry
    try {
      return await entry.list
    } catch (error) {
      if (this.#keys === entry) this.#keys = undefined
      throw error
    }
  }

  async #read(): Promise<KeyList> {
    const records = await this.store.signingKeys.list()
    const maxLifetimeMs = await this.maxTokenLifetimeMs()
    // Keys deleted since (retired by a rotation anywhere) leave the import cache too.
    for (const kid of this.#imported.keys()) if (!records.some((r) => r.kid === kid)) this.#imported.delete(kid)
    return { records, maxLifetimeMs }
  }

  /**
   * Drops the cached list whenever the store reports a change to the signing keys or the APIs (whose
   * token lifetimes decide how long old keys stay published), or that notices may have been missed.
   * Returns a function that stops following.
   */
  followChanges(): () => void {
    return this.store.changes.listen((topic) => {
      if (topic === 'signing-keys' || topic === 'apis' || topic === 'all') this.invalidate()
    })
  }

  /**
   * The automatic schedule: when the signing key is older than `everySeconds` and no rotation is
   * already waiting, rotate with the default delay. Returns the new key, or null when none was due.
   * The check is made again under the lock that every rotation takes, so when several nodes find
   * the key due at once, one rotates and the others find its key waiting and do nothing.
   */
  async rotateIfDue(everySeconds: number): Promise<SigningKeyRecord | null> {
    const rotation = await this.#rotate(DEFAULT_ROTATION_DELAY_SECONDS, everySeconds)
    return rotation?.created ? rotation.key : null
  }

  /** Forget the cached list (after a rotation made by this process, or a change notice). */
  invalidate(): void {
    this.#keys = undefined
  }

  /** The longest lifetime of anything a key signed: how long a superseded key stays published. */
  async maxTokenLifetimeMs(): Promise<number> {
    return maxTokenLifetimeMs(this.store)
  }

  /** Creates the first key when there is none (first start; several nodes starting at once make one). */
  async ensureKey(): Promise<void> {
    if ((await this.store.signingKeys.list()).some((k) => k.alg === 'RS256')) return
    await this.#addFirstKey('RS256')
  }

  /**
   * Makes sure `alg` has a key, publishing one that signs at once when it has none (no token was
   * ever signed with it, so no verifier can be holding an older JWKS it would need). Under the
   * signing keys' lock, so two nodes never both add one; one process asks once at a time.
   */
  ensureAlgorithm(alg: SigningKeyAlg): Promise<void> {
    let pending = this.#adding.get(alg)
    if (!pending) {
      pending = this.#addFirstKey(alg).finally(() => this.#adding.delete(alg))
      this.#adding.set(alg, pending)
    }
    return pending
  }

  async #addFirstKey(alg: SigningKeyAlg): Promise<void> {
    const made = await this.#newKey(alg)
    await this.store.transaction(async (tx) => {
      if ((await tx.signingKeys.listForUpdate()).some((k) => k.alg === alg)) return
      const now = this.clock.now()
      await tx.signingKeys.insert({ ...made, createdAt: now, activatesAt: now })
    })
    this.invalidate()
  }

  /** A new sealed key of `alg` (its times are set when it is stored). */
  async #newKey(alg: SigningKeyAlg): Promise<SigningKeyRecord> {
    const now = this.clock.now()
    return this.encryption.seal(await generateSigningKey(now, now, alg))
  }

  /** The key that signs now with `alg`, RS256 by default; ES256 and EdDSA keys are made on first use. */
  async signingKey(alg: SigningKeyAlg = 'RS256'): Promise<SigningKey> {
    let record = await this.#current(alg)
    if (!record && alg !== 'RS256') {
      await this.ensureAlgorithm(alg)
      record = await this.#current(alg)
    }
    if (!record) throw new Error(`no ${alg} signing key is active: run \`latchkey keys rotate --delay 0\``)
    let imported = this.#imported.get(record.kid)
    if (!imported) {
      const keyAlg = record.alg
      imported = this.encryption.privateJwk(record).then((jwk) => importJWK(jwk, keyAlg) as Promise<CryptoKey>)
      this.#imported.set(record.kid, imported)
    }
    return { kid: record.kid, alg: record.alg, key: await imported }
  }

  async #current(alg: SigningKeyAlg): Promise<SigningKeyRecord | undefined> {
    const record = currentKey((await this.#snapshot()).records, this.clock.now(), alg)
    if (record) return record
    this.invalidate()
    return currentKey((await this.#snapshot()).records, this.clock.now(), alg)
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const { records, maxLifetimeMs } = await this.#snapshot()
    return publicJwks(records, this.clock.now(), maxLifetimeMs)
  }

  /**
   * The published keys as a jose key set, for verifying this server's own tokens (/userinfo). Built
   * again only when the published keys change, so each key is imported once, not once per request.
   */
  async verificationKeys(): Promise<ReturnType<typeof createLocalJWKSet>> {
    const list = await this.#snapshot()
    const now = this.clock.now()
    const published = keyStatuses(list.records, now, list.maxLifetimeMs)
      .filter((s) => s.state !== 'retired')
      .map((s) => s.key.kid)
      .join(' ')
    const cached = this.#verifier
    if (cached?.list === list && cached.published === published) return cached.keys
    const keys = createLocalJWKSet(publicJwks(list.records, now, list.maxLifetimeMs))
    this.#verifier = { list, published, keys }
    return keys
  }

  async statuses(): Promise<KeyStatus[]> {
    return storedKeyStatuses(this.store, this.clock.now())
  }

  /** `rotateKeys`, for callers that only want the key: the new one, or the one already waiting. */
  async rotate(delaySeconds: number): Promise<SigningKeyRecord> {
    return (await this.rotateKeys(delaySeconds)).key
  }

  /**
   * The one rotation, whoever asks (`latchkey keys rotate`, `POST /api/v2/keys/signing/rotate`, the
   * schedule). Publishes a new key now that signs after `delaySeconds` (verifiers refetch the JWKS
   * within their cache lifetime); every algorithm in use rotates together, and retired keys are
   * deleted. A rotation that finds a key already waiting (an earlier or concurrent rotation) returns
   * that key and changes nothing, so rotations never pile up waiting keys in the JWKS. `0` switches
   * at once, for emergencies: it replaces any waiting key, which has never signed anything.
   */
  async rotateKeys(delaySeconds: number): Promise<Rotation> {
    return (await this.#rotate(delaySeconds)) as Rotation
  }

  /** With `dueAfterSeconds`: only when the current RS256 key is that old and nothing waits (else null). */
  async #rotate(delaySeconds: number, dueAfterSeconds?: number): Promise<Rotation | null> {
    // New keys are made before taking the lock (an RSA key takes tens of milliseconds, and on SQLite
    // the lock holds every write of the server), unless this rotation is going to find one waiting.
    const seen = await this.statuses()
    if (dueAfterSeconds !== undefined && !isDue(seen, this.clock.now(), dueAfterSeconds)) return null
    const made = new Map<SigningKeyAlg, SigningKeyRecord>()
    if (delaySeconds === 0 || !seen.some((s) => s.state === 'next')) {
      for (const alg of algorithmsOf(seen)) made.set(alg, await this.#newKey(alg))
    }
    const rotation = await this.store.transaction(async (tx): Promise<Rotation | null> => {
      const records = await tx.signingKeys.listForUpdate()
      const now = this.clock.now()
      const statuses = keyStatuses(records, now, await maxTokenLifetimeMs(tx))
      if (dueAfterSeconds !== undefined && !isDue(statuses, now, dueAfterSeconds)) return null
      const waiting = statuses.filter((s) => s.state === 'next')
      if (delaySeconds > 0 && waiting.length > 0) {
        return { key: (waiting.find((s) => s.key.alg === 'RS256') ?? (waiting[0] as KeyStatus)).key, created: false }
      }
      for (const status of statuses) {
        if (status.state === 'next' || status.state === 'retired') await tx.signingKeys.delete(status.key.kid)
      }
      const created: SigningKeyRecord[] = []
      for (const alg of algorithmsOf(statuses)) {
        // An algorithm that appeared meanwhile gets its key here, under the lock (ES256 and EdDSA are quick).
        const key = made.get(alg) ?? (await this.#newKey(alg))
        const record = { ...key, createdAt: now, activatesAt: now + delaySeconds * 1000 }
        await tx.signingKeys.insert(record)
        created.push(record)
      }
      return { key: created[0] as SigningKeyRecord, created: true }
    })
    this.invalidate()
    return rotation
  }
}

/** RS256, then every other algorithm that has a key: what a rotation renews. */
function algorithmsOf(statuses: readonly KeyStatus[]): SigningKeyAlg[] {
  return [...new Set<SigningKeyAlg>(['RS256', ...statuses.map((s) => s.key.alg)])]
}

/** The schedule's test: nothing waits, and the RS256 key signing now is at least `everySeconds` old. */
function isDue(statuses: readonly KeyStatus[], now: number, everySeconds: number): boolean {
  if (statuses.some((s) => s.state === 'next')) return false
  const current = statuses.find((s) => s.state === 'current' && s.key.alg === 'RS256')
  return !current || now - current.key.activatesAt >= everySeconds * 1000
}
