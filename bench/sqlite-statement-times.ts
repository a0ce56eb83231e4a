/**
 * A preload for a Latchkey server under the bench: the time SQLite spends in each statement, by SQL
 * text, written every two seconds to `$TMPDIR/latchkey-sqlite-statements-<pid>.txt` (count, mean µs,
 * total ms, the SQL), so the database's share of an operation can be read beside its CPU profile:
 *
 *   BENCH_LATCHKEY_NODE_FLAGS="--import ./bench/sqlite-statement-times.ts" \
 *     npm run bench -- --only refresh-c16 --targets latchkey-sqlite --no-curve --out -
 *
 * It wraps better-sqlite3's `run`/`all`/`get` with a clock, which costs a little of its own: read the
 * statements' shares, not the server's CPU per operation, from such a run.
 */
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const require = createRequire(new URL('../packages/storage/package.json', import.meta.url))
const Database = require('better-sqlite3') as { prototype: { prepare(sql: string): Record<string, (...args: unknown[]) => unknown> } }

const times = new Map<string, { count: number; ns: number }>()
const prepare = Database.prototype.prepare
Database.prototype.prepare = function (this: unknown, sql: string) {
  const statement = prepare.call(this, sql)
  for (const method of ['run', 'all', 'get'] as const) {
    const original = (statement[method] as (...args: unknown[]) => unknown).bind(statement)
    statement[method] = (...args: unknown[]) => {
      const start = process.hrtime.bigint()
      try {
        return original(...args)
      } finally {
        const entry = times.get(sql) ?? { count: 0, ns: 0 }
        entry.count++
        entry.ns += Number(process.hrtime.bigint() - start)
        times.set(sql, entry)
      }
    }
  }
  return statement
}

setInterval(() => {
  const lines = [...times]
    .sort((a, b) => b[1].ns - a[1].ns)
    .map(([sql, t]) => `${String(t.count).padStart(8)} ${(t.ns / t.count / 1000).toFixed(1).padStart(7)} µs ${(t.ns / 1e6).toFixed(0).padStart(6)} ms  ${sql.replace(/\s+/g, ' ').slice(0, 200)}`)
  writeFileSync(join(tmpdir(), `latchkey-sqlite-statements-${process.pid}.txt`), `${lines.join('\n')}\n`)
}, 2000).unref()
