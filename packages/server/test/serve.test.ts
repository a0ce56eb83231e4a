/**
 * `latchkey serve` as a process: first start on an empty SQLite file, registrations made by the CLI
 * seen at once without a restart, and a clean stop on SIGTERM. The demo (`--demo`, what `npm start`
 * runs) only on an issuer on this machine: on any other it registers nothing and refuses to start
 * unless forced, and a server others reach never starts with the demo user's published password.
 */
import assert from 'node:assert/strict'
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { after, describe, it } from 'node:test'
import { systemClock } from '@latchkey/core'
import { openAndMigrate } from '@latchkey/storage'
import { loadConfig } from '../src/config.js'
import { DEMO, seedDemo } from '../src/demo.js'
import { isLocalIssuer } from '../src/demo-issuer.js'
import { envWithoutDb, runLatchkey } from './support/cli.js'
import { freePort } from './support/harness.js'

const BIN = fileURLToPath(new URL('../bin/latchkey.js', import.meta.url))
const run = promisify(execFile)

async function waitFor(url: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} did not answer`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('latchkey serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-serve-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('starts on an empty database, sees CLI registrations at once, and stops cleanly on SIGTERM', async () => {
    const port = await freePort()
    const db = `sqlite:${join(dir, 'nested', 'latchkey.db')}`
    const child = spawn(process.execPath, [BIN, 'serve', '--demo', '--port', String(port), '--db', db], {
      env: { ...process.env, LATCHKEY_ISSUER: '', LATCHKEY_DB: '', PORT: '', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      await waitFor(`http://localhost:${port}/health`)
      const discovery = (await (await fetch(`http://localhost:${port}/.well-known/openid-configuration`)).json()) as { issuer: string }
      assert.equal(discovery.issuer, `http://localhost:${port}/`)
      await waitFor(`http://localhost:${port}/health`)
      assert.match(output, /demo@example\.com/, 'the demo is printed')
      assert.match(output, /DEMO MODE .*NOT FOR PRODUCTION/, 'the banner says it is a demo')
      assert.match(output, /known password demo-password/)
      assert.doesNotMatch(output, /WARNING|"level":40/, 'no warning on localhost')

      // The CLI writes to the same file while the server runs; the server sees the app at once.
      const { stdout } = await run(process.execPath, [BIN, 'apps', 'create', '--name', 'Live', '--type', 'spa', '--callbacks', 'http://localhost:9999/cb', '--json', '--db', db])
      const app = JSON.parse(stdout) as { client_id: string }
      const res = await fetch(
        `http://localhost:${port}/authorize?response_type=code&client_id=${app.client_id}&redirect_uri=${encodeURIComponent('http://localhost:9999/cb')}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&scope=openid`,
        { redirect: 'manual' },
      )
      assert.equal(res.status, 302)
      assert.match(res.headers.get('location') ?? '', /^\/u\/login\?state=/)
    } finally {
      child.kill('SIGTERM')
    }
    assert.equal(await exited, 0, output)
    assert.match(output, /"signal":"SIGTERM"/)
    assert.doesNotMatch(output, /demo-password"/, 'no secrets in structured logs')
  })
})

/** What the demo registers, read from the database after the server stopped. */
async function demoInDatabase(db: string): Promise<{ user: boolean; apps: string[]; api: boolean }> {
  const store = await openAndMigrate(db)
  try {
    const apps: string[] = []
    for (const id of [DEMO.clientId, DEMO.nativeClientId, DEMO.playgroundClientId]) if (await store.applications.get(id)) apps.push(id)
    return { user: (await store.users.findByEmail(DEMO.email)) !== null, apps, api: (await store.apis.findByIdentifier(DEMO.audience)) !== null }
  } finally {
    await store.close()
  }
}

const NOTHING = { user: false, apps: [], api: false }

/**
 * Runs a `latchkey serve` expected to refuse to start. A server that starts instead (the bug) is
 * stopped after 15 s and reported with its output, rather than left to hang the test.
 */
async function serveExpectingRefusal(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
  clearTimeout(timer)
  assert.doesNotMatch(stdout, /"msg":"listening"/, `latchkey serve ${args.join(' ')} started instead of refusing:\n${stdout}${stderr}`)
  return { code, stdout, stderr }
}

