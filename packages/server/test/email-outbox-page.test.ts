/**
 * The development outbox: with LATCHKEY_DEV_OUTBOX on (the demo's default) and no SMTP, emails are
 * logged with their link and shown at /dev/outbox, where a newcomer clicks the reset link; the page
 * is not frameable and never cached, and the email's HTML is served sandboxed. Off, /dev/outbox is 404.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { TemplateVariables } from '../src/email/templates.js'
import { startTestServer, type TestServer } from './support/harness.js'

const variables = (url: string): TemplateVariables => ({
  application: { name: 'Appointments' },
  user: { email: 'ada@example.com', name: 'Ada <b>' },
  url,
  organization: null,
  inviter: null,
  locale: null,
})

describe('/dev/outbox on', () => {
  let server: TestServer
  let id: string
  let link: string

  before(async () => {
    server = await startTestServer({ env: { LATCHKEY_DEV_OUTBOX: 'on' } })
    link = `${server.issuer}u/reset-password?ticket=dev-ticket-123`
    id = await server.running.deps.email.enqueue({ template: 'reset_email', to: 'ada@example.com', userId: null, variables: variables(link) })
    await server.running.outbox.runOnce()
  })
  after(() => server.close())

  it('is available, "sends" by logging the recipient, subject and link', async () => {
    assert.equal(server.running.deps.email.available, true)
    assert.equal((await server.store.outbox.get(id))?.status, 'sent')
    const line = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.email === id)
    assert.equal(line?.to, 'ada@example.com')
    assert.equal(line?.subject, 'Reset your password for Appointments')
    assert.equal(line?.link, link)
  })

  it('lists the newest emails: recipient, subject, time, status', async () => {
    const res = await fetch(`${server.url}dev/outbox`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    assert.equal(res.headers.get('x-frame-options'), 'DENY')
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/)
    const page = await res.text()
    assert.ok(page.includes(`href="/dev/outbox/${id}"`))
    assert.ok(page.includes('ada@example.com'))
    assert.ok(page.includes('Reset your password for Appointments'))
    assert.ok(page.includes('sent'))
  })

  it('shows an email: its link to click, its text, and its HTML in a sandboxed frame', async () => {
    const res = await fetch(`${server.url}dev/outbox/${id}`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    assert.equal(res.headers.get('x-frame-options'), 'DENY')
    const page = await res.text()
    assert.ok(page.includes(`<a href="${link}">`))
    assert.ok(page.includes('Hello Ada &lt;b&gt;,'))
    assert.ok(page.includes(`<iframe sandbox title="The email's HTML" src="/dev/outbox/${id}/html"></iframe>`))
    // The link works: it is the server's own page.
    assert.notEqual((await fetch(link)).status, 500)

    const frame = await fetch(`${server.url}dev/outbox/${id}/html`)
    assert.equal(frame.status, 200)
    assert.match(frame.headers.get('content-security-policy') ?? '', /^sandbox; default-src 'none'/)
    assert.equal(frame.headers.get('x-frame-options'), 'SAMEORIGIN')
    assert.match(await frame.text(), /Hello Ada &lt;b&gt;,/)
  })

  it('answers 404 for an unknown or malformed id', async () => {
    for (const path of ['dev/outbox/em_unknown000000000000', 'dev/outbox/nope', 'dev/outbox/em_unknown000000000000/html']) {
      const res = await fetch(`${server.url}${path}`)
      assert.equal(res.status, 404, path)
      await res.body?.cancel()
    }
  })
})

describe('/dev/outbox off', () => {
  it('is not there without LATCHKEY_DEV_OUTBOX (nor with it off under the demo)', async () => {
    for (const opts of [{}, { demo: true, env: { LATCHKEY_DEV_OUTBOX: 'off' } }]) {
      const server = await startTestServer(opts)
      try {
        for (const path of ['dev/outbox', 'dev/outbox/em_x', 'dev/outbox/outbox.css']) {
          const res = await fetch(`${server.url}${path}`)
          assert.equal(res.status, 404, path)
          await res.body?.cancel()
        }
      } finally {
        await server.close()
      }
    }
  })

  it('is on by default with the demo', async () => {
    const server = await startTestServer({ demo: true })
    try {
      const res = await fetch(`${server.url}dev/outbox`)
      assert.equal(res.status, 200)
      assert.match(await res.text(), /No emails yet/)
    } finally {
      await server.close()
    }
  })
})
