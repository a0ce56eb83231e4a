import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError, type JobRecord } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { DAY, MINUTE, T0, uniqueId } from '../fixtures.js'

function job(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: uniqueId('job'),
    type: 'users_import',
    status: 'pending',
    connectionId: 'con_0000000000000001',
    externalId: 'migration-1',
    options: { upsert: true, send_completion_email: false },
    input: '[{"email":"ada@example.com"}]',
    summary: null,
    errors: null,
    statusDetails: null,
    downloadHash: null,
    downloadExpiresAt: null,
    createdAt: T0,
    claimedAt: null,
    finishedAt: null,
    ...overrides,
  }
}

export function jobGuarantees(store: CurrentStore): void {
  it('jobs round-trip every field (nulls and JSON too), and a taken id throws ConflictError', async () => {
    const full = job({
      type: 'users_export',
      status: 'completed',
      options: { format: 'csv', limit: 5, fields: [{ name: 'email', export_as: 'Email' }] },
      input: null,
      summary: { total: 2, inserted: 1, updated: 0, failed: 1 },
      errors: [{ user: { email: 'x' }, errors: [{ code: 'INVALID_FORMAT', message: 'bad', path: 'email' }] }],
      statusDetails: 'done',
      downloadHash: 'hash',
      downloadExpiresAt: T0 + MINUTE,
      claimedAt: T0 + 1,
      finishedAt: T0 + 2,
    })
    const bare = job({ connectionId: null, externalId: null })
    for (const record of [full, bare]) await store().jobs.insert(record)
    assert.deepEqual(await store().jobs.get(full.id), full)
    assert.deepEqual(await store().jobs.get(bare.id), bare)
    assert.equal(await store().jobs.get('job_unknown'), null)
    await assert.rejects(store().jobs.insert(job({ id: full.id })), ConflictError)
  })

  it('jobs.claim moves a pending job to processing for exactly one of ten concurrent callers', async () => {
    const record = job()
    await store().jobs.insert(record)
    const results = await Promise.all(Array.from({ length: 10 }, () => store().jobs.claim(record.id, T0 + 5)))
    assert.deepEqual(
      results.filter((r) => r !== null),
      [{ ...record, status: 'processing', claimedAt: T0 + 5 }],
    )
    assert.equal(await store().jobs.claim(record.id, T0 + 6), null, 'no longer pending')
    assert.equal(await store().jobs.claim('job_unknown', T0), null)
  })

  it('jobs.finish records the outcome of a processing job only, and drops the uploaded file', async () => {
    const record = job()
    await store().jobs.insert(record)
    const outcome = { status: 'completed', summary: { total: 1, inserted: 1, updated: 0, failed: 0 }, errors: [] } as const
    assert.equal(await store().jobs.finish(record.id, outcome, T0 + 9), null, 'a pending job is not finished')
    await store().jobs.claim(record.id, T0 + 1)
    const finished = await store().jobs.finish(record.id, outcome, T0 + 9)
    assert.deepEqual(finished, { ...record, status: 'completed', input: null, summary: outcome.summary, errors: [], claimedAt: T0 + 1, finishedAt: T0 + 9 })
    assert.deepEqual(await store().jobs.get(record.id), finished)
    assert.equal(await store().jobs.finish(record.id, { status: 'failed', statusDetails: 'late' }, T0 + 10), null, 'finished once')
  })

  it('jobs.setDownload sets the link of a completed export only', async () => {
    const exported = job({ type: 'users_export', status: 'completed', input: null, finishedAt: T0 })
    const pendingExport = job({ type: 'users_export' })
    const imported = job({ status: 'completed', finishedAt: T0 })
    for (const record of [exported, pendingExport, imported]) await store().jobs.insert(record)
    assert.equal(await store().jobs.setDownload(exported.id, 'h1', T0 + MINUTE), true)
    assert.equal(await store().jobs.setDownload(exported.id, 'h2', T0 + 2 * MINUTE), true, 'a new link replaces the last one')
    assert.deepEqual(await store().jobs.get(exported.id), { ...exported, downloadHash: 'h2', downloadExpiresAt: T0 + 2 * MINUTE })
    assert.equal(await store().jobs.setDownload(pendingExport.id, 'h', T0), false)
    assert.equal(await store().jobs.setDownload(imported.id, 'h', T0), false)
    assert.equal(await store().jobs.setDownload('job_unknown', 'h', T0), false)
  })

  it('jobs.failStale fails jobs left pending or processing since before the cutoff, and nothing else', async () => {
    const cutoff = T0
    const stalePending = job({ createdAt: cutoff - 1 })
    const staleProcessing = job({ status: 'processing', createdAt: cutoff - DAY, claimedAt: cutoff - 1 })
    const freshPending = job({ createdAt: cutoff })
    const freshProcessing = job({ status: 'processing', createdAt: cutoff - DAY, claimedAt: cutoff })
    const done = job({ status: 'completed', input: null, createdAt: cutoff - DAY, claimedAt: cutoff - DAY, finishedAt: cutoff - DAY })
    for (const record of [stalePending, staleProcessing, freshPending, freshProcessing, done]) await store().jobs.insert(record)
    assert.equal(await store().jobs.failStale(cutoff, 'the node running it stopped', T0 + 7), 2)
    for (const stale of [stalePending, staleProcessing])
      assert.deepEqual(await store().jobs.get(stale.id), { ...stale, status: 'failed', statusDetails: 'the node running it stopped', input: null, finishedAt: T0 + 7 })
    for (const kept of [freshPending, freshProcessing, done]) assert.deepEqual(await store().jobs.get(kept.id), kept)
  })

  it('jobs.deleteFinishedBefore removes jobs finished before the cutoff, at most a batch at a time', async () => {
    const cutoff = T0
    const old = [1, 2, 3].map((n) => job({ status: 'completed', input: null, finishedAt: cutoff - n }))
    const recent = job({ status: 'failed', input: null, finishedAt: cutoff })
    const unfinished = job({ createdAt: cutoff - DAY })
    for (const record of [...old, recent, unfinished]) await store().jobs.insert(record)
    assert.equal(await store().jobs.deleteFinishedBefore(cutoff, 2), 2)
    assert.equal(await store().jobs.deleteFinishedBefore(cutoff, 2), 1)
    assert.equal(await store().jobs.deleteFinishedBefore(cutoff, 2), 0)
    assert.deepEqual(await store().jobs.get(recent.id), recent)
    assert.deepEqual(await store().jobs.get(unfinished.id), unfinished)
  })
}
