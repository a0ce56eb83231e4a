/**
 * Just enough of IndexedDB for the DPoP key store, in memory: `open` with an upgrade, one object
 * store, readwrite transactions that run one at a time (as IndexedDB runs overlapping readwrite
 * transactions on one store) and commit once no request is pending, and `get`/`put`/`delete`
 * requests that answer asynchronously.
 */
import type { IdbFactoryLike } from '../../src/dpop.js'

type Handler = (() => void) | null

class FakeRequest<T> {
  result: T | undefined
  error: unknown = null
  onsuccess: Handler = null
  onerror: Handler = null
  onupgradeneeded: Handler = null
}

export function fakeIndexedDb(): IdbFactoryLike {
  const stores = new Map<string, Map<string, unknown>>()
  let queue: Promise<void> = Promise.resolve()

  const db = {
    objectStoreNames: { contains: (name: string) => stores.has(name) },
    createObjectStore(name: string) {
      stores.set(name, new Map())
    },
    close() {},
    transaction(name: string) {
      const data = stores.get(name) as Map<string, unknown>
      let pending = 0
      let release: () => void = () => {}
      const turn = queue
      queue = new Promise<void>((resolve) => {
        release = resolve
      })
      const tx = {
        error: null,
        oncomplete: null as Handler,
        onerror: null as Handler,
        onabort: null as Handler,
        objectStore: () => ({
          get: (key: string) => run(() => data.get(key)),
          put: (value: unknown, key: string) => run(() => void data.set(key, value)),
          delete: (key: string) => run(() => void data.delete(key)),
        }),
      }
      const settle = () =>
        setTimeout(() => {
          if (pending > 0) return
          tx.oncomplete?.()
          release()
        }, 0)
      function run<T>(operation: () => T): FakeRequest<T> {
        const request = new FakeRequest<T>()
        pending += 1
        void turn.then(() =>
          setTimeout(() => {
            request.result = operation()
            request.onsuccess?.()
            pending -= 1
            settle()
          }, 0),
        )
        return request
      }
      return tx
    },
  }

  return {
    open() {
      const request = new FakeRequest<typeof db>()
      setTimeout(() => {
        request.result = db
        request.onupgradeneeded?.()
        request.onsuccess?.()
      }, 0)
      return request as unknown as IDBOpenDBRequest
    },
  }
}
