/**
 * One email normaliser (@latchkey/core normalizeEmail: NFKC, trimmed, lower case) for the account's
 * lookup, its uniqueness, the per-account rate-limit bucket and the audit log: variants of one address
 * are one account, one bucket and one name in the log.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import { authorizeUrl, Browser, formAction, hiddenField, pkce } from './support/browser.js'
import { addApp, addUser, PASSWORD, type TestServer } from './support/harness.js'
import { limitedServer, LoginForm } from './support/rate-limits.js'

/** The same address as the user would type it in other ways. */
function variants(email: string): string[] {
  const [local, domain] = email.split('@') as [string, string]
  const fullWidth = [...local].map((ch) => (/[a-z]/.test(ch) ? String.fromCharCode(ch.charCodeAt(0) + 0xfee0) : ch)).join('')
  return [email.toUpperCase(), `  ${email}\t`, `${fullWidth}@${domain}`]
}

describe('email addresses: one normal form everywhere', () => {
  let server: TestServer
  let app: ApplicationRecord
  let user: UserRecord

  before(async () => {
    server = await limitedServer({ LATCHKEY_RATE_LIMIT_LOGIN_FAILURES: '3/60', LATCHKEY_RATE_LIMIT_LOGIN: '100/60', LATCHKEY_SIGNUP: 'on' })
    ;({ app } = await addApp(server.store))
    user = await addUser(server.store)
  })
  after(() => server.close())

  it('every variant of the address logs in to the same account', async () => {
    for (const variant of variants(user.email)) {
      const form = await LoginForm.open(server, app.clientId)
      const attempt = await form.post(variant, PASSWORD)
      assert.equal(attempt.status, 303, `${JSON.stringify(variant)}: ${attempt.error}`)
    }
  })

  it('failures with different variants count against one account: the third locks it, even for the right password', async () => {
    const other = await addUser(server.store)
    const form = await LoginForm.open(server, app.clientId)
    const [upper, spaced, fullWidth] = variants(other.email) as [string, string, string]
    assert.equal((await form.post(upper, 'wrong one')).status, 400)
    assert.equal((await form.post(spaced, 'wrong two')).status, 400)
    assert.equal((await form.post(fullWidth, 'wrong three')).status, 400)
    const locked = await form.post(other.email, PASSWORD)
    assert.equal(locked.status, 429, String(locked.error))
  })

  it('the audit log names the normalised address, whatever was typed', async () => {
    const other = await addUser(server.store)
    const form = await LoginForm.open(server, app.clientId)
    const since = Date.now()
    await form.post(variants(other.email)[2] as string, 'wrong')
    const [event] = await server.store.logs.list({ type: 'fp', since, perPage: 1 })
    assert.equal(event?.details.user_name, other.email)
    assert.equal(event?.userId, other.id)
  })

  it('sign-up with a variant of a taken address is refused, and makes no second account', async () => {
    for (const variant of variants(user.email)) {
      const browser = new Browser(server.url)
      const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge: pkce().challenge, extra: { screen_hint: 'signup' } })))
      const html = await page.text()
      assert.equal(new URL(page.url).pathname, '/u/signup')
      const res = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email: variant, password: 'a long enough new password 123' })
      assert.equal(res.status, 400, JSON.stringify(variant))
      assert.match(await res.text(), /We could not create an account with this email address/)
    }
    assert.equal((await server.store.users.findByEmail(variants(user.email)[2] as string))?.id, user.id)
  })
})
