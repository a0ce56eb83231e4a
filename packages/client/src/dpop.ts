/**
 * DPoP (RFC 9449) for the SDK: one ES256 key pair per app, non-extractable (no script can read the
 * private key), used through oauth4webapi's `DPoP` handle, which signs the proofs and keeps the
 * server's nonces. The pair lives in a `DpopKeyStore`: IndexedDB where there is one (a browser: it
 * survives the redirect to the login page and reloads, and is shared by the app's tabs), otherwise
 * memory shared by the clients of one storage (Node, workers). Tokens issued with a proof are bound
 * to the key, so losing it means logging in again.
 */
import * as oauth from 'oauth4webapi'

/** Where the key pair is kept. Structured-clonable stores (IndexedDB) keep it non-extractable. */
export interface DpopKeyStore {
  /** The stored pair, or `candidate` stored (atomically, if the store is shared) when there is none. */
  getOrSet(candidate: CryptoKeyPair): Promise<CryptoKeyPair>
  /** Forgets the pair (logout): the next login makes a new one. */
  remove(): Promise<void>
}

const memoryPairs = new Map<string, CryptoKeyPair>()

/** A store in this runtime's memory, by name. */
export function memoryKeyStore(name: string, pairs: Map<string, CryptoKeyPair> = memoryPairs): DpopKeyStore {
  return {
    async getOrSet(candidate) {
      const existing = pairs.get(name)
      if (existing) return existing
      pairs.set(name, candidate)
      return candidate
    },
    async remove() {
      pairs.delete(name)
    },
  }
}

/** The parts of the IndexedDB API the key store uses. */
export interface IdbFactoryLike {
  open(name: string, version?: number): IDBOpenDBRequest
}

const DB_NAME = 'latchkey'
const STORE = 'dpop-keys'

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

function openDb(factory: IdbFactoryLike): Promise<IDBDatabase> {
  const req = factory.open(DB_NAME, 1)
  req.onupgradeneeded = () => {
    if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE)
  }
  return request(req)
}

/**
 * A store in IndexedDB (database `latchkey`, object store `dpop-keys`, key `name`). The read and the
 * write of `getOrSet` share one readwrite transaction, so two tabs creating a pair at once end up
 * with the same one.
 */
export function indexedDbKeyStore(name: string, factory: IdbFactoryLike): DpopKeyStore {
  const withStore = async <T>(run: (store: IDBObjectStore) => Promise<T>): Promise<T> => {
    const db = await openDb(factory)
    try {
      const tx = db.transaction(STORE, 'readwrite')
      const done = new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve()
        tx.onerror = () => reject(tx.error)
        tx.onabort = () => reject(tx.error)
      })
      const result = await run(tx.objectStore(STORE))
      await done
      return result
    } finally {
      db.close()
    }
  }
  return {
    getOrSet: (candidate) =>
      withStore(async (store) => {
        const existing = (await request(store.get(name))) as CryptoKeyPair | undefined
        if (existing?.privateKey && existing.publicKey) return existing
        await request(store.put(candidate, name))
        return candidate
      }),
    remove: () => withStore(async (store) => void (await request(store.delete(name)))),
  }
}

/** IndexedDB when the runtime has it, otherwise memory. */
export function defaultKeyStore(name: string): DpopKeyStore {
  const factory = (globalThis as { indexedDB?: IdbFactoryLike }).indexedDB
  return factory && typeof factory.open === 'function' ? indexedDbKeyStore(name, factory) : memoryKeyStore(name)
}

/** The app's DPoP handle, made once from the stored (or a new) key pair. */
export class DpopKeys {
  #handle: Promise<oauth.DPoPHandle> | undefined

  constructor(
    private readonly store: DpopKeyStore,
    /** Seconds to add to the local clock in proofs (`iat`), as the client's `clockSkew`. */
    private readonly clockSkew: () => number,
  ) {}

  handle(): Promise<oauth.DPoPHandle> {
    if (!this.#handle) {
      const skew = this.clockSkew
      const client = {
        get [oauth.clockSkew]() {
          return skew()
        },
      }
      this.#handle = oauth
        .generateKeyPair('ES256', { extractable: false })
        .then((candidate) => this.store.getOrSet(candidate))
        .then((pair) => oauth.DPoP(client, pair))
      this.#handle.catch(() => {
        this.#handle = undefined
      })
    }
    return this.#handle
  }

  /** Drops the key pair (logout). */
  async forget(): Promise<void> {
    this.#handle = undefined
    await this.store.remove()
  }
}

/** Runs a request once more when the server asks for a (new) DPoP nonce (RFC 9449 §8, §9). */
export async function withNonceRetry<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt()
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err
    return attempt()
  }
}

/**
 * The `DPoP` option of an oauth4webapi request when DPoP is on: always at the token endpoint, and at
 * a resource only for a token the server bound (`tokenType` DPoP); Bearer tokens stay Bearer.
 */
export async function dpopOption(keys: DpopKeys | undefined, tokenType?: string): Promise<{ DPoP?: oauth.DPoPHandle }> {
  if (!keys || (tokenType !== undefined && tokenType.toLowerCase() !== 'dpop')) return {}
  return { DPoP: await keys.handle() }
}
