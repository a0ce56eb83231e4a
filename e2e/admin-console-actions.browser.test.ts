/**
 * The admin console's Actions and Signing keys pages in a real browser (Debian's Chromium through
 * playwright-core). An administrator writes a post-login action that adds a custom claim from a
 * secret, tests it against the sample event, deploys it and binds it to post-login; a real login
 * through the seed's flow then gets the claim in its ID token. A syntax error is refused at deploy
 * with the API's message beside the editor. A second action is added to the flow, moved and deleted.
 * On the keys page, a rotation (after its confirmation) publishes the new key in the JWKS at once,
 * and a token issued once the rotation delay has passed is signed by it; the previous key is then
 * revoked after a typed confirmation. A read-only administrator sees both pages with every change
 * control disabled. Every page: no console errors, axe-core, 360 px, screenshots.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { decodeProtectedHeader } from 'jose'
import { authorizeUrl, Browser as HttpBrowser, callbackParams, loginThrough, pkce } from '../packages/server/test/support/browser.js'
import { addApp, addUser, PASSWORD } from '../packages/server/test/support/harness.js'
import { claims, serverJwks, tokenRequest } from '../packages/server/test/support/oauth.js'
import { audit, type ConsoleRig, forgetErrors, openConsole, startConsoleRig } from './support/admin-console.js'
import { skipWithoutChromium } from './support/chromium.js'

const SEED_CALLBACK = 'http://localhost:4000/callback'
const CLAIM = 'https://example.com/role'
const ACTION_CODE = `exports.onExecutePostLogin = async (event, api) => {
  console.log('adding the role for', event.user.email);
  api.idToken.setCustomClaim('${CLAIM}', event.secrets.ROLE);
};
`
const BROKEN_CODE = `exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('${CLAIM}', 'tester'
};
`

describe("the admin console's Actions and Signing keys pages in a real browser", { skip: skipWithoutChromium }, () => {
  let rig: ConsoleRig
  let clientId: string
  let person: { email: string }
  let rotatedKid: string
  let oldKid: string

  /** The seed's flow (PKCE, the login page, the code for tokens) for the person: the token endpoint's answer. */
  async function seedLogin(): Promise<Record<string, unknown>> {
    const { server } = rig
    const { verifier, challenge } = pkce()
    const http = new HttpBrowser(server.url)
    const url = authorizeUrl(server.issuer, { clientId, redirectUri: SEED_CALLBACK, scope: 'openid profile email', challenge })
    const params = callbackParams(await loginThrough(http, url, person.email, PASSWORD))
    const code = params.get('code')
    assert.ok(code, `a code, not ${params.toString()}`)
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: clientId, code, code_verifier: verifier, redirect_uri: SEED_CALLBACK })
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json))
    return tokens.json
  }

  before(async () => {
    rig = await startConsoleRig('actions')
    clientId = (await addApp(rig.server.store, { name: 'Seed SPA', callbacks: [SEED_CALLBACK], webOrigins: ['http://localhost:4000'] })).app.clientId
    person = await addUser(rig.server.store)
  })
  after(async () => {
    await rig?.close()
  })

  it('writes, tests, deploys and binds a post-login action; the next login gets its claim; a syntax error is refused with the API\'s message', async () => {
    const { server, browser, shots, admin } = rig
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, admin.email, 'actions')
    const { page } = watched
    await page.getByText('No actions yet').waitFor()
    await page.getByText('No action runs at Post login.').waitFor()
    await audit(watched, shots, 'actions-empty')

    // Create: a name and the trigger (post-login by default).
    await page.getByRole('button', { name: 'Create action' }).click()
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    assert.equal(await page.locator('#action-name-error').textContent(), 'Give the action a name, e.g. add-role-claim.')
    await page.getByLabel('Name').fill('add-role-claim')
    assert.equal(await page.getByLabel('Trigger').inputValue(), 'post-login')
    await audit(watched, shots, 'action-create')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'add-role-claim' }).waitFor()
    const code = page.getByLabel('Code')
    assert.match(await code.inputValue(), /^\/\*\*\n \* Handler that will be called during the execution of a PostLogin flow\.[^]*\nexports\.onExecutePostLogin = async \(event, api\) => \{\n\};\n$/)
    assert.equal(await page.getByTestId('action-status').textContent(), 'Not deployed')

    // The editor: Tab indents; Esc then Tab leaves it, as the hint says.
    await code.fill('x')
    await code.press('End')
    await code.press('Tab')
    assert.equal(await code.inputValue(), 'x  ')
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'action-code')
    await code.press('Escape')
    await page.keyboard.press('Tab')
    assert.notEqual(await page.evaluate(() => document.activeElement?.id), 'action-code')

    // A syntax error: the draft saves, the deploy is refused with the compiler's message beside the editor.
    await code.fill(BROKEN_CODE)
    await page.getByRole('button', { name: 'Deploy' }).click()
    const refusal = page.locator('#action-code-error')
    await refusal.waitFor()
    assert.match((await refusal.textContent()) ?? '', /^The action's code does not compile: SyntaxError: missing \) after argument list \(line 2\)\. Nothing was deployed\.$/)
    assert.equal(await code.getAttribute('aria-invalid'), 'true')
    forgetErrors(watched, /status of 400/)
    await audit(watched, shots, 'action-syntax-error')

    // The real code, reading a secret: its value is sent once and never shown back.
    await code.fill(ACTION_CODE)
    await page.getByLabel('Secret name').fill('ROLE')
    await page.getByLabel('Secret value').fill('tester')
    await page.getByRole('button', { name: 'Add secret' }).click()
    await page.getByTestId('unsaved').waitFor()
    await page.getByRole('button', { name: 'Save draft' }).click()
    await page.getByText('Draft saved. It runs once deployed.').waitFor()
    assert.equal(await page.getByTestId('unsaved').count(), 0)
    assert.equal(await refusal.count(), 0, 'the error is gone once saved')
    assert.match((await page.locator('.secrets').textContent()) ?? '', /ROLE\s*value hidden/)
    assert.equal(await page.getByLabel('Secret value').inputValue(), '')
    assert.equal(((await page.locator('main').textContent()) ?? '').includes('tester'), false, 'the secret is not shown')

    // Test against the sample post-login event: the claim it asks for, and its console output.
    assert.match(await page.getByLabel('Sample event (JSON)').inputValue(), /"protocol": "oidc-basic-profile"/)
    await page.getByRole('button', { name: 'Run test' }).click()
    const result = page.locator('.test-result')
    await result.waitFor()
    const shown = (await result.textContent()) ?? ''
    assert.match(shown, /The action ran in [\d.]+ ms\./)
    assert.match(shown, /idToken\.setCustomClaim/)
    assert.ok(shown.includes(`"name":"${CLAIM}","value":"tester"`), shown)
    assert.match(shown, /adding the role for jane\.smith@example\.com/)
    await audit(watched, shots, 'action-tested')

    // Deploy, then bind it to post-login.
    await page.getByRole('button', { name: 'Deploy' }).click()
    await page.getByText('Deployed version 1. It is not in the Post login flow yet').waitFor()
    assert.equal(await page.getByTestId('action-status').textContent().then((t) => t?.split(',')[0]), 'Deployed (version 1)')
    await page.getByRole('button', { name: 'Add to the Post login flow' }).click()
    await page.getByText('1st at Post login').waitFor()
    await audit(watched, shots, 'action')

    // The seed's flow: the claim is in the ID token.
    const tokens = await seedLogin()
    assert.equal(claims(tokens.id_token)[CLAIM], 'tester')

    // A second action, added through the Actions page's flow, moved first, then deleted after the question.
    await page.getByRole('link', { name: '← Actions' }).click()
    await page.getByRole('button', { name: 'Create action' }).click()
    await page.getByLabel('Name').fill('log-logins')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'log-logins' }).waitFor()
    await page.getByRole('button', { name: 'Deploy' }).click()
    await page.getByText('Deployed version 1.').waitFor()
    await page.getByRole('link', { name: '← Actions' }).click()
    await page.getByRole('row').filter({ hasText: 'add-role-claim' }).filter({ hasText: '1st at Post login' }).waitFor()
    await page.getByRole('row').filter({ hasText: 'log-logins' }).filter({ hasText: 'Not bound' }).waitFor()
    await page.getByLabel('Deployed action to add').selectOption({ label: 'log-logins' })
    await page.getByRole('button', { name: 'Add to the flow' }).click()
    await page.getByText('log-logins now runs 2nd.').waitFor()
    await page.getByRole('button', { name: 'Move log-logins up' }).click()
    await page.getByText('log-logins now runs 1st.').waitFor()
    const order = await page.getByRole('list', { name: 'Post login flow' }).getByRole('link').allTextContents()
    assert.deepEqual(order, ['log-logins', 'add-role-claim'])
    assert.deepEqual(
      (await server.store.actions.bound('post-login')).map((b) => b.name),
      ['log-logins', 'add-role-claim'],
    )
    await audit(watched, shots, 'actions')
    await page.getByRole('list', { name: 'Post login flow' }).getByRole('link', { name: 'log-logins' }).click()
    await page.getByRole('heading', { level: 1, name: 'log-logins' }).waitFor()
    await page.getByRole('button', { name: 'Delete' }).click()
    assert.match((await page.getByRole('alertdialog').textContent()) ?? '', /Delete the action log-logins \(it is removed from the Post login flow first\)\?/)
    await page.getByRole('button', { name: 'Yes, delete' }).click()
    await page.getByRole('heading', { level: 1, name: 'Actions' }).waitFor()
    await page.getByRole('row').filter({ hasText: 'add-role-claim' }).filter({ hasText: '1st at Post login' }).waitFor()
    assert.equal(await page.getByRole('link', { name: 'log-logins' }).count(), 0)
    assert.deepEqual(
      (await server.store.actions.bound('post-login')).map((b) => b.name),
      ['add-role-claim'],
    )
    assert.equal(claims((await seedLogin()).id_token)[CLAIM], 'tester', 'the flow runs on without the deleted action')
    assert.deepEqual(watched.errors, [])
    await context.close()
  })

  it('rotates the signing keys after a confirmation: the new key is in the JWKS at once and signs tokens after the delay', async () => {
    const { server, browser, shots, admin } = rig
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, admin.email, 'keys')
    const { page } = watched
    const cards = page.locator('.key-card')
    await cards.first().waitFor()
    assert.equal(await cards.count(), 1)
    oldKid = decodeProtectedHeader(String((await seedLogin()).id_token)).kid ?? ''
    assert.match((await cards.first().textContent()) ?? '', new RegExp(`Current\\s*${oldKid}`))
    assert.match((await cards.first().textContent()) ?? '', /RS256/)
    await page.getByText('Public key (PEM)').click()
    assert.match((await cards.first().locator('pre').textContent()) ?? '', /^-----BEGIN PUBLIC KEY-----/)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PEM' }).click()])
    assert.equal(download.suggestedFilename(), `${oldKid}.pem`)
    const saved = await download.path()
    assert.match(readFileSync(saved, 'utf8'), /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/)
    await audit(watched, shots, 'keys')

    await page.getByRole('button', { name: 'Rotate keys' }).click()
    const question = (await page.getByRole('alertdialog').textContent()) ?? ''
    assert.match(question, /published in the JWKS now, and starts signing tokens after the rotation delay \(10 minutes\)/)
    assert.match(question, /Tokens signed with the current key stay valid until they expire/)
    await audit(watched, shots, 'keys-rotate-question')
    await page.getByRole('button', { name: 'Yes, rotate' }).click()
    const done = page.getByRole('status')
    await done.waitFor()
    rotatedKid = /key (\S+) is in the JWKS now and starts signing at /.exec((await done.textContent()) ?? '')?.[1] ?? ''
    assert.ok(rotatedKid !== '' && rotatedKid !== oldKid, (await done.textContent()) ?? '')
    assert.ok((await serverJwks(server)).keys.some((k) => k.kid === rotatedKid), 'the new key is published at once')
    assert.match((await page.locator('.key-card').filter({ hasText: rotatedKid }).textContent()) ?? '', /Next.*Published; starts signing at/s)
    assert.ok(await page.getByRole('button', { name: 'Rotate keys' }).isDisabled(), 'one rotation at a time')
    await page.getByTestId('rotation-waiting').waitFor()
    assert.equal(decodeProtectedHeader(String((await seedLogin()).id_token)).kid, oldKid, 'the old key signs during the delay')
    await audit(watched, shots, 'keys-rotated')
    await context.close()

    // Past the delay, tokens are signed by the new key (and verify with the JWKS).
    server.clock.advance(11 * 60_000)
    server.running.deps.keys.invalidate()
    const after = await seedLogin()
    assert.equal(decodeProtectedHeader(String(after.id_token)).kid, rotatedKid)
    assert.equal(claims(after.id_token)[CLAIM], 'tester')
  })

  it('shows a read-only administrator the actions and keys with every change control disabled', async () => {
    const { server, browser, shots, readOnly } = rig
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, readOnly.email, 'actions')
    const { page } = watched
    assert.ok(await page.getByRole('button', { name: 'Create action' }).isDisabled())
    await page.getByRole('list', { name: 'Post login flow' }).waitFor()
    assert.ok(await page.getByRole('button', { name: 'Remove add-role-claim from the flow' }).isDisabled())
    await audit(watched, shots, 'actions-read-only')
    await page.getByRole('row').getByRole('link', { name: 'add-role-claim' }).click()
    await page.getByRole('heading', { level: 1, name: 'add-role-claim' }).waitFor()
    assert.equal(await page.getByLabel('Code').getAttribute('readonly'), '')
    for (const name of ['Save draft', 'Deploy', 'Run test', 'Delete', 'Add secret', 'Remove from the flow']) assert.ok(await page.getByRole('button', { name, exact: true }).isDisabled(), name)
    await audit(watched, shots, 'action-read-only')
    await page.getByRole('link', { name: 'Signing keys' }).click()
    await page.locator('.key-card').first().waitFor()
    assert.ok(await page.getByRole('button', { name: 'Rotate keys' }).isDisabled())
    assert.ok(await page.getByRole('button', { name: 'Revoke' }).isDisabled())
    await audit(watched, shots, 'keys-read-only')
    await context.close()
  })

  it('revokes the previous key after the administrator types the start of its kid: it leaves the JWKS', async () => {
    const { server, browser, shots, admin } = rig
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, admin.email, 'keys')
    const { page } = watched
    const previous = page.locator('.key-card').filter({ hasText: oldKid })
    assert.match((await previous.textContent()) ?? '', /Previous.*Signed until/s)
    assert.match((await page.locator('.key-card').filter({ hasText: rotatedKid }).textContent()) ?? '', /Current.*Signing since/s)
    await previous.getByRole('button', { name: 'Revoke' }).click()
    assert.match((await page.getByRole('alertdialog').textContent()) ?? '', /every token it signed that is still valid .* stops verifying/)
    await page.getByRole('button', { name: 'Revoke the key' }).click()
    await page.getByText(`Type ${oldKid.slice(0, 8)} to confirm.`, { exact: true }).last().waitFor()
    await page.getByLabel(`Type ${oldKid.slice(0, 8)} to confirm`).fill(oldKid.slice(0, 8))
    await audit(watched, shots, 'keys-revoke-question')
    await page.getByRole('button', { name: 'Revoke the key' }).click()
    await page.getByText(`Revoked ${oldKid}: it is no longer in the JWKS.`).waitFor()
    assert.equal((await serverJwks(server)).keys.some((k) => k.kid === oldKid), false)
    await page.waitForFunction((kid) => ![...document.querySelectorAll('.key-card')].some((card) => card.textContent?.includes(kid)), oldKid)
    await audit(watched, shots, 'keys-revoked')
    await context.close()
  })
})
