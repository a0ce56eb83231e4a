/**
 * Email delivery through the durable outbox to a real SMTP server in this process (smtp-server,
 * read back with mailparser): what arrives (From, subject, text, HTML, escaping), the sealed message
 * dropped once sent, the SMTP server down or refusing (retried with back-off on the test clock, then
 * arriving exactly once), giving up, no email configured, and the metrics.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { MAX_ATTEMPTS, retryDelayMs, shortError } from '../src/email/outbox-worker.js'
import type { TemplateVariables } from '../src/email/templates.js'
import { startTestServer, type TestServer } from './support/harness.js'
import { throwawayCertificate } from './support/load-balancer.js'
import { TestSmtpServer } from './support/smtp.js'

const METRICS_TOKEN = 'metrics-token-for-the-email-tests-0123456789'

const variables = (overrides: Partial<TemplateVariables> = {}): TemplateVariables => ({
  application: { name: 'Appointments' },
  user: { email: 'ada@example.com', name: 'Ada' },
  url: 'http://localhost/u/reset-password?ticket=T1&a=b',
  organization: null,
  inviter: null,
  locale: null,
  ...overrides,
})

async function metricsText(server: TestServer): Promise<string> {
  const res = await fetch(`${server.url}metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  assert.equal(res.status, 200)
  return res.text()
}

describe('email delivery over SMTP', () => {
  let smtp: TestSmtpServer
  let server: TestServer

  before(async () => {
    smtp = await TestSmtpServer.start()
    server = await startTestServer({ env: { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_EMAIL_FROM: 'Acme Login <login@acme.example>', LATCHKEY_METRICS_TOKEN: METRICS_TOKEN } })
  })
  after(async () => {
    await server.close()
    await smtp.stop()
  })

  it('an enqueued email arrives with its From, subject, text and HTML; the outbox keeps no message', async () => {
    const email = server.running.deps.email
    assert.equal(email.available, true)
    const before = smtp.received.length
    const id = await email.enqueue({ template: 'reset_email', to: 'ada@example.com', userId: null, variables: variables() })
    assert.match(id, /^em_[A-Za-z0-9]+$/)
    // The wake-up after enqueue sends it without waiting for the poll.
    await smtp.waitFor(before + 1)
    const got = smtp.received[before]
    assert.ok(got)
    assert.equal(got.from, '"Acme Login" <login@acme.example>')
    assert.deepEqual(got.to, ['ada@example.com'])
    assert.equal(got.subject, 'Reset your password for Appointments')
    assert.match(got.text, /Hello Ada,/)
    assert.ok(got.text.includes('http://localhost/u/reset-password?ticket=T1&a=b'))
    assert.ok(got.html.includes('href="http://localhost/u/reset-password?ticket=T1&amp;a=b"'))
    assert.equal(got.messageId, `<${id}@latchkey>`)
    await server.running.outbox.runOnce()
    const record = await server.store.outbox.get(id)
    assert.equal(record?.status, 'sent')
    assert.equal(record?.sealedMessage, null)
    assert.equal(record?.attempts, 1)
    assert.ok(record?.sentAt)
  })

  it('escapes variables: no header injection through the subject, no markup in the HTML', async () => {
    const before = smtp.received.length
    await server.running.deps.email.enqueue({
      template: 'verify_email',
      to: 'grace@example.com',
      userId: null,
      variables: variables({ application: { name: 'Evil\r\nBcc: victim@example.com' }, user: { email: 'grace@example.com', name: '<script>alert(1)</script>' } }),
    })
    await smtp.waitFor(before + 1)
    const got = smtp.received[before]
    assert.ok(got)
    assert.deepEqual(got.to, ['grace@example.com'])
    assert.equal(got.subject, 'Verify your email address for Evil Bcc: victim@example.com')
    assert.ok(!got.html.includes('<script>'))
    assert.ok(got.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'))
  })

  it('refuses a recipient that is not one address', async () => {
    for (const to of ['a@example.com, b@example.com', 'a@example.com\r\nBcc: b@example.com', 'nobody']) {
      await assert.rejects(server.running.deps.email.enqueue({ template: 'welcome_email', to, userId: null, variables: variables() }), /not an email address/)
    }
  })

  it('enqueues inside the caller\'s transaction: a rollback sends nothing', async () => {
    const before = smtp.received.length
    let id = ''
    await assert.rejects(
      server.store.transaction(async (tx) => {
        id = await server.running.deps.email.enqueue({ template: 'welcome_email', to: 'rolled@example.com', userId: null, variables: variables() }, tx)
        throw new Error('roll back')
      }),
      /roll back/,
    )
    await server.running.outbox.runOnce()
    assert.equal(await server.store.outbox.get(id), null)
    assert.equal(smtp.received.length, before)
  })

  it('counts sent emails and reports the outbox by status', async () => {
    const text = await metricsText(server)
    assert.match(text, /latchkey_emails_sent_total\{template="reset_email"\} [1-9]/)
    assert.match(text, /latchkey_outbox_emails\{status="sent"\} [1-9]/)
    assert.match(text, /latchkey_outbox_emails\{status="pending"\} 0/)
  })
})

describe('the SMTP server down, then back', () => {
  let smtp: TestSmtpServer
  let server: TestServer

  before(async () => {
    smtp = await TestSmtpServer.start({ listening: false })
    server = await startTestServer({ env: { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_METRICS_TOKEN: METRICS_TOKEN } })
  })
  after(async () => {
    await server.close()
    await smtp.stop()
  })

  it('retries with back-off (connection refused, then a 451 reply) and delivers once when it is back', async () => {
    const outbox = server.running.outbox
    const id = await server.running.deps.email.enqueue({ template: 'reset_email', to: 'ada@example.com', userId: null, variables: variables() })
    await outbox.runOnce()
    let record = await server.store.outbox.get(id)
    assert.equal(record?.status, 'pending')
    assert.equal(record?.attempts, 1)
    assert.match(record?.lastError ?? '', /ECONNREFUSED/)
    assert.ok(!record?.lastError?.includes(smtp.pass))
    assert.ok(record?.sealedMessage)
    const firstRetry = record?.nextAttemptAt ?? 0
    assert.ok(Math.abs(firstRetry - (server.clock.now() + 30_000)) < 5_000, 'first retry about 30 s later')

    // Back, but refusing for now: not due yet, so nothing is tried.
    smtp.mode = 'temporary-refusal'
    await smtp.listen()
    await outbox.runOnce()
    assert.equal((await server.store.outbox.get(id))?.attempts, 1)

    server.clock.advance(31_000)
    await outbox.runOnce()
    record = await server.store.outbox.get(id)
    assert.equal(record?.status, 'pending')
    assert.equal(record?.attempts, 2)
    assert.match(record?.lastError ?? '', /451/)
    assert.ok((record?.nextAttemptAt ?? 0) - server.clock.now() > 50_000, 'second retry about a minute later')
    assert.equal(smtp.received.length, 0)

    smtp.mode = 'accept'
    server.clock.advance(61_000)
    await outbox.runOnce()
    await smtp.waitFor(1)
    record = await server.store.outbox.get(id)
    assert.equal(record?.status, 'sent')
    assert.equal(record?.attempts, 3)

    // Nothing more, however long we wait.
    server.clock.advance(3_600_000)
    await outbox.runOnce()
    assert.equal(smtp.received.length, 1)
    assert.equal(smtp.received[0]?.subject, 'Reset your password for Appointments')

    const text = await metricsText(server)
    assert.match(text, /latchkey_emails_failed_total\{final="false"\} 2/)
    assert.match(text, /latchkey_emails_sent_total\{template="reset_email"\} 1/)
  })

  it('gives up after the last attempt, and at once on a permanent refusal of the address', async () => {
    await smtp.stop()
    const outbox = server.running.outbox
    const id = await server.running.deps.email.enqueue({ template: 'welcome_email', to: 'late@example.com', userId: null, variables: variables() })
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await outbox.runOnce()
      const record = await server.store.outbox.get(id)
      assert.equal(record?.attempts, attempt)
      assert.equal(record?.status, attempt < MAX_ATTEMPTS ? 'pending' : 'failed')
      server.clock.advance(retryDelayMs(attempt) + 1_000)
    }
    const failed = await server.store.outbox.get(id)
    assert.equal(failed?.sealedMessage, null)

    smtp.mode = 'permanent-refusal'
    await smtp.listen()
    const refused = await server.running.deps.email.enqueue({ template: 'welcome_email', to: 'nobody@example.com', userId: null, variables: variables() })
    await outbox.runOnce()
    const record = await server.store.outbox.get(refused)
    assert.equal(record?.status, 'failed')
    assert.equal(record?.attempts, 1)
    assert.match(record?.lastError ?? '', /550/)
    assert.match(await metricsText(server), /latchkey_emails_failed_total\{final="true"\} 2/)
  })

  it('keeps secrets out of error messages', () => {
    const error = Object.assign(new Error('Invalid login for smtp://mailer:hunter22@mail.example.com\nsecond line'), { code: 'EAUTH', responseCode: 535 })
    assert.equal(shortError(error, ['hunter22']), 'EAUTH 535 Invalid login for smtp://***@mail.example.com')
    assert.equal(shortError(new Error('the password hunter22 was wrong'), ['hunter22']), 'the password *** was wrong')
  })
})

describe('template overrides from LATCHKEY_EMAIL_TEMPLATES', () => {
  it('sends the deployment\'s wording, in the user\'s locale when there is one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-email-templates-'))
    writeFileSync(join(dir, 'reset_email.subject.txt'), 'Password reset at {{ application.name }}\n')
    writeFileSync(join(dir, 'reset_email.fr.subject.txt'), 'Réinitialisez votre mot de passe ({{ application.name }})\n')
    writeFileSync(join(dir, 'reset_email.fr.txt'), 'Bonjour {{ user.name }} : {{ url }}\n')
    writeFileSync(join(dir, 'reset_email.fr.html'), '<p>Bonjour {{ user.name }} : <a href="{{ url }}">lien</a></p>')
    const smtp = await TestSmtpServer.start()
    const server = await startTestServer({ env: { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_EMAIL_TEMPLATES: dir } })
    try {
      assert.ok(server.logs.some((l) => l.includes('email templates overridden')))
      const email = server.running.deps.email
      await email.enqueue({ template: 'reset_email', to: 'zoe@example.com', userId: null, variables: variables({ locale: 'fr-CA', user: { email: 'zoe@example.com', name: 'Zoé & <Co>' } }) })
      await email.enqueue({ template: 'reset_email', to: 'ada@example.com', userId: null, variables: variables({ locale: 'en' }) })
      await server.running.outbox.runOnce()
      await smtp.waitFor(2)
      const fr = smtp.received.find((m) => m.to[0] === 'zoe@example.com')
      const en = smtp.received.find((m) => m.to[0] === 'ada@example.com')
      assert.equal(fr?.subject, 'Réinitialisez votre mot de passe (Appointments)')
      assert.equal(fr?.text.trim(), 'Bonjour Zoé & <Co> : http://localhost/u/reset-password?ticket=T1&a=b')
      assert.ok(fr?.html.includes('<p>Bonjour Zoé &amp; &lt;Co&gt; : <a href="http://localhost/u/reset-password?ticket=T1&amp;a=b">lien</a></p>'))
      assert.equal(en?.subject, 'Password reset at Appointments')
      assert.match(en?.text ?? '', /Someone asked to reset the password/)
    } finally {
      await server.close()
      await smtp.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('STARTTLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-smtp-tls-'))
  const files = throwawayCertificate(dir)
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('upgrades when the server offers it, checking its certificate', { skip: files ? false : 'openssl is not installed: skipped' }, async () => {
    if (!files) return
    const smtp = await TestSmtpServer.start({ tls: { key: readFileSync(files.key, 'utf8'), cert: readFileSync(files.cert, 'utf8') } })
    // A self-signed certificate is refused unless the URL says otherwise (nodemailer's URL options).
    const checked = await startTestServer({ env: { LATCHKEY_SMTP_URL: smtp.url } })
    const trusting = await startTestServer({ env: { LATCHKEY_SMTP_URL: `${smtp.url}?tls.rejectUnauthorized=false` } })
    try {
      const refused = await checked.running.deps.email.enqueue({ template: 'welcome_email', to: 'ada@example.com', userId: null, variables: variables() })
      await checked.running.outbox.runOnce()
      const record = await checked.store.outbox.get(refused)
      assert.equal(record?.status, 'pending')
      assert.match(record?.lastError ?? '', /self[- ]signed|certificate/i)
      assert.equal(smtp.received.length, 0)

      await trusting.running.deps.email.enqueue({ template: 'welcome_email', to: 'ada@example.com', userId: null, variables: variables() })
      await trusting.running.outbox.runOnce()
      await smtp.waitFor(1)
      assert.equal(smtp.received[0]?.secure, true)
    } finally {
      await checked.close()
      await trusting.close()
      await smtp.stop()
    }
  })
})

describe('no email configured', () => {
  it('says so once at start; an email asked for is recorded as failed, without its message', async () => {
    const server = await startTestServer()
    try {
      const email = server.running.deps.email
      assert.equal(email.available, false)
      assert.equal(server.logs.filter((l) => l.includes('email is not configured')).length, 1)
      const id = await email.enqueue({ template: 'reset_email', to: 'ada@example.com', userId: null, variables: variables() })
      const record = await server.store.outbox.get(id)
      assert.equal(record?.status, 'failed')
      assert.equal(record?.sealedMessage, null)
      assert.match(record?.lastError ?? '', /not configured/)
    } finally {
      await server.close()
    }
  })

  it('warns in production (a public issuer), where it is not expected; informs on this machine', async () => {
    const levelOf = (server: TestServer) => server.logs.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.msg.startsWith('email is not configured'))?.level
    const local = await startTestServer()
    const production = await startTestServer({ issuer: 'https://login.example.com/' })
    try {
      assert.equal(levelOf(local), 30)
      assert.equal(levelOf(production), 40)
    } finally {
      await local.close()
      await production.close()
    }
  })
})
