/**
 * Three `latchkey serve` processes on one PostgreSQL schema behind a round-robin load balancer:
 * nginx running the configuration printed in docs/deploy.md when the Debian package is installed
 * (CI installs it), else a small Node proxy with the same behaviour (the test says which ran). The
 * nodes share LATCHKEY_SECRET and LATCHKEY_ISSUER (the balancer's HTTPS URL), and believe the one
 * X-Forwarded-For entry the balancer adds (LATCHKEY_TRUST_PROXY=1).
 *
 * The balancer's certificate is a throwaway self-signed one for localhost, so this test process
 * (only it: the test runner gives each file its own process) does not check certificates.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import { openAndMigrate, type Store } from '@latchkey/storage'
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose'
import { KEY_LIST_REFRESH_MS } from '../src/keys/key-ring.js'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { databases } from './support/databases.js'
import { addApi, addApp, addUser, freePort, PASSWORD, type TestServer } from './support/harness.js'
import { type LoadBalancer, startLoadBalancer, throwawayCertificate } from './support/load-balancer.js'
import { CALLBACK, LoggedInBrowser, tokenRequest } from './support/oauth.js'

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'

const BIN = fileURLToPath(new URL('../bin/latchkey.js', import.meta.url))
const AUDIENCE = 'https://multi-node.example.com/'
const SCOPE = 'openid offline_access read:appointments'
const WORKERS = 9
/** SIGKILL once the load has done this many refreshes. */
const KILL_AFTER_REFRESHES = 30
/** Generous waits: a node starts in a few seconds, but a machine shared with other work can be far slower. */
const STARTUP_MS = 90_000
const LOAD_MS = 60_000

function opensslProblem(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return undefined
  } catch {
    return 'openssl is not installed (it makes the balancer’s certificate): skipped'
  }
}

const postgres = databases[1]
const skip = postgres?.skip || opensslProblem() || false
if (skip) console.log(`# multi-node test: ${skip}`)

interface Answer {
  readonly status: number
  readonly json: Record<string, unknown> | null
}

/** A form POST; a balancer's HTML error page (502) comes back with `json: null`. */
async function post(base: string, path: string, form: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() })
  const text = await res.text()
  try {
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> }
  } catch {
    return { status: res.status, json: null }
  }
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      const found = await probe()
      if (found !== undefined) return found
    } catch {}
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function jwks(base: string): Promise<JSONWebKeySet> {
  return (await (await fetch(`${base}.well-known/jwks.json`)).json()) as JSONWebKeySet
}

