/**
 * What the admin console's Users page costs with many users: `GET /api/v2/users` (include_totals,
 * 50 a page) over HTTP against a real server, on SQLite (a file) and on PostgreSQL (a database of its
 * own, dropped at the end), with 100,000 users seeded (test/support/seed-users.ts: names
 * `{Given} {Family} {n}` from ten given and ten family names). Measured: the first page, a page in
 * the middle and the last page of the list, and searches: a name prefix matching 10,000 users, one
 * of 1%, a bare term (a prefix of the email or the name), an exact email. Each request is sent
 * `--rounds` times after a few unmeasured ones; the median and the 90th percentile are printed as
 * a markdown table. A measurement, not a test: nothing is asserted.
 *
 *   NODE_OPTIONS=--conditions=@latchkey/source node --import tsx bench/console-users.ts [--users 100000] [--rounds 30] [--postgres URL | --no-postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createClientGrant } from '@latchkey/core'
import pg from 'pg'
import { addApp, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { tokenRequest } from '../packages/server/test/support/oauth.js'
import { seedUser, seedUsers } from '../packages/server/test/support/seed-users.js'

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '30' },
    postgres: { type: 'string', default: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    'no-postgres': { type: 'boolean', default: false },
  },
})
const USERS = Number(args.users)
const ROUNDS = Number(args.rounds)
const WARMUP = 5

interface Row {
  readonly target: string
  readonly request: string
  readonly total: number
  readonly median: number
  readonly p90: number
}

/** A Management API token with read:users, from a machine-to-machine app granted it. */
async function managementToken(server: TestServer): Promise<string> {
  const system = await server.store.apis.findSystem()
  if (!system) throw new Error('no Management API')
  const { app, secret } = await addApp(server.store, { name: 'Bench', type: 'm2m', grants: ['client_credentials'] })
  await server.store.clientGrants.insert(createClientGrant({ clientId: app.clientId, audience: system.identifier, scope: ['read:users'] }, { application: app, api: system }, Date.now()))
  const answer = await tokenRequest(server, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: secret as string, audience: system.identifier })
  if (answer.status !== 200) throw new Error(`token: ${JSON.stringify(answer.json)}`)
  return String(answer.json.access_token)
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN

async function measure(target: string, db: string): Promise<Row[]> {
  const server = await startTestServer({ db })
  try {
    const seeding = performance.now()
    const since = Date.now() - USERS - 60_000
    await seedUsers(server.store, USERS, { since })
    console.log(`# ${target}: ${USERS.toLocaleString('en')} users seeded in ${Math.round(performance.now() - seeding)} ms`)
    const token = await managementToken(server)
    const total = await server.store.users.count()
    const lastPage = Math.ceil(total / 50) - 1
    const requests: [string, Record<string, string>][] = [
      ['list: first page', { page: '0' }],
      [`list: middle page (${Math.floor(lastPage / 2)})`, { page: String(Math.floor(lastPage / 2)) }],
      [`list: last page (${lastPage})`, { page: String(lastPage) }],
      ['search name:grace* (10% of users)', { q: 'name:grace*' }],
      ['search given_name:grace AND family_name:hop* (1%)', { q: 'given_name:grace AND family_name:hop*' }],
      ['search bare "grace hopper 0004" (a prefix of email or name)', { q: '"grace hopper 0004"' }],
      ['search bare seed05432 (email prefix)', { q: 'seed05432' }],
      ['search email:"…" (exact)', { q: `email:"${seedUser(54_321, since).email}"` }],
      ['search name:grace*, page 19 (the 1000th result)', { q: 'name:grace*', page: '19' }],
    ]
    const rows: Row[] = []
    for (const [request, params] of requests) {
      const url = `${server.url}api/v2/users?${new URLSearchParams({ per_page: '50', include_totals: 'true', ...params })}`
      const times: number[] = []
      let found = 0
      for (let i = 0; i < WARMUP + ROUNDS; i++) {
        const start = performance.now()
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
        const body = (await res.json()) as { total?: number; message?: string }
        const ms = performance.now() - start
        if (res.status !== 200) {
          console.log(`# ${target} ${request}: ${res.status} ${body.message ?? ''}`)
          break
        }
        found = body.total ?? 0
        if (i >= WARMUP) times.push(ms)
      }
      times.sort((a, b) => a - b)
      rows.push({ target, request, total: found, median: percentile(times, 0.5), p90: percentile(times, 0.9) })
    }
    return rows
  } finally {
    await server.close()
    await server.store.close().catch(() => {})
  }
}

async function main() {
  const rows: Row[] = []
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-users-'))
  try {
    rows.push(...(await measure('SQLite', `sqlite:${join(dir, 'latchkey.db')}`)))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  if (!args['no-postgres']) {
    const admin = new pg.Client({ connectionString: args.postgres })
    const database = `latchkey_bench_users_${process.pid}`
    try {
      await admin.connect()
      await admin.query(`create database ${database}`)
    } catch (err) {
      console.log(`# PostgreSQL left out: ${(err as Error).message}`)
      await admin.end().catch(() => {})
      print(rows)
      return
    }
    try {
      const url = new URL(args.postgres)
      url.pathname = `/${database}`
      rows.push(...(await measure('PostgreSQL', url.href)))
    } finally {
      await admin.query(`drop database if exists ${database} with (force)`)
      await admin.end()
    }
  }
  print(rows)
}

function print(rows: readonly Row[]) {
  console.log(`\n${USERS.toLocaleString('en')} users, GET /api/v2/users (per_page=50, include_totals), ${ROUNDS} requests each after ${WARMUP} unmeasured:\n`)
  console.log('| database | request | total | median ms | p90 ms |')
  console.log('| --- | --- | ---: | ---: | ---: |')
  for (const r of rows) console.log(`| ${r.target} | ${r.request} | ${r.total.toLocaleString('en')} | ${r.median.toFixed(1)} | ${r.p90.toFixed(1)} |`)
}

// The store's timers are unref'd (a server keeps the process alive by listening; this script only awaits).
const alive = setInterval(() => {}, 60_000)
await main().finally(() => clearInterval(alive))
