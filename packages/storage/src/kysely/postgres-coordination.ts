/**
 * Several nodes on one PostgreSQL database, coordinated by the database itself:
 *
 * - Change notices: a write publishes `pg_notify('latchkey_changes', '<schema>:<topic>')` through the
 *   same connection (so a transaction's notice goes out when it commits, and never if it rolls
 *   back). Each store hears them on one `LISTEN` connection of its own, opened when the first
 *   listener arrives. Notices for other schemas of the database are ignored. When that connection is
 *   lost it is reopened (0.25 s, doubling to 10 s), and listeners then hear `'all'`: notices sent
 *   meanwhile are gone, so everything cached may be stale.
 * - Named locks: `pg_try_advisory_lock` on a connection opened for the purpose, never waiting. The
 *   lock is scoped to the schema, lives as long as that session, and is released by closing it, so
 *   a node that dies (SIGKILL, a lost network) releases it with its connection.
 *
 * Neither needs a connection from the pool, so a pool of one connection still works.
 */
import { type Kysely, sql } from 'kysely'
import type pg from 'pg'
import type { ChangeTopic } from '../contract.js'
import { type ChangeListener, type Coordination, notifyAll } from './coordination.js'
import type { Database } from './schema.js'

export const CHANGES_CHANNEL = 'latchkey_changes'
const TOPICS: ReadonlySet<string> = new Set<ChangeTopic>(['applications', 'apis', 'signing-keys', 'connections', 'settings', 'actions'])
const FIRST_RETRY_MS = 250
const LAST_RETRY_MS = 10_000

/** Opens a connection outside the pool; `purpose` becomes its `application_name` (seen in pg_stat_activity). */
export type SessionFactory = (purpose: string) => pg.Client

class ChangeFeed {
  readonly #listeners = new Set<ChangeListener>()
  #client: pg.Client | undefined
  #connecting: Promise<void> | undefined
  #retry: NodeJS.Timeout | undefined
  #retryMs = FIRST_RETRY_MS
  /** Notices may have been missed since the last connection (or none was ever made). */
  #missed = false
  #closed = false

  constructor(
    private readonly session: SessionFactory,
    private readonly scope: string,
  ) {}

  /**
   * Outside a transaction the write is already committed: a failed notice must not report it as
   * failed (caches still refresh within their bounds). Inside one, the failure aborts it anyway.
   */
  async publish(db: Kysely<Database>, topic: ChangeTopic): Promise<void> {
    try {
      await sql`select pg_notify(${CHANGES_CHANNEL}, ${`${this.scope}:${topic}`})`.execute(db)
    } catch (error) {
      if (db.isTransaction) throw error
    }
  }

  listen(listener: ChangeListener): () => void {
    this.#listeners.add(listener)
    this.ready().catch(() => {})
    return () => {
      this.#listeners.delete(listener)
    }
  }

  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'))
    if (this.#client) return Promise.resolve()
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined
    })
    return this.#connecting
  }

  async #connect(): Promise<void> {
    const client = this.session(`latchkey changes ${this.scope}`)
    client.on('notification', (message) => this.#deliver(message.payload))
    client.on('error', () => this.#lost(client))
    client.on('end', () => this.#lost(client))
    try {
      await client.connect()
      await client.query(`LISTEN ${CHANGES_CHANNEL}`)
    } catch (error) {
      this.#missed = true
      await client.end().catch(() => {})
      this.#retryLater()
      throw error
    }
    if (this.#closed) {
      await client.end().catch(() => {})
      return
    }
    this.#client = client
    this.#retryMs = FIRST_RETRY_MS
    if (this.#missed) {
      this.#missed = false
      notifyAll(this.#listeners, 'all')
    }
  }

  #deliver(payload: string | undefined): void {
    const prefix = `${this.scope}:`
    if (!payload?.startsWith(prefix)) return
    const topic = payload.slice(prefix.length)
    if (TOPICS.has(topic)) notifyAll(this.#listeners, topic as ChangeTopic)
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return
    this.#client = undefined
    this.#missed = true
    client.end().catch(() => {})
    this.#retryLater()
  }

  #retryLater(): void {
    if (this.#closed || this.#retry !== undefined || this.#listeners.size === 0) return
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      this.ready().catch(() => {})
    }, this.#retryMs)
    this.#retry.unref()
    this.#retryMs = Math.min(this.#retryMs * 2, LAST_RETRY_MS)
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#retry)
    this.#listeners.clear()
    const client = this.#client
    this.#client = undefined
    await this.#connecting?.catch(() => {})
    await client?.end().catch(() => {})
  }
}

/** `scope`: the schema the store's tables live in. */
export function postgresCoordination(session: SessionFactory, scope: string): Coordination {
  const feed = new ChangeFeed(session, scope)
  return {
    publish: (db, topic) => feed.publish(db, topic),
    listen: (listener) => feed.listen(listener),
    ready: () => feed.ready(),
    async exclusive(name, fn) {
      const client = session(`latchkey lock ${scope}`)
      // Losing the session releases the lock on the server; fn carries on and ends on its own.
      client.on('error', () => {})
      await client.connect()
      try {
        const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [
          `latchkey:${scope}:${name}`,
        ])
        if (rows[0]?.locked !== true) return { ran: false }
        return { ran: true, value: await fn() }
      } finally {
        // Ending the session releases its advisory locks.
        await client.end().catch(() => {})
      }
    },
    close: () => feed.close(),
  }
}
