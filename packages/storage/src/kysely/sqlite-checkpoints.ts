/**
 * WAL checkpoints off the event loop. By default SQLite copies the write-ahead log into the database
 * file every 1,000 pages, on whichever connection commits at that moment, and syncs both files while
 * doing so: a server's event loop would stop for two fsyncs (tens of milliseconds on a shared disk)
 * several times a second under load, and every request in flight would wait.
 *
 * So a long-lived store hands checkpoints to a worker thread with a connection of its own: the
 * store's connection stops checkpointing (`wal_autocheckpoint = 0`) and the worker runs a PASSIVE
 * checkpoint every `INTERVAL_MS` (PASSIVE never waits for, nor blocks, readers and writers). Nothing
 * about durability changes: the same pages are synced, on another thread. Should the worker stop, the
 * connection checkpoints for itself again.
 *
 * The worker starts `START_AFTER_MS` after the store opens, so short-lived processes (CLI commands)
 * never pay for one; it does not keep a process alive.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type SQLite from 'better-sqlite3'

const INTERVAL_MS = 200
const START_AFTER_MS = 2_000
/** SQLite's own default, restored if the worker goes away. */
const AUTOCHECKPOINT_PAGES = 1_000

/** Plain JavaScript run as the worker (`eval`), so it needs no TypeScript loader. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path, { fileMustExist: true })
db.pragma('busy_timeout = 1000')
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)') } catch {} }
const timer = setInterval(checkpoint, workerData.intervalMs)
parentPort.once('message', () => {
  clearInterval(timer)
  checkpoint()
  db.close()
  parentPort.close()
})
`

/**
 * Starts background checkpoints for `database` (a WAL file database); returns what stops them,
 * resolving once the worker has closed its connection and exited. The store's close waits for it:
 * a process that exits while the worker is inside SQLite has it torn down mid-call, which can abort
 * the whole process (V8's "Empty MaybeLocal" in better-sqlite3's error path).
 */
export function checkpointInBackground(database: SQLite.Database, path: string): () => Promise<void> {
  let worker: Worker | undefined
  let stopped = false
  const selfCheckpoint = () => {
    if (stopped || !database.open) return
    try {
      database.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`)
    } catch {
      // The connection is closing: nothing left to checkpoint for.
    }
  }
  const start = setTimeout(() => {
    if (stopped || !database.open) return
    try {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3')
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs: INTERVAL_MS } })
    } catch {
      return
    }
    worker.unref()
    worker.once('error', selfCheckpoint)
    worker.once('exit', () => {
      // Gone (an error, or stopped): nothing to wait for at close.
      worker = undefined
      selfCheckpoint()
    })
    database.pragma('wal_autocheckpoint = 0')
  }, START_AFTER_MS)
  start.unref()
  return () => {
    stopped = true
    clearTimeout(start)
    const running = worker
    if (running === undefined) return Promise.resolve()
    worker = undefined
    return new Promise<void>((resolve) => {
      running.once('exit', () => resolve())
      // Unreferenced while it runs; held now, or an otherwise idle process would end before it exits.
      running.ref()
      running.postMessage('stop')
    })
  }
}
