/**
 * Housekeeping deletes go in batches: `DELETE … WHERE key IN (SELECT key … LIMIT n)`, one short
 * statement each, so a backlog of expired rows never holds locks on a hot table for long (nor the
 * SQLite write lock). The sweeper repeats a batch until one comes back short.
 */

/** A batch size the database accepts: a whole number, at least 1. */
export function batchLimit(batchSize: number): number {
  return Number.isFinite(batchSize) ? Math.max(1, Math.floor(batchSize)) : 1
}
