/**
 * Two servers on one PostgreSQL database and one SMTP server: 20 emails enqueued on both nodes, both
 * workers running rounds at once (their timers and explicit rounds), and each email arrives exactly
 * once: claims (`FOR UPDATE SKIP LOCKED` with a lease) hand every email to one node. Runs only when
 * TEST_DATABASE_URL is set.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { databases } from './support/databases.js'
import { startTestServer, type TestServer } from './support/harness.js'
import { TestSmtpServer } from './support/smtp.js'

const postgres = databases[1]
const skip = process.env.TEST_DATABASE_URL === undefined ? 'TEST_DATABASE_URL is not set: the two-node email test needs PostgreSQL, skipped' : postgres?.skip || false
if (skip) console.log(`# email multi-node test: ${skip}`)

const EMAILS = 20

describe('two nodes on PostgreSQL', { skip }, () => {
  let smtp: TestSmtpServer
  const nodes: TestServer[] = []

  before(async () => {
    smtp = await TestSmtpServer.start()
    const db = postgres?.url() ?? ''
    for (let i = 0; i < 2; i++) nodes.push(await startTestServer({ db, env: { LATCHKEY_SMTP_URL: smtp.url } }))
  })
  after(async () => {
    for (const node of nodes) await node.close()
    await smtp.stop()
    await postgres?.cleanup()
  })

  it(`sends each of ${EMAILS} emails exactly once`, async () => {
    const [a, b] = nodes as [TestServer, TestServer]
    const ids = await Promise.all(
      Array.from({ length: EMAILS }, (_, i) =>
        (i % 2 === 0 ? a : b).running.deps.email.enqueue({
          template: 'welcome_email',
          to: `user${i}@example.com`,
          userId: null,
          variables: { application: { name: `App ${i}` }, user: { email: `user${i}@example.com`, name: null }, url: null, organization: null, inviter: null, locale: null },
        }),
      ),
    )
    // Both nodes claim at once, several times over, beside their own wake-ups.
    await Promise.all([a.running.outbox.runOnce(), b.running.outbox.runOnce(), a.running.outbox.runOnce(), b.running.outbox.runOnce()])
    await smtp.waitFor(EMAILS)
    await Promise.all([a.running.outbox.runOnce(), b.running.outbox.runOnce()])
    assert.equal(smtp.received.length, EMAILS)
    assert.deepEqual(smtp.received.map((m) => m.subject).sort(), Array.from({ length: EMAILS }, (_, i) => `Welcome to App ${i}`).sort())
    for (const id of ids) {
      const record = await a.store.outbox.get(id)
      assert.equal(record?.status, 'sent', id)
      assert.equal(record?.attempts, 1, id)
    }
    // The outbox agrees: all sent, none left claimed.
    const counts = await a.store.outbox.countByStatus()
    assert.deepEqual(counts, { pending: 0, sending: 0, sent: EMAILS, failed: 0 })
  })
})
