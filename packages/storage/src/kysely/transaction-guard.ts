/**
 * Fails fast when code inside `store.transaction(fn)` uses the outer store instead of `tx`. On
 * SQLite such a query would wait forever for the one connection the transaction holds; on
 * PostgreSQL it would silently run outside the transaction. Both are bugs, so both throw.
 *
 * The mark is an AsyncLocalStorage, which in Node 20 runs a hook on every promise of the process
 * while it is enabled. Transactions are rare (administration, invitations, key rotation), so the
 * storage is enabled only while one runs and disabled when the last one ends: the login and token
 * paths, which use no transaction, pay nothing for the guard.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'

export const OUTER_STORE_IN_TRANSACTION = 'the outer store was used inside transaction(fn): use the `tx` store fn receives'

export class TransactionGuard implements KyselyPlugin {
  readonly #inside = new AsyncLocalStorage<true>()
  /** Transactions of this store in progress. */
  #running = 0

  /** Runs fn marked as inside this store's transaction. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.#running++
    try {
      return await this.#inside.run(true, fn)
    } finally {
      // Nothing is inside any more: stop the promise hooks (run() enables them again).
      if (--this.#running === 0) this.#inside.disable()
    }
  }

  /** Throws when called from inside this store's transaction. */
  assertOutside(): void {
    if (this.#running > 0 && this.#inside.getStore()) throw new Error(OUTER_STORE_IN_TRANSACTION)
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.assertOutside()
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}
