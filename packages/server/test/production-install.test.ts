/**
 * The production install of a clone, as README's Production section gives it:
 * `npm ci && npm run build && npm prune --omit=dev`, then `npx latchkey serve`. A copy of this tree
 * (the files git tracks or would track: the working tree in a session, the commit in CI) is installed
 * from the lock file, built, and pruned to production dependencies; the `latchkey` command then serves
 * the demo's login flow with no development dependency installed and no TypeScript loader.
 *
 * One deviation, for time: `npm ci` runs with --ignore-scripts, and better-sqlite3's native addon is
 * copied from this checkout's install (same version, same node) instead of compiled again by
 * node-gyp (about 80 s here, since its prebuilt download is blocked). Nothing else has an install
 * script the server needs (esbuild's belongs to tsx, a development dependency).
 */
import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { after, describe, it } from 'node:test'
import { authorizeUrl, Browser, callbackParams, loginThrough, pkce } from './support/browser.js'
import { freePort } from './support/harness.js'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const DEMO_SPA = 'latchkey-demo-spa'
const CALLBACK = 'http://localhost:8080/callback'

/** The environment of an operator's shell: no development condition, no loader, no test runner. */
function operatorEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS' || name === 'NODE_TEST_CONTEXT' || name.startsWith('LATCHKEY_') || name.startsWith('npm_')) continue
    env[name] = value
  }
  return { ...env, LOG_LEVEL: 'warn', LATCHKEY_RATE_LIMITS: 'off' }
}

/** Copies the files git tracks or would track (not ignored: no node_modules, no dist) into `to`. */
async function copyTree(to: string): Promise<number> {
  const { stdout } = await run('git', ['ls-files', '-z', '-co', '--exclude-standard'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 })
  const files = stdout.split('\0').filter((file) => file !== '' && existsSync(join(ROOT, file)))
  for (const file of files) {
    mkdirSync(dirname(join(to, file)), { recursive: true })
    cpSync(join(ROOT, file), join(to, file))
  }
  return files.length
}

/** better-sqlite3's addon from this checkout when the versions match, else compiled in the copy. */
async function provideSqliteAddon(app: string, env: NodeJS.ProcessEnv): Promise<void> {
  const here = dirname(createRequire(join(ROOT, 'packages/storage/package.json')).resolve('better-sqlite3/package.json'))
  const there = join(app, 'node_modules/better-sqlite3')
  const version = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
  const addon = 'build/Release/better_sqlite3.node'
  if (version(here) === version(there) && existsSync(join(here, addon))) {
    mkdirSync(dirname(join(there, addon)), { recursive: true })
    cpSync(join(here, addon), join(there, addon))
  } else {
    await run('npm', ['rebuild', 'better-sqlite3'], { cwd: app, env })
  }
}

async function waitForReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`latchkey exited (${child.exitCode}):\n${output()}`)
    try {
      if ((await fetch(`${url}readyz`)).ok) return
    } catch {}
    if (Date.now() > deadline) throw new Error(`latchkey did not get ready:\n${output()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('the production install of a clone', () => {
  const app = mkdtempSync(join(tmpdir(), 'latchkey-production-'))
  let server: ChildProcess | undefined
  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve))
      server.kill('SIGTERM')
      await exited
    }
    rmSync(app, { recursive: true, force: true })
  })

  it('npm ci, npm run build, npm prune --omit=dev: latchkey serve runs the compiled server without tsx and serves a login', { timeout: 240_000 }, async (t) => {
    const env = operatorEnv()
    const step = async (name: string, work: () => Promise<unknown>) => {
      const started = performance.now()
      await work()
      t.diagnostic(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`)
    }
    await step('copy the tree', () => copyTree(app))
    await step('npm ci', () => run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, env, maxBuffer: 16 * 1024 * 1024 }))
    await step('better-sqlite3 addon', () => provideSqliteAddon(app, env))
    await step('npm run build', () => run('npm', ['run', 'build'], { cwd: app, env, maxBuffer: 16 * 1024 * 1024 }))
    await step('npm prune --omit=dev', () => run('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund'], { cwd: app, env, maxBuffer: 16 * 1024 * 1024 }))

    for (const devOnly of ['tsx', 'typescript', 'esbuild', '@biomejs/biome']) {
      assert.equal(existsSync(join(app, 'node_modules', devOnly)), false, `${devOnly} is not installed`)
    }
    assert.ok(existsSync(join(app, 'packages/server/dist/cli/main.js')), 'the server is built')
    assert.ok(existsSync(join(app, 'packages/server/dist/assets/latchkey.css')), 'with its assets')

    // `npx latchkey serve`: the bin npm linked, run as npx runs it.
    const port = await freePort()
    const issuer = `http://localhost:${port}/`
    let output = ''
    const started = performance.now()
    server = spawn(join(app, 'node_modules/.bin/latchkey'), ['serve', '--demo', '--port', String(port), '--db', `sqlite:${join(app, 'data/latchkey.db')}`], {
      cwd: app,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    server.stdout?.on('data', (chunk) => (output += chunk))
    server.stderr?.on('data', (chunk) => (output += chunk))
    await waitForReady(issuer, server, () => output)
    t.diagnostic(`latchkey serve ready: ${((performance.now() - started) / 1000).toFixed(1)} s`)

    // No TypeScript loader: none is installed to be loaded, none is named on its command line or in
    // its environment, and its modules are the compiled ones.
    const pid = server.pid as number
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
    assert.ok(!cmdline.some((arg) => /tsx|--import|--loader|--conditions/.test(arg)), cmdline.join(' '))
    assert.ok(!environ.some((entry) => entry.startsWith('NODE_OPTIONS=')), 'no NODE_OPTIONS')
    assert.throws(() => createRequire(join(app, 'packages/server/package.json')).resolve('tsx'), /Cannot find module/)

    const discovery = (await (await fetch(`${issuer}.well-known/openid-configuration`)).json()) as { issuer: string; token_endpoint: string }
    assert.equal(discovery.issuer, issuer)

    const { verifier, challenge } = pkce()
    const browser = new Browser(issuer)
    const redirect = await loginThrough(browser, authorizeUrl(issuer, { clientId: DEMO_SPA, redirectUri: CALLBACK, challenge }), 'demo@example.com', 'demo-password')
    const code = callbackParams(redirect).get('code')
    assert.ok(code, `a code: ${redirect.headers.get('location')}`)
    const token = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: DEMO_SPA, code, code_verifier: verifier, redirect_uri: CALLBACK }),
    })
    const tokens = (await token.json()) as { access_token?: string; id_token?: string }
    assert.equal(token.status, 200, JSON.stringify(tokens))
    assert.ok(tokens.id_token)
    const userinfo = await fetch(`${issuer}userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    assert.equal(userinfo.status, 200)
    assert.equal(((await userinfo.json()) as { email: string }).email, 'demo@example.com')

    const stylesheet = await fetch(`${issuer}playground`)
    assert.equal(stylesheet.status, 200, 'pages that read the copied assets render')
  })
})
