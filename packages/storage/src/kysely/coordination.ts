/**
 * How the processes that share a database coordinate, beyond the rows themselves: change notices
 * (so caches drop what another node changed) and named locks (so one node does the housekeeping).
 * PostgreSQL does both across processes (`postgres-coordination.ts`); this file holds the contract
 * the store wires in and SQLite's in-process version: a SQLite file has one server.
 */
import type { Kysely } from 'kysely'
import type { ChangeTopic, ExclusiveResult } from '../contract.js'
import type { Database } from './schema.js'

export type ChangeListener = (topic: ChangeTopic | 'all') => void

/** What a repo calls after a write other processes may have cached, on the connection it wrote with. */
export type PublishChange = (topic: ChangeTopic) => Promise<void>

export interface Coordination {
  /** Tells the listeners of every store on the database, through `db` (a transaction's notices go out when it commits). */
  publish(db: Kysely<Database>, topic: ChangeTopic): Promise<void>
  listen(listener: ChangeListener): () => void
  ready(): Promise<void>
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<ExclusiveResult<T>>
  close(): Promise<void>
}

/** Calls each listener, so one that throws cannot keep the others from hearing the change. */
export function notifyAll(listeners: Iterable<ChangeListener>, topic: ChangeTopic | 'all'): void {
  for (const listener of [...listeners]) {
    try {
      listener(topic)
    } catch {
      // A listener's failure is its own; the change still reaches the rest.
    }
  }
}

/** SQLite: the store's own writes reach its own listeners at once; locks are held per store. */
export function localCoordination(): Coordination {
  const listeners = new Set<ChangeListener>()
  const held = new Set<string>()
  return {
    async publish(_db, topic) {
      notifyAll(listeners, topic)
    },
    listen(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    ready: async () => {},
    async exclusive(name, fn) {
      if (held.has(name)) return { ran: false }
      held.add(name)
      try {
        return { ran: true, value: await fn() }
      } finally {
        held.delete(name)
      }
    },
    async close() {
      listeners.clear()
    },
  }
}
