/**
 * The SDKs as an app outside this repository gets them. Both packages are packed with `npm pack`
 * (which builds them), and the tarballs are installed from the registry's side, with express,
 * fastify, hono and vite, into throwaway apps under the system's temp dir, where this workspace's
 * node_modules is not on the resolution path (the apps are e2e/sdk-apps/, copied there). Then:
 * an Express app in CommonJS and a Fastify app in ESM, on plain `node`, verify real Latchkey tokens;
 * a single-page app bundled by Vite logs in through Latchkey in headless Chromium; tsc checks a
 * TypeScript consumer (ESM and CommonJS) against the installed declarations.
 *
 * One `npm install` for every app: they are sibling directories sharing the temp dir's node_modules,
 * each with the package.json `type` an app of its kind has. About 25 s with a warm npm cache (the
 * install about 7 s of it; 12 s cold), the login in Chromium about 3 s.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createClientGrant } from '@latchkey/core'
import { build as esbuild } from 'esbuild'
import type { Browser } from 'playwright-core'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { tokenRequest } from '../packages/server/test/support/oauth.js'
import { type RunningApp, startApp } from './support/apps.js'
import { launchChromium, skipWithoutChromium } from './support/chromium.js'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const SCOPE = 'read:appointments'

/** The apps run on plain node: no TypeScript loader, no development condition from this run's NODE_OPTIONS. */
const { NODE_OPTIONS: _loaders, ...APP_ENV } = process.env

/** Why the tests can't run here (false when they can): only an unreachable registry. */
async function registryProblem(): Promise<string | false> {
  try {
    await run('npm', ['ping', '--loglevel=error', '--fetch-retries=0', '--fetch-timeout=15000'], { timeout: 20_000 })
    return false
  } catch (err) {
    const { stderr, message } = err as { stderr?: string; message: string }
    return `the npm registry is unreachable (npm ping: ${(stderr?.trim() || message).split('\n')[0]}): skipped`
  }
}
const skipWithoutRegistry = await registryProblem()
if (skipWithoutRegistry) console.log(skipWithoutRegistry)

interface PackResult {
  readonly name: string
  readonly filename: string
  readonly files: readonly { readonly path: string }[]
}

/** Every file an `exports` entry points at, the development condition's sources aside. */
function exportTargets(entry: unknown): string[] {
  if (typeof entry === 'string') return [entry]
  if (!entry || typeof entry !== 'object') return []
  return Object.entries(entry).flatMap(([key, value]) => (key === '@latchkey/source' ? [] : exportTargets(value)))
}

/** `node <file>` in `cwd`, resolved once it prints `{"port":…}`; its stderr is kept for the failure message. */
async function startNodeApp(cwd: string, file: string, env: Record<string, string>): Promise<RunningApp & { readonly stderr: () => string }> {
  const child: ChildProcess = spawn(process.execPath, [file], { cwd, env: { ...APP_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk)
  })
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = ''
    child.stdout?.on('data', (chunk) => {
      stdout += String(chunk)
      const line = stdout.split('\n').find((l) => l.startsWith('{"port":'))
      if (line) resolve((JSON.parse(line) as { port: number }).port)
    })
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before listening:\n${stderr}`)))
  })
  return {
    origin: `http://127.0.0.1:${port}`,
    stderr: () => stderr,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill()
      }),
  }
}

/** Runs `fn` once, however many tests ask. */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined
  return () => {
    result ??= fn()
    return result
  }
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' }

