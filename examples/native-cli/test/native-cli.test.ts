/**
 * The Appointments CLI end to end: a real Latchkey with the demo registrations, the real example API,
 * and the CLI as a child process (`node --import tsx examples/native-cli/src/main.ts`). The person at
 * the browser is the scripted Browser: it follows the URL the CLI prints, logs in through the real
 * pages, and follows the redirect to the CLI's loopback callback. The parts that need time to pass
 * for the CLI run the same commands in-process, with the CLI on a moved clock.
 */
import { serve } from '@hono/node-server'
import assert from 'node:assert/strict'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { DEMO, seedDemo } from '../../../packages/server/src/demo.js'
import { Browser, loginThrough } from '../../../packages/server/test/support/browser.js'
import { addApi, addApp, freePort, TestClock, startTestServer, type TestServer } from '../../../packages/server/test/support/harness.js'
import { revokeRequest, tokenRequest } from '../../../packages/server/test/support/oauth.js'
import { createApi } from '../../api/src/app.js'
import { run } from '../src/program.js'
import type { Runtime } from '../src/runtime.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const MAIN = 'examples/native-cli/src/main.ts'
const ACCESS_TOKEN_LIFETIME = 3600

let latchkey: TestServer
let api: { url: string; close: () => Promise<void> }
let dir: string
let tokenFile: string
const apiErrors: unknown[] = []

before(async () => {
  latchkey = await startTestServer()
  // The demo's API, with 1 h access tokens (the demo keeps 24 h), so the CLI's clock can pass their
  // expiry and stay within the 10 h ID tokens; seedDemo adds the rest (native app, user).
  await addApi(latchkey.store, { name: DEMO.apiName, identifier: DEMO.audience, tokenLifetime: ACCESS_TOKEN_LIFETIME })
  await seedDemo(latchkey.store, latchkey.clock, latchkey.issuer)
  // The demo user starts as a patient (reads); the CLI books too, so make them a receptionist, as
  // the demo's banner says (`latchkey users roles assign demo@example.com receptionist`).
  const [user, receptionist] = await Promise.all([latchkey.store.users.findByEmail(DEMO.email), latchkey.store.roles.findByName('receptionist')])
  assert.ok(user && receptionist)
  await latchkey.store.roles.assign([user.id], [receptionist.id], Date.now())
  const { app } = createApi({ issuer: latchkey.issuer, audience: DEMO.audience, corsOrigins: [], logError: (e) => apiErrors.push(e) })
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  api = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
  dir = await mkdtemp(join(tmpdir(), 'latchkey-native-cli-'))
  tokenFile = join(dir, 'config', 'tokens.json')
})

after(async () => {
  await api.close()
  await latchkey.close()
  await rm(dir, { recursive: true, force: true })
  assert.deepEqual(apiErrors, [], 'the API logged no unexpected errors')
})

/** The CLI's environment: the demo's client id and audience are the CLI's defaults. */
function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(LATCHKEY_|CLIENT_ID$|API_|APPOINTMENTS_)/.test(k)) env[k] = v
  return { ...env, LATCHKEY_ISSUER: latchkey.issuer, API_URL: api.url, APPOINTMENTS_TOKEN_FILE: tokenFile, ...extra }
}

interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

interface Running {
  readonly child: ChildProcessWithoutNullStreams
  readonly output: { stdout: string; stderr: string }
  readonly done: Promise<Finished>
}

function start(args: string[], opts: { env?: Record<string, string>; npm?: boolean } = {}): Running {
  const [file, argv] = opts.npm ? ['npm', ['run', '--silent', 'example:cli', '--', ...args]] : [process.execPath, ['--import', 'tsx', MAIN, ...args]]
  const child = spawn(file as string, argv as string[], { cwd: ROOT, env: cliEnv(opts.env) })
  const output = { stdout: '', stderr: '' }
  child.stdout.on('data', (d) => {
    output.stdout += String(d)
  })
  child.stderr.on('data', (d) => {
    output.stderr += String(d)
  })
  const done = new Promise<Finished>((resolve) => child.once('close', (code) => resolve({ code, ...output })))
  return { child, output, done }
}

