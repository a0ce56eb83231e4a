/**
 * On/off settings are read by one parser (settings/boolean.ts): every on/off variable accepts every
 * documented word for on and for off, in any case and with spaces around it, and anything else stops
 * the server at start-up with an error naming the variable and the accepted words.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { loadConfig } from '../src/config.js'
import { rateLimitConfig } from '../src/rate-limits/config.js'
import { OFF_WORDS, ON_WORDS, parseBoolean } from '../src/settings/boolean.js'
import { authorizeUrl, Browser, pkce } from './support/browser.js'
import { envWithoutDb, LATCHKEY_BIN, runLatchkey } from './support/cli.js'
import { addApp, freePort, startTestServer } from './support/harness.js'

type Env = Record<string, string>

/** Every on/off variable the server reads, how to read it, and its default. */
const SETTINGS: readonly { readonly name: string; readonly fallback: boolean; readonly read: (env: Env) => boolean }[] = [
  { name: 'LATCHKEY_SIGNUP', fallback: false, read: (env) => loadConfig({}, env).signup },
  { name: 'LATCHKEY_DPOP_REQUIRE_NONCE', fallback: false, read: (env) => loadConfig({}, env).dpopRequireNonce },
  { name: 'LATCHKEY_RATE_LIMITS', fallback: true, read: (env) => loadConfig({}, env).rateLimits.enabled },
  { name: 'LATCHKEY_DEMO_ON_PUBLIC_ISSUER', fallback: false, read: demoForced },
  { name: 'LATCHKEY_ADMIN_CONSOLE', fallback: true, read: (env) => loadConfig({}, env).adminConsole.enabled },
]

/** Whether `--demo` may run on a public issuer: the configuration's answer, or its refusal. */
function demoForced(env: Env): boolean {
  try {
    return loadConfig({ demo: true, issuer: 'https://login.example.com/' }, env).demoOnPublicIssuer
  } catch (err) {
    if (/^refusing to start the demo/.test((err as Error).message)) return false
    throw err
  }
}

/** Each word as written, upper case, capitalised and padded with spaces. */
function spellings(word: string): string[] {
  return [word, word.toUpperCase(), word.charAt(0).toUpperCase() + word.slice(1), `  ${word}\t`]
}

const GARBAGE = ['maybe', 'yes please', 'tru', 'y', 'n', '2', '-1', 'onn', 'enable', 'nein', 'true false', '"true"']

describe('on/off settings', () => {
  it('the documented words are exactly on, true, yes, 1, enabled and off, false, no, 0, disabled', () => {
    assert.deepEqual([...ON_WORDS], ['on', 'true', 'yes', '1', 'enabled'])
    assert.deepEqual([...OFF_WORDS], ['off', 'false', 'no', '0', 'disabled'])
  })

  for (const { name, fallback, read } of SETTINGS) {
    describe(name, () => {
      it('is on for every on word, in any case and with spaces around it', () => {
        for (const word of ON_WORDS) for (const value of spellings(word)) assert.equal(read({ [name]: value }), true, JSON.stringify(value))
      })

      it('is off for every off word, in any case and with spaces around it', () => {
        for (const word of OFF_WORDS) for (const value of spellings(word)) assert.equal(read({ [name]: value }), false, JSON.stringify(value))
      })

      it(`takes its default (${fallback ? 'on' : 'off'}) when unset, empty or blank`, () => {
        assert.equal(read({}), fallback)
        assert.equal(read({ [name]: '' }), fallback)
        assert.equal(read({ [name]: '   ' }), fallback)
      })

      it('refuses any other value with an error naming the variable, the value and the accepted words', () => {
        for (const value of GARBAGE)
          assert.throws(
            () => read({ [name]: value }),
            (err: Error) => {
              assert.match(err.message, new RegExp(`^${name} must be on or off`))
              assert.ok(err.message.includes(JSON.stringify(value)), err.message)
              for (const word of [...ON_WORDS, ...OFF_WORDS]) assert.match(err.message, new RegExp(`\\b${word}\\b`))
              return true
            },
            JSON.stringify(value),
          )
      })
    })
  }

  it('rateLimitConfig reads LATCHKEY_RATE_LIMITS with the same parser', () => {
    assert.equal(rateLimitConfig({ LATCHKEY_RATE_LIMITS: 'No' }).enabled, false)
    assert.equal(rateLimitConfig({ LATCHKEY_RATE_LIMITS: 'disabled' }).enabled, false)
    assert.equal(rateLimitConfig({ LATCHKEY_RATE_LIMITS: 'YES' }).enabled, true)
    assert.throws(() => rateLimitConfig({ LATCHKEY_RATE_LIMITS: 'maybe' }), /^Error: LATCHKEY_RATE_LIMITS must be on or off: one of on, true, yes, 1, enabled \/ off, false, no, 0, disabled/)
  })

  it('a value a flag already parsed is kept as it is; a long value is shortened in the error', () => {
    assert.equal(parseBoolean('X', true, false), true)
    assert.equal(parseBoolean('X', false, true), false)
    assert.equal(loadConfig({ signup: true }, { LATCHKEY_SIGNUP: 'off' }).signup, true, 'an explicit input wins over the environment')
    assert.throws(() => parseBoolean('X', 'x'.repeat(500), false), (err: Error) => err.message.length < 250)
  })

  it('docs/deploy.md lists every on/off variable and the accepted words', () => {
    const deploy = readFileSync(new URL('../../../docs/deploy.md', import.meta.url), 'utf8')
    for (const { name } of SETTINGS) assert.ok(deploy.includes(`\`${name}\``), name)
    for (const word of [...ON_WORDS, ...OFF_WORDS]) assert.ok(deploy.includes(`\`${word}\``), word)
  })
})

