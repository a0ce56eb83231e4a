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
   * already waiting, rotate with the default delay. Returns the new key, or null when none was due
   * or another node is checking right now: the check and the rotation hold the `key-rotation` lock
   * (`store.exclusive`), so two nodes never both find the key due and publish two keys.
   */
  async rotateIfDue(everySeconds: number): Promise<SigningKeyRecord | null> {
    const checked = await this.store.exclusive('key-rotation', async () => {
      const statuses = await this.statuses()
      if (statuses.some((s) => s.state === 'next')) return null
      const current = statuses.find((s) => s.state === 'current' && s.key.alg === 'RS256')
      if (current && this.clock.now() - current.key.activatesAt < everySeconds * 1000) return null
      return this.rotate(DEFAULT_ROTATION_DELAY_SECONDS)
    })
    return checked.ran ? checked.value : null
  }

  /** Forget the cached list (after a rotation made by this process, or a change notice). */
  invalidate(): void {
    this.#keys = undefined
  }

  /** The longest lifetime of anything a key signed: how long a superseded key stays published. */
  async maxTokenLifetimeMs(): Promise<number> {
    return maxTokenLifetimeMs(this.store)
  }

  /** Creates the first key when there is none (first start). */
  async ensureKey(): Promise<void> {
    if ((await this.store.signingKeys.list()).some((k) => k.alg === 'RS256')) return
    await this.store.signingKeys.insert(await this.encryption.seal(await generateSigningKey(this.clock.now())))
    this.invalidate()
  }

  /**
   * Makes sure `alg` has a key, publishing one that signs at once when it has none (no token was
   * ever signed with it, so no verifier can be holding an older JWKS it would need). Held under the
   * `key-rotation` lock, so two nodes never both add one; one process asks once at a time.
   */
  ensureAlgorithm(alg: SigningKeyAlg): Promise<void> {
    let pending = this.#adding.get(alg)
    if (!pending) {
      pending = this.#addAlgorithm(alg).finally(() => this.#adding.delete(alg))
      this.#adding.set(alg, pending)
    }
    return pending
  }

  async #addAlgorithm(alg: SigningKeyAlg): Promise<void> {
    const add = async () => {
      if ((await this.store.signingKeys.list()).some((k) => k.alg === alg)) return
      await this.store.signingKeys.insert(await this.encryption.seal(await generateSigningKey(this.clock.now(), this.clock.now(), alg)))
    }
    const locked = await this.store.exclusive('key-rotation', add)
    // Another node holds the lock (rotating, or adding this very key): give it a moment, then add it
    // unless it did. Two keys of one algorithm at worst: the newer signs, the other stays published.
    if (!locked.ran) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      await add()
    }
    this.invalidate()
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

  /**
   * Publishes a new key now and lets it sign after `delaySeconds` (verifiers refetch the JWKS within
   * their cache lifetime). `0` switches at once, for emergencies. A key still waiting from an earlier
   * rotation never signed anything and is replaced; retired keys are deleted. Every algorithm in use
   * rotates together; the new RS256 key is returned.
   */
  async rotate(delaySeconds: number): Promise<SigningKeyRecord> {
    const now = this.clock.now()
    const statuses = await this.statuses()
    for (const status of statuses) {
      if (status.state === 'next' || status.state === 'retired') await this.store.signingKeys.delete(status.key.kid)
    }
    const algs = new Set<SigningKeyAlg>(['RS256', ...statuses.map((s) => s.key.alg)])
    const records: SigningKeyRecord[] = []
    for (const alg of algs) {
      const record = await this.encryption.seal(await generateSigningKey(now, now + delaySeconds * 1000, alg))
      await this.store.signingKeys.insert(record)
      records.push(record)
    }
    this.invalidate()
    return records[0] as SigningKeyRecord
  }
}