interface Served {
  readonly child: ChildProcess
  readonly origin: string
  output(): string
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

/** Starts `latchkey serve` on 127.0.0.1 and waits until it answers, or fails with its output. */
async function serve(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Served> {
  const port = await freePort()
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--host', '127.0.0.1', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const origin = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 15_000
  for (;;) {
    const up = await fetch(`${origin}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) break
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      assert.fail(`latchkey serve ${args.join(' ')} did not start:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    child,
    origin,
    output: () => output,
    stop: () => {
      child.kill('SIGTERM')
      return exited
    },
  }
}

describe('the demo only where it is safe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-demo-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  let n = 0
  const freshDb = () => `sqlite:${join(dir, `demo-${++n}.db`)}`
  /** The environment of an operator's shell: no database, port or issuer unless the test sets them. */
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...envWithoutDb(), LATCHKEY_ISSUER: '', PORT: '', HOST: '', LOG_LEVEL: 'info', ...extra })
  const PUBLIC = 'https://login.example.com/'

  it('counts localhost, *.localhost, 127.0.0.0/8 and ::1 as this machine, and nothing else', () => {
    for (const issuer of [
      'http://localhost:3000/',
      'https://localhost/',
      'http://LOCALHOST:3000/',
      'http://app.localhost:3000/',
      'http://127.0.0.1:3000/',
      'http://127.1.2.3/',
      'http://127.1/',
      'http://0x7f.0.0.1/',
      'http://[::1]:3000/',
      'http://[0:0:0:0:0:0:0:1]/',
      'http://[::ffff:127.0.0.1]/',
    ])
      assert.equal(isLocalIssuer(issuer), true, issuer)
    for (const issuer of [
      PUBLIC,
      'http://login.example.com:3000/',
      'http://localhost.example.com/',
      'http://localhost./',
      'http://app.localhost.evil.com/',
      'http://evil-localhost/',
      'http://127.0.0.1.nip.io/',
      'http://0.0.0.0:3000/',
      'http://10.0.0.1/',
      'http://192.168.1.10:3000/',
      'http://128.0.0.1/',
      'http://[::]/',
      'http://[::2]/',
      'http://[fe80::1]/',
      'http://[::ffff:10.0.0.1]/',
      'not a url',
    ])
      assert.equal(isLocalIssuer(issuer), false, issuer)
  })

  it('the configuration refuses the demo on a public issuer unless forced, by flag or by LATCHKEY_DEMO_ON_PUBLIC_ISSUER', () => {
    assert.throws(() => loadConfig({ demo: true, issuer: PUBLIC }, {}), /refusing to start the demo on https:\/\/login\.example\.com\//)
    assert.throws(() => loadConfig({ demo: true }, { LATCHKEY_ISSUER: 'http://192.168.1.10:3000/' }), /refusing to start the demo/)
    assert.throws(() => loadConfig({ demo: true, issuer: PUBLIC }, { LATCHKEY_DEMO_ON_PUBLIC_ISSUER: 'off' }), /refusing to start the demo/)
    assert.throws(() => loadConfig({ demo: true, issuer: PUBLIC }, { LATCHKEY_DEMO_ON_PUBLIC_ISSUER: 'sure' }), /LATCHKEY_DEMO_ON_PUBLIC_ISSUER must be on or off/)
    const forced = loadConfig({ demo: true, issuer: PUBLIC, demoOnPublicIssuer: true }, {})
    assert.deepEqual([forced.demo, forced.demoOnPublicIssuer], [true, true])
    for (const word of ['on', 'true', 'yes', '1', 'enabled']) {
      const byEnv = loadConfig({ demo: true, issuer: PUBLIC }, { LATCHKEY_DEMO_ON_PUBLIC_ISSUER: word })
      assert.deepEqual([byEnv.demo, byEnv.demoOnPublicIssuer], [true, true], word)
    }
    const local = loadConfig({ demo: true }, {})
    assert.deepEqual([local.demo, local.demoOnPublicIssuer], [true, false])
    const production = loadConfig({ issuer: PUBLIC }, { LATCHKEY_DEMO_ON_PUBLIC_ISSUER: 'on' })
    assert.deepEqual([production.demo, production.demoOnPublicIssuer], [false, false], 'forcing alone does not turn the demo on')
  })

  it('seedDemo adds nothing on a public issuer unless allowed', async () => {
    const db = freshDb()
    const store = await openAndMigrate(db)
    try {
      await assert.rejects(seedDemo(store, systemClock, PUBLIC), /refusing to start the demo/)
      assert.equal(await store.users.findByEmail(DEMO.email), null)
      assert.equal(await store.applications.get(DEMO.playgroundClientId), null)
      assert.equal(await seedDemo(store, systemClock, PUBLIC, { allowPublicIssuer: true }), true)
      assert.ok(await store.users.findByEmail(DEMO.email))
    } finally {
      await store.close()
    }
  })

  it('serve --demo with LATCHKEY_ISSUER=https://login.example.com/ exits non-zero, says why and what to do, and registers nothing', async () => {
    const db = freshDb()
    const created = await runLatchkey(['users', 'list', '--db', db]) // an existing database, as on a server
    assert.equal(created.code, 0, created.stderr)
    const r = await serveExpectingRefusal(['--demo', '--port', '0', '--db', db], env({ LATCHKEY_ISSUER: PUBLIC }))
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /refusing to start the demo on https:\/\/login\.example\.com\/: .*demo@example\.com.*not localhost or a loopback address/)
    assert.match(r.stderr, /Nothing was registered/)
    assert.match(r.stderr, /In production, start without the demo: LATCHKEY_ISSUER=https:\/\/login\.example\.com\/ LATCHKEY_DB=\S+ LATCHKEY_SECRET=\S+ latchkey serve/)
    assert.match(r.stderr, /--demo-on-public-issuer/)
    assert.deepEqual(await demoInDatabase(db), NOTHING)
  })

  it('serve --demo --issuer on a LAN address refuses too, and creates no database', async () => {
    const file = join(dir, 'never.db')
    const r = await serveExpectingRefusal(['--demo', '--port', '0', '--issuer', 'http://192.168.1.10:3000/', '--db', `sqlite:${file}`], env())
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /refusing to start the demo on http:\/\/192\.168\.1\.10:3000\//)
    assert.equal(existsSync(file), false)
  })

  it('--demo-on-public-issuer without --demo is refused', async () => {
    const r = await serveExpectingRefusal(['--demo-on-public-issuer', '--port', '0', '--db', freshDb()], env({ LATCHKEY_ISSUER: PUBLIC }))
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /--demo-on-public-issuer only applies with --demo/)
  })