function cli(args: string[], opts: { env?: Record<string, string>; npm?: boolean } = {}): Promise<Finished> {
  return start(args, opts).done
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const printedUrl = (text: string) => /^ {2}(http:\/\/\S+\/authorize\?\S+)$/m.exec(text)?.[1]

/** The person at the browser: opens the URL, logs in (and answers consent), lands on the loopback callback. */
async function browse(url: string, consent: 'accept' | 'deny' = 'accept', browser = new Browser(latchkey.url)): Promise<{ callback: URL; page: Response }> {
  const res = await loginThrough(browser, url, DEMO.email, DEMO.password, consent)
  const location = res.headers.get('location')
  assert.ok(location, `the login ends with a redirect to the app (got ${res.status})`)
  const callback = new URL(location)
  return { callback, page: await fetch(callback) }
}

/** The refresh token in the token file (read here only to check rotation and revocation). */
async function storedRefreshToken(): Promise<string> {
  const file = JSON.parse(await readFile(tokenFile, 'utf8')) as Record<string, string>
  const entry = Object.entries(file).find(([key]) => key === `latchkey:${DEMO.nativeClientId}:tokens:${DEMO.audience}`)
  assert.ok(entry, 'the token file has a token set for the API')
  const refreshToken = (JSON.parse(entry[1]) as { refreshToken?: string }).refreshToken
  assert.ok(refreshToken, 'the token set has a refresh token (offline_access)')
  return refreshToken
}

function assertNoStack(text: string) {
  assert.doesNotMatch(text, /^\s+at .+\(.+:\d+:\d+\)$/m, 'no stack trace')
}

/** The CLI in this process, with its output captured; `clock` moves the CLI's time only. */
function inProcess(clock?: TestClock) {
  const out = { stdout: '', stderr: '' }
  const runtime: Runtime = {
    env: cliEnv(),
    stdout: (t) => {
      out.stdout += t
    },
    stderr: (t) => {
      out.stderr += t
    },
    ...(clock ? { clock } : {}),
    openBrowser: async () => false,
  }
  return { out, run: (args: string[]) => run(args, runtime) }
}

describe('examples/native-cli against a real Latchkey and the Appointments API', () => {
  let firstRefreshToken = ''

  it('login prints the authorize URL, completes through the loopback redirect and keeps the tokens in a 0600 file', async () => {
    const login = start(['login', '--no-open'])
    const url = new URL(await until('the authorize URL', () => printedUrl(login.output.stdout)))
    assert.equal(url.origin + url.pathname, `${latchkey.url}authorize`)
    assert.equal(url.searchParams.get('client_id'), DEMO.nativeClientId)
    assert.match(url.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/)
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
    assert.equal(url.searchParams.get('audience'), DEMO.audience)
    assert.deepEqual(url.searchParams.get('scope')?.split(' ').sort(), ['email', 'offline_access', 'openid', 'profile', 'read:appointments', 'write:appointments'])

    const { callback, page } = await browse(url.href)
    assert.equal(callback.origin, new URL(url.searchParams.get('redirect_uri') as string).origin)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /You can close this window/)

    const result = await login.done
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /Logged in as Demo User <demo@example\.com>\./)
    assert.ok(result.stdout.includes(tokenFile))
    assert.equal((await stat(tokenFile)).mode & 0o777, 0o600)
    assert.equal((await stat(join(dir, 'config'))).mode & 0o777, 0o700, 'a missing directory is created 0700')
    const contents = await readFile(tokenFile, 'utf8')
    assert.ok(!contents.includes(DEMO.password), 'no password in the token file')
    assert.doesNotMatch(contents, /verifier/, 'the PKCE verifier of the finished login is gone')
    firstRefreshToken = await storedRefreshToken()
  })

  it('whoami prints the user from the stored ID token (through the root script npm run example:cli)', async () => {
    const result = await cli(['whoami'], { npm: true })
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^Demo User <demo@example\.com>$/m)
    assert.match(result.stdout, /email {2}demo@example\.com \(verified\)/)
    assert.match(result.stdout, /from {3}the stored ID token/)
  })

  it('book posts { title, startsAt } to the API, and list shows it', async () => {
    const booked = await cli(['book', '2026-12-01T09:30:00Z', 'Dentist', 'check-up'])
    assert.equal(booked.code, 0, booked.stderr)
    assert.match(booked.stdout, /^Booked: 2026-12-01T09:30:00Z {2}Dentist check-up {2}\([0-9a-f-]{36}\)$/m)

    const listed = await cli(['list'])
    assert.equal(listed.code, 0, listed.stderr)
    assert.match(listed.stdout, /^2026-12-01T09:30:00Z {2}Dentist check-up {2}\([0-9a-f-]{36}\)$/m)
  })

  it('refresh rotates the refresh token and prints the new expiry, never a token', async () => {
    const cli = inProcess()
    assert.equal(await cli.run(['refresh']), 0, cli.out.stderr)
    const expiry = /^Refreshed\. The new access token expires at (\S+) \(in (?:59 min|1 h 0 min)\)\.$/m.exec(cli.out.stdout)
    assert.ok(expiry, cli.out.stdout)
    assert.ok(Math.abs(Date.parse(expiry[1] as string) - (Date.now() + ACCESS_TOKEN_LIFETIME * 1000)) < 10_000)
    const rotated = await storedRefreshToken()
    assert.notEqual(rotated, firstRefreshToken, 'a new refresh token (rotation)')
    assert.ok(!cli.out.stdout.includes(rotated) && !/eyJ/.test(cli.out.stdout + cli.out.stderr), 'no token printed')
  })

  it('list still works once the access token has expired: the CLI refreshes through rotation first', async () => {
    const before = await storedRefreshToken()
    const clock = new TestClock()
    clock.advance((ACCESS_TOKEN_LIFETIME + 1) * 1000) // the CLI's clock only: the example API checks `iat` against the real time
    const cli = inProcess(clock)
    assert.equal(await cli.run(['list']), 0, cli.out.stderr)
    assert.match(cli.out.stdout, /Dentist check-up/)
    assert.notEqual(await storedRefreshToken(), before, 'the expired token was refreshed (and the refresh token rotated)')
  })

  it('whoami --userinfo asks Latchkey', async () => {
    const cli = inProcess()
    assert.equal(await cli.run(['whoami', '--userinfo']), 0, cli.out.stderr)
    assert.match(cli.out.stdout, /^Demo User <demo@example\.com>$/m)
    assert.match(cli.out.stdout, /\(userinfo\)/)
  })

  it('book reports what the API refused, in one line', async () => {
    const cli = inProcess()
    assert.equal(await cli.run(['book', 'tomorrow', 'Dentist']), 1)
    assert.match(cli.out.stderr, /^error: The Appointments API refused the request \(400 invalid_request\): The appointment is not valid: .+ \[startsAt: .+\]\.\n$/)
  })

  it('says which server is down, in one line', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`
    const apiDown = inProcess()
    assert.equal(await apiDown.run(['list', '--api-url', closed]), 1)
    assert.equal(apiDown.out.stderr, `error: Cannot reach the Appointments API at ${closed}/ (ECONNREFUSED). Is it running? Start it with: npm run example:api\n`)

    const latchkeyDown = inProcess()
    assert.equal(await latchkeyDown.run(['refresh', '--issuer', `http://localhost:${new URL(closed).port}/`]), 1)
    assert.match(latchkeyDown.out.stderr, /^error: Cannot reach Latchkey at http:\/\/localhost:\d+\/ \(ECONNREFUSED\)\. Is it running\? Start it with: npm start\n$/)
  })

  it('logging in again replaces the session and revokes the previous refresh token', async () => {
    const previous = await storedRefreshToken()
    await loginInProcess()
    assert.notEqual(await storedRefreshToken(), previous)
    const old = await tokenRequest(latchkey, { grant_type: 'refresh_token', client_id: DEMO.nativeClientId, refresh_token: previous })
    assert.equal(old.json.error, 'invalid_grant')
  })

  it('logout revokes the refresh token at Latchkey and deletes the token file', async () => {
    const refreshToken = await storedRefreshToken()
    const result = await cli(['logout'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^Logged out: the refresh token was revoked and .+ was deleted\.$/m)
    await assert.rejects(stat(tokenFile), { code: 'ENOENT' })
    const revoked = await tokenRequest(latchkey, { grant_type: 'refresh_token', client_id: DEMO.nativeClientId, refresh_token: refreshToken })
    assert.equal(revoked.json.error, 'invalid_grant')
  })

  it('without a session, list says to log in (one line, exit 1) and logout has nothing to do', async () => {
    const list = inProcess()
    assert.equal(await list.run(['list']), 1)
    assert.equal(list.out.stderr, 'error: Not logged in. Log in with: npm run example:cli -- login\n')
    const logout = inProcess()
    assert.equal(await logout.run(['logout']), 0)
    assert.match(logout.out.stdout, /Not logged in: nothing to revoke/)
  })

  it('logout with Latchkey unreachable still deletes the file, and says the refresh token stays valid', async () => {
    await loginInProcess()
    const refreshToken = await storedRefreshToken()
    const cli = inProcess()
    const issuer = `http://localhost:${await freePort()}/`
    assert.equal(await cli.run(['logout', '--issuer', issuer]), 1)
    assert.equal(cli.out.stderr, `error: Deleted ${tokenFile}, but the refresh token was not revoked and stays valid until it expires: Cannot reach Latchkey at ${issuer} (ECONNREFUSED). Is it running? Start it with: npm start\n`)
    await assert.rejects(stat(tokenFile), { code: 'ENOENT' })
    const stillValid = await tokenRequest(latchkey, { grant_type: 'refresh_token', client_id: DEMO.nativeClientId, refresh_token: refreshToken })
    assert.equal(stillValid.status, 200)
    await revokeRequest(latchkey, { token: stillValid.json.refresh_token as string, client_id: DEMO.nativeClientId })
  })

  it('Ctrl-C during login exits 130 with one line, and stores nothing', async () => {
    const login = start(['login', '--no-open'])
    const url = new URL(await until('the authorize URL', () => printedUrl(login.output.stdout)))
    login.child.kill('SIGINT')
    const result = await login.done
    assert.equal(result.code, 130)
    assert.equal(result.stderr, '\nCancelled.\n')
    await assert.rejects(stat(tokenFile), { code: 'ENOENT' })
    await assert.rejects(fetch(url.searchParams.get('redirect_uri') as string), 'the loopback port is closed')
  })

  it('a login the user denies at the consent page exits 1 with one clear line, and stores nothing', async () => {
    // A third-party native app: Latchkey asks for consent, and the user declines.
    const { app } = await addApp(latchkey.store, { name: 'Third-party CLI', type: 'native', firstParty: false, callbacks: ['http://127.0.0.1/callback'], webOrigins: [], logoutUrls: [] })
    const login = start(['login', '--no-open'], { env: { CLIENT_ID: app.clientId } })
    const url = await until('the authorize URL', () => printedUrl(login.output.stdout))
    const { callback, page } = await browse(url, 'deny')
    assert.equal(callback.searchParams.get('error'), 'access_denied')
    assert.equal(page.status, 400)
    const result = await login.done
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^error: Login denied: .+ \(access_denied\)\.\n$/)
    assertNoStack(result.stderr)
    await assert.rejects(stat(tokenFile), { code: 'ENOENT' })
  })

  /** Logs in with the CLI in this process (the browser keeps no cookies, so it fills in the login form). */
  async function loginInProcess() {
    const cli = inProcess()
    const done = cli.run(['login', '--no-open'])
    const url = await until('the authorize URL', () => printedUrl(cli.out.stdout))
    assert.equal((await browse(url)).page.status, 200)
    assert.equal(await done, 0, cli.out.stderr)
  }
})
