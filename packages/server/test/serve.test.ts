/**
 * `latchkey serve` as a process: first start on an empty SQLite file, registrations made by the CLI
 * seen at once without a restart, and a clean stop on SIGTERM.
 */
import assert from 'node:assert/strict'
import { spawn, execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { after, describe, it } from 'node:test'
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