describe('LATCHKEY_SIGNUP=yes', () => {
  it('turns sign-up on: screen_hint=signup opens the sign-up form', async () => {
    const server = await startTestServer({ env: { LATCHKEY_SIGNUP: 'yes' } })
    try {
      const { app } = await addApp(server.store)
      const browser = new Browser(server.url)
      const res = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge: pkce().challenge, extra: { screen_hint: 'signup' } })))
      assert.equal(new URL(res.url).pathname, '/u/signup')
      assert.equal(res.status, 200)
    } finally {
      await server.close()
    }
  })
})

describe('latchkey serve with on/off variables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-boolean-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const baseEnv = (extra: Env): NodeJS.ProcessEnv => ({ ...envWithoutDb(), LATCHKEY_ISSUER: '', PORT: '', LOG_LEVEL: 'warn', ...extra })

  it('starts with LATCHKEY_SIGNUP=yes and LATCHKEY_DPOP_REQUIRE_NONCE=Yes, and serves sign-up', async () => {
    const db = `sqlite:${join(dir, 'yes.db')}`
    const created = await runLatchkey(['apps', 'create', '--name', 'Signup', '--type', 'spa', '--callbacks', 'http://localhost:9999/cb', '--json', '--db', db])
    assert.equal(created.code, 0, created.stderr)
    const clientId = (JSON.parse(created.stdout) as { client_id: string }).client_id
    const port = await freePort()
    const child = spawn(process.execPath, [LATCHKEY_BIN, 'serve', '--port', String(port), '--host', '127.0.0.1', '--db', db], {
      env: baseEnv({ LATCHKEY_SIGNUP: 'yes', LATCHKEY_DPOP_REQUIRE_NONCE: 'Yes', LATCHKEY_RATE_LIMITS: 'enabled' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      const origin = `http://127.0.0.1:${port}`
      const deadline = Date.now() + 15_000
      for (;;) {
        const up = await fetch(`${origin}/healthz`).then((r) => r.ok, () => false)
        if (up) break
        if (child.exitCode !== null || Date.now() > deadline) assert.fail(`the server did not start:\n${output}`)
        await new Promise((r) => setTimeout(r, 100))
      }
      const browser = new Browser(origin)
      const res = await browser.follow(await browser.get(authorizeUrl(`${origin}/`, { clientId, challenge: pkce().challenge, redirectUri: 'http://localhost:9999/cb', extra: { screen_hint: 'signup' } })))
      assert.equal(new URL(res.url).pathname, '/u/signup')
    } finally {
      child.kill('SIGTERM')
    }
    assert.equal(await exited, 0, output)
  })

  for (const { name } of SETTINGS)
    it(`refuses to start with ${name}=sometimes, naming the variable and the accepted words`, async () => {
      const child = spawn(process.execPath, [LATCHKEY_BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', `sqlite:${join(dir, 'garbage.db')}`], {
        env: baseEnv({ [name]: 'sometimes' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      const r = { stdout: '', stderr: '' }
      child.stdout.on('data', (d) => (r.stdout += d))
      child.stderr.on('data', (d) => (r.stderr += d))
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000) // a server that starts instead is stopped
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
      clearTimeout(timer)
      assert.equal(code, 2, r.stdout + r.stderr)
      assert.match(r.stderr, new RegExp(`latchkey: ${name} must be on or off: one of on, true, yes, 1, enabled / off, false, no, 0, disabled \\(any case\\); got "sometimes"`))
    })
})
