/**
 * The server's view of the signing keys. Keys live in the store, so every node and the CLI share
 * them; their state follows from time (see @latchkey/core keys/keyset). The list is re-read every few
 * seconds, and imported private keys (decrypted with the key-encryption key) are cached by `kid`.
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
  type SigningKeyRecord,
} from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { importJWK, type CryptoKey, type JWK } from 'jose'
import type { KeyEncryption } from './key-encryption.js'

const REFRESH_MS = 5_000

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
  #keys: { at: number; records: SigningKeyRecord[]; maxLifetimeMs: number } | undefined
  readonly #imported = new Map<string, Promise<CryptoKey>>()

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Seals new private keys and opens stored ones (see key-encryption.ts). */
    readonly encryption: KeyEncryption,
  ) {}

  async #snapshot(): Promise<{ records: SigningKeyRecord[]; maxLifetimeMs: number }> {
    const now = this.clock.now()
    if (!this.#keys || now - this.#keys.at > REFRESH_MS || now < this.#keys.at) {
      this.#keys = { at: now, records: await this.store.signingKeys.list(), maxLifetimeMs: await this.maxTokenLifetimeMs() }
    }
    return this.#keys
  }

  /**
   * The automatic schedule: when the signing key is older than `everySeconds` and no rotation is
   * already waiting, rotate with the default delay. Returns the new key, or null when none was due.
   */
  async rotateIfDue(everySeconds: number): Promise<SigningKeyRecord | null> {
    const statuses = await this.statuses()
    if (statuses.some((s) => s.state === 'next')) return null
    const current = statuses.find((s) => s.state === 'current')
    if (current && this.clock.now() - current.key.activatesAt < everySeconds * 1000) return null
    return this.rotate(DEFAULT_ROTATION_DELAY_SECONDS)
  }

  /** Forget the cached list (after a rotation made by this process). */
  invalidate(): void {
    this.#keys = undefined
  }

  /** The longest lifetime of anything a key signed: how long a superseded key stays published. */
  async maxTokenLifetimeMs(): Promise<number> {
    return maxTokenLifetimeMs(this.store)
  }

  /** Creates the first key when there is none (first start). */
  async ensureKey(): Promise<void> {
    if ((await this.store.signingKeys.list()).length > 0) return
    await this.store.signingKeys.insert(await this.encryption.seal(await generateSigningKey(this.clock.now())))
    this.invalidate()
  }

  async signingKey(): Promise<SigningKey> {
    let record = currentKey((await this.#snapshot()).records, this.clock.now())
    if (!record) {
      this.invalidate()
      record = currentKey((await this.#snapshot()).records, this.clock.now())
    }
    if (!record) throw new Error('no signing key is active: run `latchkey keys rotate --delay 0`')
    let imported = this.#imported.get(record.kid)
    if (!imported) {
      imported = this.encryption.privateJwk(record).then((jwk) => importJWK(jwk, 'RS256') as Promise<CryptoKey>)
      this.#imported.set(record.kid, imported)
    }
    return { kid: record.kid, alg: 'RS256', key: await imported }
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const { records, maxLifetimeMs } = await this.#snapshot()
    return publicJwks(records, this.clock.now(), maxLifetimeMs)
  }

  async statuses(): Promise<KeyStatus[]> {
    return storedKeyStatuses(this.store, this.clock.now())
  }

  /**
   * Publishes a new key now and lets it sign after `delaySeconds` (verifiers refetch the JWKS within
   * their cache lifetime). `0` switches at once, for emergencies. A key still waiting from an earlier
   * rotation never signed anything and is replaced; retired keys are deleted.
   */
  async rotate(delaySeconds: number): Promise<SigningKeyRecord> {
    const now = this.clock.now()
    for (const status of await this.statuses()) {
      if (status.state === 'next' || status.state === 'retired') await this.store.signingKeys.delete(status.key.kid)
    }
    const record = await this.encryption.seal(await generateSigningKey(now, now + delaySeconds * 1000))
    await this.store.signingKeys.insert(record)
    this.invalidate()
    return record
  }
}