describe('the SDK packages, installed from their tarballs into apps outside the repository', { skip: skipWithoutRegistry }, () => {
  let dir = ''
  let packed: PackResult[] = []
  let server: TestServer
  let audience = ''
  let m2mToken = ''
  const running: RunningApp[] = []

  /** The version of a package the workspace's lock file holds at the top of node_modules. */
  function lockedVersion(name: string): string {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> }
    const version = lock.packages[`node_modules/${name}`]?.version
    assert.ok(version, `${name} is in the workspace's lock file`)
    return version
  }

  before(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'latchkey-sdk-apps-')))
    const pack = await run('npm', ['pack', '-w', '@latchkey/client', '-w', '@latchkey/resource-server', '--pack-destination', dir, '--json'], { cwd: ROOT, maxBuffer: 16 << 20 })
    packed = JSON.parse(pack.stdout) as PackResult[]
    cpSync(fileURLToPath(new URL('./sdk-apps/', import.meta.url)), dir, { recursive: true })
    const tarball = (name: string) => `file:./${packed.find((p) => p.name === name)?.filename}`
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        private: true,
        dependencies: {
          '@latchkey/client': tarball('@latchkey/client'),
          '@latchkey/resource-server': tarball('@latchkey/resource-server'),
          // The versions this workspace locked, known to run on Node 20: a newer release may need a
          // newer Node (fastify's light-my-request took a cookie that needs Node 22), which the
          // project's engine-strict refuses.
          ...Object.fromEntries(['express', 'fastify', 'hono', '@types/express', '@types/node'].map((name) => [name, lockedVersion(name)])),
          // Not a workspace dependency: Vite 8 declares Node ^20.19, and engine-strict checks its dependencies.
          vite: '~8.4.1',
        },
        // light-my-request (fastify's) from 6.7 takes cookie 2, which needs Node 22: the locked one, as here.
        overrides: { 'light-my-request': lockedVersion('light-my-request') },
      }),
    )
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: APP_ENV, maxBuffer: 16 << 20 })

    server = await startTestServer()
    const api = await addApi(server.store, { identifier: 'https://packages.example.com/appointments' })
    audience = api.identifier
    const { app: m2m, secret } = await addApp(server.store, { name: 'Reports', type: 'm2m', callbacks: [], webOrigins: [], logoutUrls: [] })
    await server.store.clientGrants.insert(createClientGrant({ clientId: m2m.clientId, audience, scope: [SCOPE] }, { application: m2m, api }, Date.now()))
    const token = await tokenRequest(server, { grant_type: 'client_credentials', client_id: m2m.clientId, client_secret: secret ?? '', audience })
    assert.equal(token.status, 200, JSON.stringify(token.json))
    m2mToken = token.json.access_token as string
  })

  after(async () => {
    await Promise.all(running.map((app) => app.close()))
    await server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  async function started<T extends RunningApp>(app: Promise<T>): Promise<T> {
    const value = await app
    running.push(value)
    return value
  }
  const expressApp = once(() => started(startNodeApp(join(dir, 'express-cjs'), 'server.js', { ISSUER: server.issuer, AUDIENCE: audience })))
  const fastifyApp = once(() => started(startNodeApp(join(dir, 'fastify-esm'), 'server.js', { ISSUER: server.issuer, AUDIENCE: audience })))
  const viteBuild = once(() => run(process.execPath, ['build.js'], { cwd: join(dir, 'spa'), env: APP_ENV }))

  /** The API's answers with the token, without one and with a forged one. */
  async function assertProtects(app: RunningApp & { stderr: () => string }, resolvedSuffix: string): Promise<void> {
    const url = `${app.origin}/api/appointments`
    const ok = await fetch(url, { headers: { authorization: `Bearer ${m2mToken}` } })
    const body = (await ok.json()) as { sub: string; scope: string; resolved: string }
    assert.equal(ok.status, 200, `${JSON.stringify(body)}\n${app.stderr()}`)
    assert.match(body.sub, /@clients$/)
    assert.equal(body.scope, SCOPE)
    assert.ok(body.resolved.endsWith(resolvedSuffix), `resolved to ${body.resolved}`)
    assert.ok(body.resolved.includes(`${dir}/node_modules/@latchkey/resource-server/`), `resolved outside the app's node_modules: ${body.resolved}`)

    const missing = await fetch(url)
    assert.equal(missing.status, 401)
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer realm="https:\/\/packages\.example\.com\/appointments"$/)

    const [header, payload] = m2mToken.split('.')
    const forged = await fetch(url, { headers: { authorization: `Bearer ${header}.${payload}.${'A'.repeat(86)}` } })
    assert.equal(forged.status, 401)
    assert.match(forged.headers.get('www-authenticate') ?? '', /error="invalid_token"/)
    assert.equal(((await forged.json()) as { error: string }).error, 'invalid_token')
  }

  it('npm pack: each tarball holds its built files, README, LICENSE and package.json; no sources, no tests; every export target is in it', () => {
    assert.deepEqual(packed.map((p) => p.name).sort(), ['@latchkey/client', '@latchkey/resource-server'])
    for (const p of packed) {
      const files = new Set(p.files.map((f) => f.path))
      for (const path of files) assert.match(path, /^(dist\/.+\.(js|d\.ts)|dist\/cjs\/package\.json|README\.md|LICENSE|package\.json)$/, `${p.name}: ${path}`)
      for (const required of ['README.md', 'LICENSE', 'package.json']) assert.ok(files.has(required), `${p.name} lacks ${required}`)
      const manifest = JSON.parse(readFileSync(join(dir, 'node_modules', p.name, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; private?: boolean }
      assert.equal(manifest.private, undefined)
      for (const target of Object.values(manifest.exports).flatMap(exportTargets)) assert.ok(files.has(target.replace(/^\.\//, '')), `${p.name}: ${target} is exported but not packed`)
    }
    const cjs = JSON.parse(readFileSync(join(dir, 'node_modules/@latchkey/resource-server/dist/cjs/package.json'), 'utf8')) as { type: string }
    assert.equal(cjs.type, 'commonjs')
  })

  it('every entry point loads on plain node: import() of each, require() of each of resource-server\'s (the same names as its ESM build)', async () => {
    const { stdout, stderr } = await run(process.execPath, ['entries.mjs'], { cwd: dir, env: APP_ENV })
    assert.doesNotMatch(stderr, /Warning/)
    const { imported, required } = JSON.parse(stdout) as Record<'imported' | 'required', Record<string, string[]>>
    const has = (names: string[] | undefined, ...expected: string[]) => assert.deepEqual(expected.filter((n) => !names?.includes(n)), [])
    has(imported['@latchkey/client'], 'createClient', 'memoryStorage', 'browserStorage', 'LoginRequiredError')
    has(imported['@latchkey/client/node'], 'loginWithLoopback', 'fileStorage', 'openSystemBrowser')
    has(imported['@latchkey/resource-server'], 'createVerifier', 'requireScopes', 'BearerError', 'IssuerError')
    for (const adapter of ['express', 'fastify', 'hono']) has(imported[`@latchkey/resource-server/${adapter}`], 'auth', 'requireScopes', 'requireClaim')
    has(imported['@latchkey/resource-server/node'], 'auth', 'sendError')
    for (const [specifier, names] of Object.entries(required)) assert.deepEqual(names, imported[specifier], specifier)
  })

  it('an Express app in CommonJS require()s @latchkey/resource-server/express (its CommonJS build) and verifies a Latchkey token: 200 with it, 401 with WWW-Authenticate without', async () => {
    const app = await expressApp()
    await assertProtects(app, '/dist/cjs/adapters/express.js')
    assert.doesNotMatch(app.stderr(), /Warning/)
  })

  it('a Fastify app in ESM imports @latchkey/resource-server/fastify and verifies a Latchkey token: 200 with it, 401 with WWW-Authenticate without', async () => {
    const app = await fastifyApp()
    await assertProtects(app, '/dist/esm/adapters/fastify.js')
  })

  it('tsc checks a TypeScript consumer against the installed declarations: ESM (client, client/node, resource-server and its four adapters) and CommonJS (express) under NodeNext, and the ESM one as a bundler resolves it', async () => {
    for (const config of ['types/tsconfig.json', 'types/tsconfig.bundler.json']) {
      await run(process.execPath, [TSC, '-p', join(dir, config)], { cwd: dir }).catch((err: { stdout?: string; message: string }) => {
        assert.fail(`tsc -p ${config} found errors:\n${err.stdout || err.message}`)
      })
    }
  })

  it('@latchkey/client bundles for the browser without polyfills: Vite builds the single-page app, esbuild (platform browser) bundles it too', async () => {
    const vite = await viteBuild()
    assert.doesNotMatch(vite.stdout + vite.stderr, /externalized for browser compatibility|warn|error/i)
    const html = readFileSync(join(dir, 'spa/dist/index.html'), 'utf8')
    const script = /src="\/(assets\/[^"]+\.js)"/.exec(html)?.[1]
    assert.ok(script, `no bundled script in ${html}`)
    assert.doesNotMatch(readFileSync(join(dir, 'spa/dist', script), 'utf8'), /__vite-browser-external|["']node:/)

    const bundled = await esbuild({ entryPoints: [join(dir, 'spa/main.js')], absWorkingDir: join(dir, 'spa'), bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' })
    assert.deepEqual(bundled.warnings, [])
    assert.equal(bundled.outputFiles.length, 1)
  })

  it('the Vite-built single-page app logs a user in through Latchkey in headless Chromium, and its access token passes the Express API', { skip: skipWithoutChromium }, async () => {
    await viteBuild()
    const dist = join(dir, 'spa/dist')
    let settings = {}
    const spa = await started(
      startApp((req, res) => {
        const path = new URL(req.url ?? '/', 'http://localhost').pathname
        if (path === '/config.json') {
          res.setHeader('content-type', 'application/json')
          res.end(JSON.stringify(settings))
          return
        }
        const file = join(dist, path)
        const found = path.startsWith('/assets/') && existsSync(file) ? file : join(dist, 'index.html')
        res.setHeader('content-type', CONTENT_TYPES[extname(found)] ?? 'application/octet-stream')
        res.end(readFileSync(found))
      }),
    )
    const { app } = await addApp(server.store, { name: 'Packaged SPA', callbacks: [`${spa.origin}/callback`], webOrigins: [spa.origin], logoutUrls: [`${spa.origin}/`] })
    settings = { issuer: server.issuer, clientId: app.clientId, audience }
    const user = await addUser(server.store)

    let browser: Browser | undefined
    try {
      browser = await launchChromium()
      const page = await browser.newPage()
      const out = page.locator('#out')
      await page.goto(`${spa.origin}/`)
      await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'starting')
      assert.deepEqual(JSON.parse((await out.textContent()) ?? ''), { loggedIn: false })

      await page.getByRole('button', { name: 'Log in' }).click()
      await page.waitForURL(/\/u\/login\?state=/)
      await page.getByLabel('Email address').fill(user.email)
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Continue' }).click()

      await page.waitForURL(`${spa.origin}/`)
      await page.waitForFunction(() => !['starting', '{"loggedIn":false}'].includes(document.getElementById('out')?.textContent ?? ''))
      const state = JSON.parse((await out.textContent()) ?? '') as { loggedIn: boolean; email: string; accessToken: string }
      assert.equal(state.loggedIn, true, JSON.stringify(state))
      assert.equal(state.email, user.email)

      const api = await expressApp()
      const answer = await fetch(`${api.origin}/api/appointments`, { headers: { authorization: `Bearer ${state.accessToken}` } })
      assert.equal(answer.status, 200, await answer.clone().text())
      assert.equal(((await answer.json()) as { sub: string }).sub, user.id)
    } finally {
      await browser?.close()
    }
  })
})
