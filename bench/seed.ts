/**
 * Filling a Latchkey SQLite database with stored refresh tokens and SSO sessions, straight through
 * SQL (the fast way to reach a million rows), while the server runs on the same file (WAL lets both
 * write). Every row looks like one the server would write: its own family and grant, unexpired,
 * scope and audience of a real flow, the benchmark user and client.
 */
import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { API_IDENTIFIER, FLOW_SCOPE, USER } from './common.js'

const BATCH = 20_000

/** Adds rows until the table holds `refreshTokens` and `sessions` rows; returns the counts. */
export function seedSqlite(path: string, clientId: string, target: { refreshTokens: number; sessions: number }): { refreshTokens: number; sessions: number } {
  const db = new Database(path)
  try {
    db.pragma('busy_timeout = 10000')
    db.pragma('synchronous = NORMAL')
    const user = db.prepare('select id from users where email = ?').get(USER.email) as { id: string } | undefined
    if (!user) throw new Error('the benchmark user is missing')
    const count = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n
    const now = Date.now()
    const scope = JSON.stringify(FLOW_SCOPE.split(' '))
    const token = db.prepare(
      `insert into refresh_tokens (token_hash, grant_id, client_id, user_id, scope, audience, auth_time, sid, organization, created_at, expires_at, grant_expires_at, rotated_at, revoked_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?, ?, null, null)`,
    )
    const session = db.prepare(
      'insert into sso_sessions (id_hash, sid, user_id, auth_time, created_at, idle_expires_at, expires_at, ended_at) values (?, ?, ?, ?, ?, ?, ?, null)',
    )
    const fill = (missing: number, insert: (bytes: Buffer, i: number) => void) => {
      for (let done = 0; done < missing; ) {
        const size = Math.min(BATCH, missing - done)
        const bytes = randomBytes(size * 64)
        db.transaction(() => {
          for (let i = 0; i < size; i++) insert(bytes, i)
        })()
        done += size
      }
    }
    fill(target.refreshTokens - count('refresh_tokens'), (bytes, i) => {
      const hash = bytes.subarray(i * 64, i * 64 + 32).toString('hex')
      const grant = bytes.subarray(i * 64 + 32, i * 64 + 48).toString('base64url')
      token.run(hash, grant, clientId, user.id, scope, API_IDENTIFIER, now, grant, now, now + 15 * 86_400_000, now + 30 * 86_400_000)
    })
    fill(target.sessions - count('sso_sessions'), (bytes, i) => {
      const hash = bytes.subarray(i * 64, i * 64 + 32).toString('hex')
      const sid = bytes.subarray(i * 64 + 32, i * 64 + 48).toString('base64url')
      session.run(hash, sid, user.id, now, now, now + 3 * 86_400_000, now + 7 * 86_400_000)
    })
    return { refreshTokens: count('refresh_tokens'), sessions: count('sso_sessions') }
  } finally {
    db.close()
  }
}
