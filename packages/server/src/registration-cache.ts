/**
 * Applications and APIs as every request reads them (the client at /authorize and the token
 * endpoint, the API an audience names), kept for at most `REGISTRATION_CACHE_MS` and dropped at
 * once when they change: on any write through this store, and on the store's change notices (on
 * PostgreSQL, a write by any node or by the CLI; see docs/deploy.md). With SQLite, a change made by
 * the CLI in another process takes effect within the bound.
 *
 * Only `applications.get(clientId)` and `apis.findByIdentifier(identifier)` are cached; every other
 * read, and every read inside `transaction(fn)`, goes to the database. Unknown ids are not cached (a
 * flood of made-up client ids costs no memory), and at most `MAX_ENTRIES` records per repo are kept.
 */
import type { Clock } from '@latchkey/core'
import type { Store } from '@latchkey/storage'

export const REGISTRATION_CACHE_MS = 2_000
const MAX_ENTRIES = 1_000

type AnyFunction = (...args: unknown[]) => unknown

/** Methods that only read: calling them leaves the cache as it is. Any other method may write, and empties it. */
const READS: Readonly<Record<'applications' | 'apis', ReadonlySet<PropertyKey>>> = {
  applications: new Set(['get', 'list', 'count']),
  apis: new Set(['get', 'findByIdentifier', 'list', 'count', 'maxTokenLifetime', 'findSystem']),
}

class CachedReads<T> {
  readonly #entries = new Map<string, { readonly at: number; readonly value: Promise<T | null> }>()

  constructor(
    private readonly clock: Clock,
    private readonly load: (key: string) => Promise<T | null>,
  ) {}

  read(key: string): Promise<T | null> {
    const now = this.clock.now()
    const cached = this.#entries.get(key)
    if (cached && now - cached.at <= REGISTRATION_CACHE_MS && now >= cached.at) return cached.value
    const entry = { at: now, value: this.load(key) }
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string)
    this.#entries.set(key, entry)
    const forget = () => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key)
    }
    entry.value.then((value) => value === null && forget(), forget)
    return entry.value
  }

  clear(): void {
    this.#entries.clear()
  }
}

/** `repo` with `cachedMethod` answered from `cache`, and the cache emptied after any method that may write. */
function cachedRepo<T>(repo: object, reads: ReadonlySet<PropertyKey>, cachedMethod: string, cache: CachedReads<T>): object {
  const wrappers = new Map<PropertyKey, AnyFunction>()
  return new Proxy(repo, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      let wrapper = wrappers.get(prop)
      if (!wrapper) {
        const method = value as AnyFunction
        if (prop === cachedMethod) wrapper = (key: unknown) => (typeof key === 'string' ? cache.read(key) : method.call(target, key))
        else if (reads.has(prop)) wrapper = method.bind(target)
        else
          wrapper = (...args: unknown[]) => {
            const result = method.apply(target, args)
            // Emptied again when the write has finished: a read racing it may have cached the old record.
            cache.clear()
            return result instanceof Promise ? result.finally(() => cache.clear()) : result
          }
        wrappers.set(prop, wrapper)
      }
      return wrapper
    },
  })
}

/** The store, with application and API lookups cached as described above. */
export function withRegistrationCache(store: Store, clock: Clock): Store {
  const applications = new CachedReads(clock, (clientId) => store.applications.get(clientId))
  const apis = new CachedReads(clock, (identifier) => store.apis.findByIdentifier(identifier))
  store.changes.listen((topic) => {
    if (topic === 'applications' || topic === 'all') applications.clear()
    if (topic === 'apis' || topic === 'all') apis.clear()
  })
  const repos: Record<string, object> = {
    applications: cachedRepo(store.applications, READS.applications, 'get', applications),
    apis: cachedRepo(store.apis, READS.apis, 'findByIdentifier', apis),
  }
  return new Proxy(store, {
    get(target, prop) {
      if (typeof prop === 'string' && Object.hasOwn(repos, prop)) return repos[prop]
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as AnyFunction).bind(target) : value
    },
  })
}