describe('three nodes on one PostgreSQL database behind a load balancer', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-nodes-'))
  const secret = randomBytes(32).toString('base64url')
  const url = postgres?.url() ?? ''
  const nodes: { port: number; url: string; process: ChildProcess }[] = []
  let lb: LoadBalancer
  let server: TestServer
  let store: Store
  let strict: ApplicationRecord
  let lenient: ApplicationRecord
  const users: UserRecord[] = []

  function nodeEnv(): NodeJS.ProcessEnv {
    return { ...process.env, LATCHKEY_ISSUER: lb.url, LATCHKEY_SECRET: secret, LATCHKEY_DB: url, LATCHKEY_RATE_LIMITS: 'off', LATCHKEY_TRUST_PROXY: '1', LOG_LEVEL: 'warn', PORT: '', HOST: '' }
  }

  async function startNode(port: number) {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--host', '127.0.0.1'], { env: nodeEnv(), stdio: ['ignore', 'ignore', 'inherit'] })
    const base = `http://127.0.0.1:${port}/`
    await until(`node ${port} ready`, STARTUP_MS, async () => ((await fetch(`${base}readyz`)).ok ? true : undefined))
    return { port, url: base, process: child }
  }

  before(async () => {
    store = await openAndMigrate(url)
    strict = (await addApp(store, { name: 'Multi-node, reuse 0' })).app
    lenient = (await addApp(store, { name: 'Multi-node, reuse 30 s', refreshToken: { reuseIntervalSeconds: 30 } })).app
    await addApi(store, { identifier: AUDIENCE })
    for (let i = 0; i < 4; i++) users.push(await addUser(store))

    const tls = throwawayCertificate(dir)
    if (!tls) throw new Error('openssl failed to make a certificate')
    const ports = [await freePort(), await freePort(), await freePort()]
    // The balancer first: its URL is the issuer every node is configured with.
    lb = await startLoadBalancer({ nodePorts: ports, dir, tls }).catch((error: unknown) => {
      throw new Error(`the load balancer did not start: ${(error as Error).message}`)
    })
    nodes.push(...(await Promise.all(ports.map(startNode))))
    await until('the balancer reaches the nodes', 10_000, async () => ((await fetch(`${lb.url}readyz`)).ok ? true : undefined))
    server = { url: lb.url, issuer: lb.url } as TestServer
    console.log(`# multi-node test: three nodes behind ${lb.kind === 'nginx' ? 'nginx (docs/deploy.md configuration)' : 'the Node round-robin proxy (nginx is not installed, or LATCHKEY_TEST_BALANCER=node)'}`)
  })

  after(async () => {
    for (const node of nodes) node.process.kill('SIGKILL')
    await lb?.close()
    await store?.close()
    await postgres?.cleanup()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves a complete flow with every request on another node than the one before', async (t) => {
    const start = (await lb.served()).length
    const browser = new LoggedInBrowser(server, users[0] as UserRecord)
    const tokens = await browser.tokens(strict, { audience: AUDIENCE, scope: SCOPE })
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', client_id: strict.clientId, refresh_token: tokens.refresh_token as string })
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json))
    const userinfo = await fetch(`${lb.url}userinfo`, { headers: { authorization: `Bearer ${refreshed.json.access_token as string}` } })
    assert.equal(userinfo.status, 200)
    assert.equal(((await userinfo.json()) as { sub: string }).sub, users[0]?.id)
    const revoked = await post(lb.url, 'oauth/revoke', { client_id: strict.clientId, token: refreshed.json.refresh_token as string })
    assert.equal(revoked.status, 200)
    const afterRevocation = await post(lb.url, 'oauth/token', { grant_type: 'refresh_token', client_id: strict.clientId, refresh_token: refreshed.json.refresh_token as string })
    assert.equal(afterRevocation.json?.error, 'invalid_grant')

    // Any node's JWKS verifies what any node signed.
    for (const node of nodes) {
      const { payload } = await jwtVerify(refreshed.json.id_token as string, createLocalJWKSet(await jwks(node.url)), { issuer: lb.url, audience: strict.clientId })
      assert.equal(payload.sub, users[0]?.id)
    }

    const served = (await lb.served()).slice(start)
    t.diagnostic(`${lb.kind}: ${served.map((s) => `${s.method} ${s.path} → ${s.node}`).join(', ')}`)
    assert.ok(served.length >= 8, `${served.length} requests`)
    assert.ok(served.every((s) => s.node !== null && s.status < 500))
    for (let i = 1; i < served.length; i++) assert.notEqual(served[i]?.node, served[i - 1]?.node, `request ${i} (${served[i]?.path}) on the same node as the one before`)
    assert.deepEqual(new Set(served.map((s) => s.node)), new Set(nodes.map((n) => n.port)))
  })

  it('believes only the X-Forwarded-For entry the balancer added (LATCHKEY_TRUST_PROXY=1)', async () => {
    const user = users[1] as UserRecord
    const forged = { 'x-forwarded-for': '203.0.113.9' }
    const browser = new Browser(lb.url)
    const page = await browser.follow(await browser.get(authorizeUrl(lb.url, { clientId: lenient.clientId, challenge: pkce().challenge }), forged))
    const html = await page.text()
    const done = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD }, forged)
    assert.ok(done.status === 302 || done.status === 303, `login answered ${done.status}`)
    const [login] = await store.logs.list({ type: 's', userId: user.id })
    assert.equal(login?.ip, '127.0.0.1', 'the address the balancer saw, not the one the client claimed')
  })

  it('the balancer serves HTTPS with HSTS, redirects HTTP to HTTPS and hides /metrics', async (t) => {
    if (lb.kind !== 'nginx' || lb.httpUrl === null) return t.skip('nginx only: the Node proxy stands in for the balancing, not for this')
    const page = await fetch(`${lb.url}.well-known/openid-configuration`)
    assert.equal(page.status, 200)
    assert.match(page.headers.get('strict-transport-security') ?? '', /max-age=\d+/)
    assert.equal(((await page.json()) as { issuer: string }).issuer, lb.url)
    const redirect = await fetch(`${lb.httpUrl}authorize?client_id=x`, { redirect: 'manual' })
    assert.equal(redirect.status, 301)
    assert.equal(redirect.headers.get('location'), 'https://localhost/authorize?client_id=x')
    assert.equal((await fetch(`${lb.url}metrics`)).status, 404)
  })

  it('lets exactly one of nine parallel refreshes of one token at three nodes win (reuse interval 0)', async () => {
    const tokens = await new LoggedInBrowser(server, users[2] as UserRecord).tokens(strict, { audience: AUDIENCE, scope: SCOPE })
    const form = { grant_type: 'refresh_token', client_id: strict.clientId, refresh_token: tokens.refresh_token as string }
    const answers = await Promise.all(nodes.flatMap((node) => [1, 2, 3].map(() => post(node.url, 'oauth/token', form))))
    const winners = answers.filter((a) => a.status === 200)
    assert.equal(winners.length, 1, JSON.stringify(answers.map((a) => a.status)))
    for (const loser of answers.filter((a) => a.status !== 200)) assert.equal(loser.json?.error, 'invalid_grant')
    // The losers were reuses: the family is revoked, the winner's new token with it.
    const next = await post(lb.url, 'oauth/token', { ...form, refresh_token: winners[0]?.json?.refresh_token as string })
    assert.equal(next.json?.error, 'invalid_grant')
  })

  it('`latchkey keys rotate --delay 0` reaches every node within the key list bound, and every node signs with the new key', async (t) => {
    const output = await new Promise<string>((resolve, reject) => {
      const cli = spawn(process.execPath, [BIN, 'keys', 'rotate', '--delay', '0', '--json', '--db', url], { env: nodeEnv(), stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      cli.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk
      })
      cli.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`latchkey keys rotate exited ${code}`))))
    })
    const rotatedAt = Date.now()
    const { kid } = JSON.parse(output) as { kid: string }
    const seenAfter = await Promise.all(
      nodes.map((node) => until(`node ${node.port} publishes ${kid}`, 10_000, async () => ((await jwks(node.url)).keys.some((k) => k.kid === kid) ? Date.now() - rotatedAt : undefined))),
    )
    t.diagnostic(`the new key reached the nodes ${seenAfter.join(', ')} ms after the CLI exited (bound: ${KEY_LIST_REFRESH_MS} ms)`)
    for (const ms of seenAfter) assert.ok(ms <= KEY_LIST_REFRESH_MS, `${ms} ms`)

    // A refresh at each node in turn: each answer is signed with the new key, and verifies at every node.
    let refreshToken = (await new LoggedInBrowser(server, users[2] as UserRecord).tokens(lenient, { audience: AUDIENCE, scope: SCOPE })).refresh_token as string
    for (const node of nodes) {
      const answer = await post(node.url, 'oauth/token', { grant_type: 'refresh_token', client_id: lenient.clientId, refresh_token: refreshToken })
      assert.equal(answer.status, 200, JSON.stringify(answer.json))
      refreshToken = answer.json?.refresh_token as string
      assert.equal(decodeProtectedHeader(answer.json?.access_token as string).kid, kid, `node ${node.port} signs with the new key`)
      for (const other of nodes) await jwtVerify(answer.json?.id_token as string, createLocalJWKSet(await jwks(other.url)), { issuer: lb.url })
    }
  })

  it('keeps serving when a node is killed (SIGKILL) under load, and every refresh token a client received still works', async (t) => {
    interface Family {
      readonly app: ApplicationRecord
      latest: string
      /** A refresh of `latest` was cut off by the kill, and its one retry was refused (reuse interval 0). */
      lost: boolean
    }
    const families: Family[] = []
    const victim = nodes[1] as (typeof nodes)[number]
    let refreshes = 0
    let killed = false
    let stopped = false
    const afterKill = new Array<number>(WORKERS).fill(0)
    const cutOff: string[] = []
    let failure: Error | undefined

    /** Before the kill nothing may fail; after it, each worker may lose the one request it had in flight at the victim. */
    const cut = (n: number, what: string, status: number): void => {
      if (!killed || status !== 502 || cutOff.some((c) => c.startsWith(`worker ${n}:`))) throw new Error(`${what} answered ${status}${killed ? ' after the kill' : ''}`)
      cutOff.push(`worker ${n}: ${what}`)
    }

    const worker = async (n: number) => {
      const app = n % 2 === 0 ? strict : lenient
      while (!stopped) {
        const session = new LoggedInBrowser(server, users[3] as UserRecord)
        const { verifier, challenge } = pkce()
        const res = await session.authorize({ clientId: app.clientId, audience: AUDIENCE, scope: SCOPE, challenge })
        if (res.status !== 303 && res.status !== 302) {
          cut(n, 'a login', res.status)
          continue
        }
        const code = callbackParams(res).get('code') as string
        const exchange = await post(lb.url, 'oauth/token', { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: CALLBACK })
        if (exchange.status !== 200) {
          cut(n, 'a code exchange', exchange.status)
          continue
        }
        const family: Family = { app, latest: exchange.json?.refresh_token as string, lost: false }
        families.push(family)
        for (let i = 0; i < 10 && !stopped; i++) {
          let answer = await post(lb.url, 'oauth/token', { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: family.latest })
          if (answer.status !== 200) {
            cut(n, 'a refresh', answer.status)
            // The client retries once with the same token.
            answer = await post(lb.url, 'oauth/token', { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: family.latest })
            if (answer.status !== 200) {
              assert.equal(app.clientId, strict.clientId, `a retried refresh with a reuse interval was refused: ${JSON.stringify(answer.json)}`)
              assert.equal(answer.json?.error, 'invalid_grant')
              family.lost = true
              break
            }
          }
          family.latest = answer.json?.refresh_token as string
          refreshes++
          if (killed) afterKill[n] = (afterKill[n] ?? 0) + 1
        }
      }
    }
    const load = Promise.all(
      Array.from({ length: WORKERS }, (_, n) =>
        worker(n).catch((error: unknown) => {
          failure ??= error as Error
          stopped = true
        }),
      ),
    )

    await until('the load', LOAD_MS, async () => (refreshes >= KILL_AFTER_REFRESHES || failure ? true : undefined))
    const servedBeforeKill = (await lb.served()).length
    const exited = new Promise((resolve) => victim.process.once('exit', resolve))
    killed = true
    victim.process.kill('SIGKILL')
    await exited
    // The others keep serving: every worker goes on refreshing.
    await until('three refreshes per worker after the kill', LOAD_MS, async () => (afterKill.every((k) => k >= 3) || failure ? true : undefined)).catch(() => {})
    stopped = true
    await load
    if (failure) throw failure
    assert.ok(
      afterKill.every((k) => k >= 3),
      `every worker kept refreshing after the kill: ${afterKill.join(', ')}`,
    )

    const servedAfterKill = (await lb.served()).slice(servedBeforeKill)
    const survivors = nodes.filter((node) => node !== victim).map((node) => node.port)
    assert.deepEqual(new Set(servedAfterKill.map((s) => s.node).filter((p) => p !== null && p !== victim.port)), new Set(survivors))

    // Every refresh token a client holds still works, at the surviving nodes.
    let lost = 0
    for (const family of families) {
      if (family.lost) {
        lost++
        continue
      }
      const answer = await post(lb.url, 'oauth/token', { grant_type: 'refresh_token', client_id: family.app.clientId, refresh_token: family.latest })
      assert.equal(answer.status, 200, `a refresh token the client received was refused: ${JSON.stringify(answer.json)}`)
    }
    t.diagnostic(
      `${lb.kind}: ${families.length} families, ${refreshes} refreshes; killed node ${victim.port} after ${KILL_AFTER_REFRESHES}; cut off: ${cutOff.length ? cutOff.join('; ') : 'none'}; ` +
        `${lost} families with reuse interval 0 lost to a cut-off rotation; refreshes per worker after the kill: ${afterKill.join(', ')}`,
    )
  })
})