  it('forced with --demo-on-public-issuer it starts, registers the demo and warns at every start; a production start on that database is then refused until the demo user is gone', async () => {
    const db = freshDb()
    for (const start of [1, 2]) {
      const server = await serve(['--demo', '--demo-on-public-issuer', '--db', db], env({ LATCHKEY_ISSUER: PUBLIC }))
      const warning = server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .find((line) => line.level === 40)
      assert.ok(warning, `start ${start} logs a warning:\n${server.output()}`)
      assert.match(warning.msg, /the demo runs on https:\/\/login\.example\.com\/, which is not localhost or a loopback address \(--demo-on-public-issuer\)/)
      assert.equal((await fetch(`${server.origin}/playground`)).status, 200, 'the playground comes with the demo')
      assert.equal(await server.stop(), 0, server.output())
      assert.match(server.output(), /DEMO MODE .*NOT FOR PRODUCTION/)
      assert.match(server.output(), /WARNING: this demo runs on https:\/\/login\.example\.com\//)
      assert.doesNotMatch(server.output(), /demo-password"/, 'no password in structured logs')
    }
    assert.deepEqual(await demoInDatabase(db), { user: true, apps: [DEMO.clientId, DEMO.nativeClientId, DEMO.playgroundClientId], api: true })

    // The operator drops the demo flags: the known-password account must not go live with the server.
    const refused = await serveExpectingRefusal(['--port', '0', '--db', db], env({ LATCHKEY_ISSUER: PUBLIC }))
    assert.equal(refused.code, 2, refused.stdout + refused.stderr)
    assert.match(refused.stderr, /refusing to serve https:\/\/login\.example\.com\/: this database holds the demo user demo@example\.com/)
    assert.match(refused.stderr, /latchkey users delete demo@example\.com --force/)
    const deleted = await runLatchkey(['users', 'delete', DEMO.email, '--force', '--db', db])
    assert.equal(deleted.code, 0, deleted.stderr)
    const server = await serve(['--db', db], env({ LATCHKEY_ISSUER: PUBLIC }))
    try {
      assert.equal((await fetch(`${server.origin}/playground`)).status, 404)
    } finally {
      assert.equal(await server.stop(), 0, server.output())
    }
  })

  it('LATCHKEY_DEMO_ON_PUBLIC_ISSUER=on forces it too', async () => {
    const db = freshDb()
    const server = await serve(['--demo', '--db', db], env({ LATCHKEY_ISSUER: PUBLIC, LATCHKEY_DEMO_ON_PUBLIC_ISSUER: 'on' }))
    assert.equal(await server.stop(), 0, server.output())
    assert.match(server.output(), /"level":40,.*the demo runs on https:\/\/login\.example\.com\//)
    assert.equal((await demoInDatabase(db)).user, true)
  })

  it('the production start (latchkey serve with issuer, database and secret) registers nothing and serves no playground', async () => {
    const db = freshDb()
    const server = await serve(['--db', db], env({ LATCHKEY_ISSUER: PUBLIC, LATCHKEY_SECRET: randomBytes(32).toString('base64') }))
    try {
      assert.equal((await fetch(`${server.origin}/playground`)).status, 404)
      assert.doesNotMatch(await (await fetch(`${server.origin}/`)).text(), /playground/)
      const discovery = (await (await fetch(`${server.origin}/.well-known/openid-configuration`)).json()) as { issuer: string }
      assert.equal(discovery.issuer, PUBLIC)
    } finally {
      assert.equal(await server.stop(), 0, server.output())
    }
    assert.doesNotMatch(server.output(), /DEMO MODE|demo@example\.com/)
    assert.deepEqual(await demoInDatabase(db), NOTHING)
  })

  it('serve --demo on http://127.0.0.1:PORT/ starts as on localhost, without a warning', async () => {
    const db = freshDb()
    const port = await freePort()
    const server = await serve(['--demo', '--db', db], env({ LATCHKEY_ISSUER: `http://127.0.0.1:${port}/` }))
    assert.equal(await server.stop(), 0, server.output())
    assert.doesNotMatch(server.output(), /"level":40/)
    assert.match(server.output(), /DEMO MODE/)
    assert.equal((await demoInDatabase(db)).user, true)
  })
})
