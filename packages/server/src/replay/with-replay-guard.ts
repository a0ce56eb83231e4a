/** The store with another replay guard in place of its own (the Redis one; see redis-replay-guard.ts). */
import type { Store } from '@latchkey/storage'

type AnyFunction = (...args: unknown[]) => unknown

export function withReplayGuard(store: Store, replayGuard: Store['replayGuard']): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'replayGuard') return replayGuard
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as AnyFunction).bind(target) : value
    },
  })
}
