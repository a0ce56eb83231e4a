/**
 * Second factors and upstream connections (issue 15): a connection may trust its provider's MFA
 * (`options.trust_upstream_mfa`): an upstream ID token whose `amr` says `mfa` then counts here, and
 * a deployment with LATCHKEY_MFA=always does not ask again; without that option the upstream's `amr`
 * is ignored and the user enrols a factor of Latchkey's own. A real OpenID provider (oidc-provider)
 * logs its users in with `amr: ['pwd', 'mfa']`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord } from '@latchkey/core'
import { authorizeUrl, Browser, callbackParams, pkce } from './support/browser.js'
import { addConnection, oidcOptions } from './support/connections.js'
import { addApp, startTestServer, type TestServer } from './support/harness.js'
import { claims, tokenRequest } from './support/oauth.js'
import { ALICE, BASIC_CLIENT, type OidcUpstream, startOidcUpstream } from './support/upstreams/oidc-provider.js'

describe('MFA and upstream connections', () => {
  let server: TestServer
  let upstream: OidcUpstream
  let app: ApplicationRecord

  before(async () => {
    server = await startTestServer({ env: { LATCHKEY_MFA: 'always' } })
    upstream = await startOidcUpstream([ALICE], `${server.issuer}login/callback`)
    ;({ app } = await addApp(server.store, { name: 'Federated SPA' }))
    await addConnection(server, { name: 'trusted-sso', strategy: 'oidc', options: oidcOptions(upstream.issuer, BASIC_CLIENT, { trust_upstream_mfa: true }), enabledClients: [app.clientId] })
    await addConnection(server, { name: 'plain-sso', strategy: 'oidc', options: oidcOptions(upstream.issuer, BASIC_CLIENT), enabledClients: [app.clientId] })
  })
  after(async () => {
    await server.close()
    await upstream.close()
  })

  async function loginThrough(connection: string) {
    const browser = new Browser(server.url)
    const { verifier, challenge } = pkce()
    const toProvider = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { connection } })))
    const callback = await upstream.loginThrough(toProvider.headers.get('location') as string, ALICE)
    return { res: await browser.follow(await browser.get(callback.href)), verifier }
  }

  it('a trusted provider that did MFA is not asked again: the tokens say fed and its mfa', async () => {
    const { res, verifier } = await loginThrough('trusted-sso')
    const code = callbackParams(res).get('code')
    assert.ok(code, `a code without a second factor here: ${res.status} ${res.url}`)
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    const amr = claims(tokens.json.id_token).amr as string[]
    assert.ok(amr.includes('fed') && amr.includes('mfa'), JSON.stringify(amr))
  })

  it('without trust_upstream_mfa the provider\'s amr is ignored: the user enrols a factor here', async () => {
    const { res } = await loginThrough('plain-sso')
    assert.equal(res.status, 200)
    assert.equal(new URL(res.url).pathname, '/u/mfa/enroll')
  })

  it('trust_upstream_mfa must be a boolean', async () => {
    const { parseConnectionOptions } = await import('../src/connections/strategies/index.js')
    assert.throws(() => parseConnectionOptions('oidc', { issuer: 'https://idp.example', client_id: 'x', trust_upstream_mfa: 'yes' }), /trust_upstream_mfa: must be a boolean/)
  })
})
