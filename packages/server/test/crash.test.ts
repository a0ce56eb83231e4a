/**
 * Crash safety: `latchkey serve` is killed with SIGKILL in the middle of a load of logins and
 * refreshes, then started again on the same database. Every refresh token a client received still
 * works, except where the client's own request was cut off after the server had rotated its token
 * (with a reuse interval of 0 that family is lost, as a replay would be; with a reuse interval the
 * client's retry succeeds), and the database is intact. Runs on a SQLite file and on PostgreSQL.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import { openAndMigrate } from '@latchkey/storage'
import Database from 'better-sqlite3'
import { databases } from './support/databases.js'
import { addApi, addApp, addUser, freePort, type TestServer } from './support/harness.js'
import { callbackParams, pkce } from './support/browser.js'
import { CALLBACK, LoggedInBrowser, tokenRequest } from './support/oauth.js'

const BIN = fileURLToPath(new URL('../bin/latchkey.js', import.meta.url))
const WORKERS = 12
/** SIGKILL once this many refreshes have completed (while the workers keep going). */
const KILL_AFTER_REFRESHES = 60
const SCOPE = 'openid offline_access read:appointments'
const AUDIENCE = 'https://crash.example.com/'

async function waitFor(url: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} did not answer`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** One refresh-token family as its client sees it. */
interface Family {
  readonly app: ApplicationRecord
  /** The newest refresh token the client received. */
  latest: string
  /** A refresh of `latest` was on the wire when the server died. */
  inFlight: boolean
  refreshes: number
}

for (const db of [
  { name: 'SQLite file', skip: false as const, kind: 'sqlite' as const },
  { name: 'PostgreSQL', skip: databases[1]?.skip ?? 'no PostgreSQL', kind: 'postgres' as const },
]) {
  describe(`SIGKILL under load, then restart, on ${db.name}`, { skip: db.skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-crash-'))
    const pgDb = databases[1]
    const url = db.kind === 'sqlite' ? `sqlite:${join(dir, 'latchkey.db')}` : (pgDb?.url() as string)
    const secret = randomBytes(32).toString('base64url')
    let child: ChildProcess | undefined
    after(async () => {
      child?.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
      if (db.kind === 'postgres') await pgDb?.cleanup()
    })

    async function start(port: number): Promise<ChildProcess> {
      const proc = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--host', '127.0.0.1', '--db', url], {
        env: { ...process.env, LATCHKEY_ISSUER: `http://localhost:${port}/`, LATCHKEY_DB: '', PORT: '', LOG_LEVEL: 'warn', LATCHKEY_SECRET: secret, LATCHKEY_RATE_LIMITS: 'off' },
        stdio: ['ignore', 'ignore', 'inherit'],
      })
      await waitFor(`http://localhost:${port}/health`)
      return proc
    }

    it('keeps every refresh token a client received and the database intact', async (t) => {
      const store = await openAndMigrate(url)
      const strict = (await addApp(store, { name: 'Crash, reuse 0' })).app
      const lenient = (await addApp(store, { name: 'Crash, reuse 30 s', refreshToken: { reuseIntervalSeconds: 30 } })).app
      await addApi(store, { identifier: AUDIENCE })
      const user: UserRecord = await addUser(store)
      await store.close()

      const port = await freePort()
      child = await start(port)
      const server = { url: `http://localhost:${port}/`, issuer: `http://localhost:${port}/` } as TestServer
      const families: Family[] = []
      let stopped = false
      let errors = 0
      let firstError: unknown

      const refreshOnce = (family: Family) =>
        tokenRequest(server, { grant_type: 'refresh_token', client_id: family.app.clientId, refresh_token: family.latest })

      // Each worker logs in (a code grant) and then keeps refreshing its family until the server dies.
      const worker = async (n: number) => {
        const app = n % 2 === 0 ? strict : lenient
        while (!stopped) {
          let family: Family
          try {
            const session = new LoggedInBrowser(server, user)
            const { verifier, challenge } = pkce()
            const res = await session.authorize({ clientId: app.clientId, audience: AUDIENCE, scope: SCOPE, challenge })
            if (res.status !== 303) throw new Error(`login answered ${res.status}: ${(await res.text()).slice(0, 1000)}`)
            const code = callbackParams(res).get('code') as string
            const exchange = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: CALLBACK })
            if (exchange.status !== 200) throw new Error(`code exchange answered ${exchange.status}: ${JSON.stringify(exchange.json)}`)
            const tokens = exchange.json
            family = { app, latest: tokens.refresh_token as string, inFlight: false, refreshes: 0 }
            families.push(family)
          } catch (err) {
            if (!stopped) firstError ??= err
            errors++
            return
          }
          for (let i = 0; i < 20 && !stopped; i++) {
            family.inFlight = true
            try {
              const r = await refreshOnce(family)
              assert.equal(r.status, 200, JSON.stringify(r.json))
              family.latest = r.json.refresh_token as string
              family.refreshes++
              family.inFlight = false
            } catch (err) {
              if (!stopped) firstError ??= err
              errors++
              return // the server died with this request on the wire: inFlight stays true
            }
          }
        }
      }
      const load = Promise.all(Array.from({ length: WORKERS }, (_, n) => worker(n)))
      const deadline = Date.now() + 60_000
      // Killed once every worker has logged in and enough refreshes ran (refreshes can outpace the logins' argon2id).
      while ((families.length < WORKERS || families.reduce((sum, f) => sum + f.refreshes, 0) < KILL_AFTER_REFRESHES) && Date.now() < deadline && firstError === undefined)
        await new Promise((r) => setTimeout(r, 10))
      const exited = new Promise((resolve) => child?.once('exit', resolve))
      child.kill('SIGKILL')
      stopped = true
      await exited
      await load

      assert.equal(firstError, undefined, 'no request failed before the kill')
      const refreshed = families.reduce((sum, f) => sum + f.refreshes, 0)
      assert.ok(families.length >= WORKERS && refreshed >= WORKERS, `the load ran (${families.length} logins, ${refreshed} refreshes)`)

      if (db.kind === 'sqlite') {
        const file = new Database(join(dir, 'latchkey.db'))
        assert.equal(file.pragma('integrity_check', { simple: true }), 'ok', 'SQLite integrity check')
        file.close()
      }

      child = await start(port)
      let lost = 0
      for (const family of families) {
        const r = await refreshOnce(family)
        if (r.status === 200) continue
        // Only a family whose refresh was cut off may be gone, and only where reuse is not allowed.
        assert.ok(family.inFlight && family.app.clientId === strict.clientId, `a received refresh token was lost (${family.app.name}, ${family.refreshes} refreshes, in flight: ${family.inFlight}): ${JSON.stringify(r.json)}`)
        assert.equal(r.json.error, 'invalid_grant')
        lost++
      }
      const inFlight = families.filter((f) => f.inFlight).length
      t.diagnostic(`${db.name}: ${families.length} families, ${refreshed} refreshes before SIGKILL; ${inFlight} requests cut off; ${lost} families (reuse interval 0, cut off mid-rotation) refused on restart, all others refreshed`)

      // And the restarted server serves a complete new flow.
      const tokens = await new LoggedInBrowser(server, user).tokens(lenient, { audience: AUDIENCE, scope: SCOPE })
      assert.equal(typeof tokens.access_token, 'string')
      child.kill('SIGTERM')
      await new Promise((resolve) => child?.once('exit', resolve))
      child = undefined
    })
  })
}
