/**
 * A smoke run of the benchmark (`npm run bench -- --quick`), so it cannot rot unnoticed: every
 * target starts, every operation completes against each with checked answers, the JSON report has
 * a figure for each. Nothing is timed against a threshold here: benchmarks are not tests.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { it } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { Report } from './report.js'

const here = dirname(fileURLToPath(import.meta.url))

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

it('npm run bench -- --quick measures every operation on Latchkey, oidc-provider and the floor, and one to two nodes on PostgreSQL', { timeout: 240_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'latchkey-bench-smoke-'))
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', join(here, 'run.ts'), '--quick', '--out', out], { cwd: join(here, '..'), maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(),
      )
    })
    const files = readdirSync(out).filter((f) => f.endsWith('.json'))
    assert.equal(files.length, 1)
    const report = JSON.parse(readFileSync(join(out, files[0] as string), 'utf8')) as Report
    const targets = new Set(report.measurements.map((m) => m.target))
    assert.deepEqual([...targets].sort(), ['Latchkey (SQLite)', 'floor', 'oidc-provider'])
    for (const step of ['flow-c1', 'flow-c16', 'refresh-c16', 'userinfo-c16', 'login-c4'])
      for (const target of targets) {
        const m = report.measurements.find((x) => x.step === step && x.target === target)
        assert.ok(m && m.operations > 0 && m.cpuMs > 0, `${step} on ${target}`)
      }
    for (const step of ['flow-es256-c16', 'flow-eddsa-c16', 'flow-c16-logins'])
      assert.ok(report.measurements.some((m) => m.step === step && m.target === 'floor' && m.operations > 0), `${step} on the floor`)
    assert.ok(report.curve.length > 0 && report.curve.every((p) => p.refresh.operations > 0 && p.flow.operations > 0))
    assert.ok(report.checks.length >= 8)
    if (await postgresReachable()) {
      assert.deepEqual(report.nodes.map((p) => p.nodes), [1, 2])
      assert.ok(report.nodes.every((p) => p.refresh.operations > 0 && p.flow.operations > 0 && (p.flow.databaseCpuMs ?? 0) > 0))
    } else console.log('# PostgreSQL is not reachable: the one-to-several-nodes curve was not measured (skipped)')
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
})
