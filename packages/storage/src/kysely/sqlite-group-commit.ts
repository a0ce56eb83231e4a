/**
 * Group commit on the one SQLite connection of a process. A write outside a transaction used to be
 * a transaction of its own: a lock, its B-tree pages appended to the WAL, a commit. That costs 50–100
 * µs of CPU and a write(2) on the event loop per statement, as much as the rest of the request. Here
 * every write that arrives while no explicit transaction runs joins the current batch: the first
 * opens it (`BEGIN IMMEDIATE`), the statements run at once, in order, and the batch commits at the
 * end of this turn of the event loop (`setImmediate`), so the writes of all requests in flight share
 * one commit and the pages they share are written once.
 *
 * What callers see does not change:
 * - a statement's promise settles only after its batch committed (or failed): nothing is answered
 *   from a write that a crash could still lose; reads made while a batch is open wait for it too;
 * - each statement is still atomic and sees every statement before it; `UPDATE … RETURNING` still
 *   has one winner (statements run one at a time on the one connection);
 * - a statement that fails (a unique constraint, say) fails alone: SQLite undoes that statement and
 *   the batch goes on. If SQLite abandons the whole transaction (disk full, I/O error), or the
 *   commit fails, every statement of the batch fails with that error;
 * - an explicit transaction (`store.transaction`) first commits the open batch, then holds the
 *   connection: statements from outside it wait until it ends, as with Kysely's own SQLite driver.
 * Other processes on the file (the CLI) wait for the batch's lock through the busy timeout as they
 * waited for single statements; a batch holds it for one turn of the event loop.
 */
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDatabase,
  SelectQueryNode,
} from 'kysely'

interface Waiter {
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/** Statements that only read: they join a batch only when one is open. */
const READ_ONLY = /^\s*(select|pragma|explain)\b/i

export class GroupCommitSqliteDriver implements Driver {
  /** The connection of the explicit transaction in progress, if any. */
  #owner: GroupCommitConnection | null = null
  #ownerDone: Promise<void> | null = null
  #endOwner: () => void = () => {}
  #batch: Waiter[] | null = null
  /** Handles not in use. Kysely remembers every connection it was given, so handles are reused. */
  readonly #idle: GroupCommitConnection[] = []

  constructor(
    private readonly db: SqliteDatabase,
    /** better-sqlite3's `inTransaction`: false once SQLite has rolled a transaction back itself. */
    private readonly inTransaction: () => boolean,
    /** Awaited before the connection closes. */
    private readonly beforeClose: () => Promise<void> = () => Promise.resolve(),
  ) {}

  async init(): Promise<void> {}

  /** A handle per caller (no mutex): the driver tells the transaction's own statements from others'. */
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#idle.pop() ?? new GroupCommitConnection(this)
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.#idle.push(connection as GroupCommitConnection)
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // Checked and taken with no await in between, so two callers never both take it.
    while (this.#owner !== null) await this.#ownerDone
    this.#commitBatch()
    this.#owner = connection as GroupCommitConnection
    this.#ownerDone = new Promise((resolve) => {
      this.#endOwner = resolve
    })
    try {
      this.#run(CompiledQuery.raw('begin immediate'))
    } catch (error) {
      this.#release()
      throw error
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#owner !== connection) throw new Error('commit outside the transaction this connection began')
    // On failure the transaction stays open: Kysely rolls it back next, which releases it.
    this.#run(CompiledQuery.raw('commit'))
    this.#release()
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // A transaction that never began (BEGIN failed) has nothing to undo; a batch is not this caller's.
    if (this.#owner !== connection) return
    try {
      if (this.inTransaction()) this.#run(CompiledQuery.raw('rollback'))
    } finally {
      this.#release()
    }
  }

  async destroy(): Promise<void> {
    this.#commitBatch()
    await this.beforeClose()
    this.db.close()
  }

  async execute<R>(connection: GroupCommitConnection, query: CompiledQuery): Promise<QueryResult<R>> {
    // Statements from outside the explicit transaction wait for it to end (and for any that follows).
    while (this.#owner !== null && this.#owner !== connection) await this.#ownerDone
    if (this.#owner === connection) return this.#run(query)
    const write = !READ_ONLY.test(query.sql)
    if (this.#batch === null && !write) return this.#run(query)
    if (this.#batch === null) {
      this.#run(CompiledQuery.raw('begin immediate'))
      this.#batch = []
      setImmediate(() => this.#commitBatch())
    }
    const batch = this.#batch
    let result: QueryResult<R>
    try {
      result = this.#run(query)
    } catch (error) {
      // SQLite undid this statement only, unless it abandoned the whole transaction.
      if (!this.inTransaction()) this.#failBatch(error)
      throw error
    }
    return new Promise((resolve, reject) => {
      batch.push({ resolve: () => resolve(result), reject })
    })
  }

  stream<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('SQLite streams only select queries')
    const rows = this.db.prepare(query.sql).iterate(query.parameters) as IterableIterator<R>
    return (async function* () {
      for (const row of rows) yield { rows: [row] }
    })()
  }

  #release(): void {
    this.#owner = null
    this.#ownerDone = null
    this.#endOwner()
  }

  #commitBatch(): void {
    const batch = this.#batch
    if (batch === null) return
    this.#batch = null
    try {
      if (!this.inTransaction()) throw new Error('the batch transaction was rolled back by SQLite')
      this.#run(CompiledQuery.raw('commit'))
    } catch (error) {
      if (this.inTransaction()) this.#rollbackQuietly()
      for (const waiter of batch) waiter.reject(error)
      return
    }
    for (const waiter of batch) waiter.resolve()
  }

  #failBatch(error: unknown): void {
    const batch = this.#batch ?? []
    this.#batch = null
    if (this.inTransaction()) this.#rollbackQuietly()
    for (const waiter of batch) waiter.reject(error)
  }

  #rollbackQuietly(): void {
    try {
      this.#run(CompiledQuery.raw('rollback'))
    } catch {
      // Nothing more to undo.
    }
  }

  #run<R>(query: CompiledQuery): QueryResult<R> {
    const statement = this.db.prepare(query.sql)
    if (statement.reader) return { rows: statement.all(query.parameters) as R[] }
    const { changes, lastInsertRowid } = statement.run(query.parameters)
    return {
      numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
      insertId: lastInsertRowid !== undefined && lastInsertRowid !== null ? BigInt(lastInsertRowid) : undefined,
      rows: [],
    }
  }
}

class GroupCommitConnection implements DatabaseConnection {
  constructor(private readonly driver: GroupCommitSqliteDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute(this, query)
  }

  streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    return this.driver.stream(query)
  }
}
