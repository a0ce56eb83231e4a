/**
 * The store, timed: a thin Proxy that records every repo verb (`refreshTokens.rotate`,
 * `users.findByEmail`, …) and every transaction in the store-latency histogram, with outcome `ok`
 * or `error`. Repos added to the contract later are timed without a change here; the store that
 * `transaction(fn)` hands to fn is timed the same way. Names come from the code, never from input.
 */
import type { Store } from '@latchkey/storage'
import type { Metrics } from './metrics.js'

type AnyFunction = (...args: unknown[]) => unknown

/** Not timed: start-up and shutdown, not traffic. */
// exclusive(fn) holds a lock for a whole sweep: timing it would read as one very slow store call.
const UNTIMED = new Set<PropertyKey>(['migrate', 'close', 'exclusive'])

/**
 * Runs `run` and records its time; a promise is timed until it settles. A verb that answers at once
 * (not a promise) keeps its answer as it is, so nothing about the store's contract changes.
 */
function timed<T>(metrics: Metrics, operation: string, run: () => T): T {
  const started = performance.now()
  const observe = (outcome: 'ok' | 'error') => metrics.storeDuration.observe({ operation, outcome }, (performance.now() - started) / 1000)
  let result: T
  try {
    result = run()
  } catch (error) {
    observe('error')
    throw error
  }
  if (result instanceof Promise) {
    result.then(
      () => observe('ok'),
      () => observe('error'),
    )
  } else {
    observe('ok')
  }
  return result
}

/** A repo whose methods are timed as `<repo>.<verb>`; wrappers are made once per verb. */
function timedRepo(repo: object, repoName: string, metrics: Metrics): object {
  const wrappers = new Map<PropertyKey, AnyFunction>()
  return new Proxy(repo, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target)
      if (typeof value !== 'function' || typeof prop !== 'string') return value
      let wrapper = wrappers.get(prop)
      if (!wrapper) {
        const operation = `${repoName}.${prop}`
        const method = value as AnyFunction
        wrapper = (...args: unknown[]) => timed(metrics, operation, () => method.apply(target, args))
        wrappers.set(prop, wrapper)
      }
      return wrapper
    },
  })
}

export function instrumentStore(store: Store, metrics: Metrics): Store {
  const repos = new Map<PropertyKey, object>()
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target)
      if (prop === 'transaction') {
        return <T>(fn: (tx: Store) => Promise<T>) => timed(metrics, 'transaction', () => target.transaction((tx) => fn(instrumentStore(tx, metrics))))
      }
      if (typeof value === 'function') {
        if (UNTIMED.has(prop) || typeof prop !== 'string') return (value as AnyFunction).bind(target)
        return (...args: unknown[]) => timed(metrics, prop, () => (value as AnyFunction).apply(target, args))
      }
      if (value === null || typeof value !== 'object' || typeof prop !== 'string') return value
      let repo = repos.get(prop)
      if (!repo) {
        repo = timedRepo(value, prop, metrics)
        repos.set(prop, repo)
      }
      return repo
    },
  })
}
