/**
 * logout: local state cleared, refresh tokens revoked (RFC 7009, best effort), and the URL of the
 * server's logout (RP-Initiated Logout, or Auth0's /v2/logout when discovery lists none).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LoginRequiredError } from '../src/index.js'
import { CLIENT_ID, clientFor, createFakeIssuer, ISSUER, login } from './support/fake-issuer.js'

describe('logout', () => {
  it('clears the session, revokes every refresh token and returns the end_session_endpoint URL', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    await login(client, fake)
    await login(client, fake, { audience: 'https://other.example.com/' })
    const refreshTokens = [...fake.refreshTokens.keys()]
    const failures: unknown[] = []
    const url = new URL(await client.logout({ returnTo: 'https://app.example.com/', onRevocationError: (err) => failures.push(err) }))
    assert.deepEqual(failures, [])
    assert.equal(`${url.origin}${url.pathname}`, `${ISSUER}oidc/logout`)
    assert.equal(url.searchParams.get('client_id'), CLIENT_ID)
    assert.equal(url.searchParams.get('post_logout_redirect_uri'), 'https://app.example.com/')
    assert.match(url.searchParams.get('id_token_hint') ?? '', /^ey[\w-]+\.[\w-]+\.[\w-]+$/)
    assert.equal(url.searchParams.has('federated'), false)
    assert.deepEqual(new Set(fake.revoked), new Set(refreshTokens))
    const revocation = fake.requests.find((r) => r.url === `${ISSUER}oauth/revoke`)
    const body = new URLSearchParams(await revocation?.text())
    assert.equal(body.get('token_type_hint'), 'refresh_token')
    assert.equal(body.get('client_id'), CLIENT_ID)
    assert.equal(await client.getUser(), null)
    assert.equal(await client.isAuthenticated(), false)
    await assert.rejects(client.getAccessToken(), LoginRequiredError)
    await assert.rejects(client.getAccessToken({ audience: 'https://other.example.com/' }), LoginRequiredError)
  })

  it('falls back to /v2/logout (returnTo, federated) when discovery has no end_session_endpoint', async () => {
    const fake = await createFakeIssuer({ noEndSession: true })
    const client = clientFor(fake)
    await login(client, fake)
    const url = new URL(await client.logout({ returnTo: 'https://app.example.com/', federated: true }))
    assert.equal(`${url.origin}${url.pathname}`, `${ISSUER}v2/logout`)
    assert.deepEqual(Object.fromEntries(url.searchParams), { client_id: CLIENT_ID, returnTo: 'https://app.example.com/', federated: '' })
  })

  it('logs out locally even when revocation fails, and works when nobody is logged in', async () => {
    const fake = await createFakeIssuer()
    const failing = async (input: string | URL | Request, init?: RequestInit) => {
      if (new Request(input, init).url.endsWith('/oauth/revoke')) throw new TypeError('network down')
      return fake.fetch(input, init)
    }
    const client = clientFor(fake, { fetch: failing })
    await login(client, fake)
    const failures: unknown[] = []
    const url = new URL(await client.logout({ onRevocationError: (err) => failures.push(err) }))
    assert.equal(failures.length, 1, 'the failed revocation is reported')
    assert.match(String(failures[0]), /network down/)
    assert.equal(url.searchParams.has('post_logout_redirect_uri'), false)
    assert.equal(await client.getUser(), null)
    const again = new URL(await client.logout({ onRevocationError: (err) => failures.push(err) }))
    assert.equal(failures.length, 1, 'nothing to revoke the second time')
    assert.equal(again.searchParams.get('client_id'), CLIENT_ID)
    assert.equal(again.searchParams.has('id_token_hint'), false)
  })
})
