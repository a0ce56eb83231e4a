/**
 * Fails fast when code inside `store.transaction(fn)` uses the outer store instead of `tx`. On
 * SQLite such a query would wait forever for the one connection the transaction holds; on
 * PostgreSQL it would silently run outside the transaction. Both are bugs, so both throw.
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

  /** Runs fn marked as inside this store's transaction. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.#inside.run(true, fn)
  }

  /** Throws when called from inside this store's transaction. */
  assertOutside(): void {
    if (this.#inside.getStore()) throw new Error(OUTER_STORE_IN_TRANSACTION)
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.assertOutside()
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}
