/**
 * Hot statements compiled once. Kysely builds an immutable tree for every query and compiles it to
 * SQL on every call: some 20–40 µs of JavaScript and garbage per statement, as much as SQLite takes
 * to run it. The verbs on the path of every flow and refresh (a session, a user, a code, a refresh
 * token, an audit event) run the same few shapes all day, so each is built once per SQL dialect with
 * markers in place of its arguments; later calls reuse the SQL text and put the arguments where the
 * markers were. The result is the same query Kysely would have compiled: same SQL, same parameters.
 *
 * Only shapes that never depend on the values fit (no `is null` chosen by a value, no lists whose
 * length varies); every other query is written with Kysely as usual. Plugins still see each
 * execution: `transformQuery` runs on the stored tree before each use (the transaction guard's
 * check), `transformResult` on each result.
 */
import {
  type Compilable,
  type CompiledQuery,
  createQueryId,
  type Kysely,
  type QueryResult,
  type RootOperationNode,
} from 'kysely'
import type { Database } from './schema.js'

/** Stands for the argument at `index` while the query is compiled. */
class Marker {
  constructor(readonly index: number) {}
}

interface Compiled {
  readonly sql: string
  readonly query: RootOperationNode
  /** For each parameter: the argument's index, or a constant of the query itself. */
  readonly slots: readonly (number | { readonly constant: unknown })[]
}

/** A query of fixed shape taking `Args`: `build` is called once per dialect, with markers as arguments. */
export class QueryTemplate<Args extends readonly unknown[], Row> {
  readonly #compiled = new Map<unknown, Compiled>()

  constructor(private readonly build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>) {}

  async execute(db: Kysely<Database>, ...args: Args): Promise<QueryResult<Row>> {
    return db.executeQuery(this.compiled(db, ...args))
  }

  /** The query `execute` sends: the SQL compiled once, these arguments as its parameters. */
  compiled(db: Kysely<Database>, ...args: Args): CompiledQuery<Row> {
    const executor = db.getExecutor()
    // The SQL text depends only on the dialect's compiler (PostgreSQL's schema is the search_path).
    const dialect = executor.adapter.constructor
    let compiled = this.#compiled.get(dialect)
    if (!compiled) {
      compiled = compile(db, this.build, args.length)
      this.#compiled.set(dialect, compiled)
    }
    const queryId = createQueryId()
    const query = executor.transformQuery(compiled.query, queryId)
    const parameters = compiled.slots.map((slot) => (typeof slot === 'number' ? args[slot] : slot.constant))
    return { sql: compiled.sql, query, queryId, parameters }
  }

  async first(db: Kysely<Database>, ...args: Args): Promise<Row | undefined> {
    return (await this.execute(db, ...args)).rows[0]
  }
}

function compile<Args extends readonly unknown[], Row>(db: Kysely<Database>, build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>, arity: number): Compiled {
  const markers = Array.from({ length: arity }, (_, i) => new Marker(i)) as unknown as Args
  // Compiled without plugins, so that no plugin check runs (or fails) for the template itself.
  const compiled = build(db.withoutPlugins(), ...markers).compile()
  const slots = compiled.parameters.map((p) => (p instanceof Marker ? p.index : { constant: p }))
  const used = new Set(slots.filter((s): s is number => typeof s === 'number'))
  if (used.size !== arity) throw new Error(`query template: ${arity - used.size} argument(s) never reach the SQL: ${compiled.sql}`)
  return { sql: compiled.sql, query: compiled.query, slots }
}

/**
 * `insert into table (columns…) values (?…)`, one template per set of columns (a repo's `toRow`
 * always gives the same keys in the same order, so there is one in practice).
 */
export class InsertTemplate<T extends keyof Database & string> {
  readonly #byColumns = new Map<string, QueryTemplate<unknown[], unknown>>()

  constructor(private readonly table: T) {}

  async execute(db: Kysely<Database>, row: Readonly<Record<string, unknown>>): Promise<void> {
    const columns = Object.keys(row)
    const key = columns.join('\u0000')
    let template = this.#byColumns.get(key)
    if (!template) {
      template = new QueryTemplate((d: Kysely<Database>, ...values: unknown[]) =>
        // biome-ignore lint/suspicious/noExplicitAny: the row is rebuilt from its own columns, with markers as values.
        d.insertInto(this.table).values(Object.fromEntries(columns.map((c, i) => [c, values[i]])) as any),
      )
      this.#byColumns.set(key, template)
    }
    await template.execute(db, ...columns.map((c) => row[c]))
  }
}
