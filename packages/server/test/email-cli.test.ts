/**
 * `latchkey emails list`: the outbox newest first, filtered by status, as text or JSON; never the
 * message (it may hold a single-use link).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { OutboxEmailRecord } from '@latchkey/core'
import { openAndMigrate } from '@latchkey/storage'
import { runLatchkey, runLatchkeyProcess } from './support/cli.js'

const SEALED = 'SEALED-MESSAGE-WITH-A-RESET-LINK'

describe('latchkey emails list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-emails-cli-'))
  const db = `sqlite:${join(dir, 'latchkey.db')}`
  const t0 = Date.parse('2026-11-01T10:00:00Z')

  before(async () => {
    const store = await openAndMigrate(db)
    const base: OutboxEmailRecord = {
      id: 'em_pending0000000000',
      template: 'reset_email',
      to: 'ada@example.com',
      userId: null,
      sealedMessage: SEALED,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: t0,
      lockedUntil: null,
      lastError: null,
      createdAt: t0,
      sentAt: null,
    }
    await store.outbox.enqueue(base)
    await store.outbox.enqueue({ ...base, id: 'em_sent000000000000', template: 'verify_email', to: 'grace@example.com', createdAt: t0 + 1000, nextAttemptAt: t0 + 1000 })
    await store.outbox.enqueue({ ...base, id: 'em_failed00000000000', template: 'welcome_email', to: 'alan@example.com', createdAt: t0 + 2000, nextAttemptAt: t0 + 2000 })
    const claimed = await store.outbox.claimDue(t0 + 5000, 60_000, 10)
    assert.equal(claimed.length, 3)
    assert.ok(await store.outbox.markSent('em_sent000000000000', 1, t0 + 6000))
    assert.ok(await store.outbox.markFailed('em_failed00000000000', 1, 'ECONNREFUSED connect ECONNREFUSED 127.0.0.1:25', null))
    assert.ok(await store.outbox.markFailed('em_pending0000000000', 1, 'EENVELOPE 451 try later', t0 + 35_000))
    await store.close()
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('lists every email newest first, as JSON without the message', async () => {
    const result = await runLatchkey(['emails', 'list', '--db', db, '--json'])
    assert.equal(result.code, 0, result.stderr)
    assert.ok(!result.stdout.includes(SEALED))
    const rows = JSON.parse(result.stdout) as Record<string, unknown>[]
    assert.deepEqual(
      rows.map((r) => [r.id, r.status]),
      [
        ['em_failed00000000000', 'failed'],
        ['em_sent000000000000', 'sent'],
        ['em_pending0000000000', 'pending'],
      ],
    )
    assert.deepEqual(rows[2], {
      id: 'em_pending0000000000',
      template: 'reset_email',
      to: 'ada@example.com',
      user_id: null,
      status: 'pending',
      attempts: 1,
      next_attempt_at: new Date(t0 + 35_000).toISOString(),
      last_error: 'EENVELOPE 451 try later',
      created_at: new Date(t0).toISOString(),
      sent_at: null,
    })
    assert.equal(rows[1]?.sent_at, new Date(t0 + 6000).toISOString())
  })

  it('filters by status, as text', async () => {
    const result = await runLatchkey(['emails', 'list', '--db', db, '--status', 'failed,pending'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^CREATED\s+ID\s+TEMPLATE\s+TO\s+STATUS/)
    assert.ok(result.stdout.includes('em_failed00000000000') && result.stdout.includes('em_pending0000000000'))
    assert.ok(!result.stdout.includes('em_sent000000000000'))
    assert.ok(!result.stdout.includes(SEALED))
    const sent = await runLatchkey(['emails', 'list', '--db', db, '--status', 'sent', '--json'])
    assert.deepEqual((JSON.parse(sent.stdout) as { id: string }[]).map((r) => r.id), ['em_sent000000000000'])
  })

  it('refuses an unknown status (exit 2)', async () => {
    const result = await runLatchkeyProcess(['emails', 'list', '--db', db, '--status', 'lost'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /unknown status "lost"/)
  })
})
