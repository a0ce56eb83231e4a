/**
 * grant_type=client_credentials (RFC 6749 §4.4) with Auth0's rules and wording: only confidential m2m
 * applications, an audience naming a registered API, a client grant for it, requested scopes within
 * the grant; the answer is an access token alone, for `<client_id>@clients`, with Auth0's `gty`.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose'
import { AccessDenied, InvalidScope, type OAuthError, UnauthorizedClient } from '../src/errors.js'
import { clientCredentials, NO_AUDIENCE } from '../src/grants/client-credentials.js'
import type { GrantContext } from '../src/grants/grant.js'
import type { GrantStore } from '../src/ports.js'
import type { ApiRecord, ApplicationRecord, ClientGrantRecord } from '../src/records.js'
import { createApi } from '../src/registration/apis.js'
import { createApplication } from '../src/registration/applications.js'
import { createClientGrant } from '../src/registration/client-grants.js'

const NOW = 1_700_000_000_000
const ISSUER = 'https://login.example.com/'
const { privateKey } = await generateKeyPair('RS256')
const signingKey = async () => ({ kid: 'k1', alg: 'RS256' as const, key: privateKey })

const m2m = createApplication({ name: 'Cron', type: 'm2m' }, NOW).record
const api = createApi({ name: 'Billing', identifier: 'https://billing.example.com/', scopes: ['read:invoices', 'write:invoices', 'delete:invoices'], tokenLifetime: 600 }, NOW)
const other = createApi({ name: 'Other', identifier: 'https://other.example.com/', scopes: ['read:x'] }, NOW)
const grant = createClientGrant({ clientId: m2m.clientId, audience: api.identifier, scope: ['read:invoices', 'write:invoices'] }, { application: m2m, api }, NOW)

/** The ports the grant reads, over plain arrays. */
function storeOf(apis: readonly ApiRecord[], grants: readonly ClientGrantRecord[]): GrantStore {
  return {
    apis: { findByIdentifier: async (identifier: string) => apis.find((a) => a.identifier === identifier) ?? null },
    clientGrants: { find: async (clientId: string, audience: string) => grants.find((g) => g.clientId === clientId && g.audience === audience) ?? null },
  } as unknown as GrantStore
}

function context(client: ApplicationRecord = m2m, store = storeOf([api, other], [grant])): GrantContext {
  return {
    client,
    store,
    issuer: ISSUER,
    clock: { now: () => NOW },
    signingKey,
  }
}

/** The grant as the token endpoint runs it: its parameters parsed, then handled; the token response. */
async function issue(params: Record<string, string>, ctx: GrantContext = context()) {
  const request = clientCredentials.parse(new Map(Object.entries(params).map(([k, v]) => [k, [v]])))
  return (await clientCredentials.handle(ctx, request)).response
}

async function refused(params: Record<string, string>, type: new (d: string) => OAuthError, description: string | RegExp, client?: ApplicationRecord) {
  await assert.rejects(issue(params, context(client)), (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`)
    if (typeof description === 'string') assert.equal(err.description, description)
    else assert.match(err.description, description)
    return true
  })
}

describe('client_credentials grant', () => {
  it('issues an access token alone for the API: sub <client_id>@clients, azp, gty, scope, the API lifetime', async () => {
    const response = await issue({ audience: api.identifier })
    assert.deepEqual(Object.keys(response).sort(), ['access_token', 'expires_in', 'scope', 'token_type'])
    assert.equal(response.token_type, 'Bearer')
    assert.equal(response.expires_in, 600)
    assert.equal(response.scope, 'read:invoices write:invoices')
    assert.equal(decodeProtectedHeader(response.access_token).typ, 'at+jwt')
    const claims = decodeJwt(response.access_token)
    assert.equal(claims.iss, ISSUER)
    assert.equal(claims.sub, `${m2m.clientId}@clients`)
    assert.equal(claims.aud, api.identifier)
    assert.equal(claims.azp, m2m.clientId)
    assert.equal(claims.client_id, m2m.clientId)
    assert.equal(claims.gty, 'client-credentials')
    assert.equal(claims.scope, 'read:invoices write:invoices')
    assert.equal(claims.exp, (claims.iat as number) + 600)
    assert.equal(claims.auth_time, undefined, 'no user authenticated')
    assert.equal(typeof claims.jti, 'string')
  })

  it('narrows to the requested scopes, which must be within the grant (Auth0: access_denied)', async () => {
    const narrowed = await issue({ audience: api.identifier, scope: 'write:invoices' })
    assert.equal(narrowed.scope, 'write:invoices')
    await refused({ audience: api.identifier, scope: 'read:invoices delete:invoices' }, AccessDenied, 'Client has not been granted scopes: delete:invoices')
    await refused({ audience: api.identifier, scope: 'openid profile' }, AccessDenied, 'Client has not been granted scopes: openid profile')
    await refused({ audience: api.identifier, scope: 'read:invoices "quoted"' }, InvalidScope, /malformed/)
  })

  it('no longer grants a scope the API has since removed', async () => {
    const shrunk = { ...api, scopes: api.scopes.filter((s) => s.value !== 'write:invoices') }
    const response = await issue({ audience: api.identifier }, context(m2m, storeOf([shrunk], [grant])))
    assert.equal(response.scope, 'read:invoices')
  })

  it('binds the token to a DPoP key when the request carried a proof', async () => {
    const response = await issue({ audience: api.identifier }, { ...context(), dpop: { jkt: 'x'.repeat(43) } })
    assert.equal(response.token_type, 'DPoP')
    assert.deepEqual(decodeJwt(response.access_token).cnf, { jkt: 'x'.repeat(43) })
  })

  it('requires an audience, as Auth0 does without a default audience', async () => {
    await refused({}, AccessDenied, NO_AUDIENCE)
    assert.equal(NO_AUDIENCE, 'No audience parameter was provided, and no default audience has been configured')
  })

  it('refuses an audience no API has (Auth0: Service not enabled within domain)', async () => {
    await refused({ audience: 'https://nowhere.example.com/' }, AccessDenied, 'Service not enabled within domain: https://nowhere.example.com/')
    await refused({ audience: '<script>' }, AccessDenied, 'Service not enabled within domain: (not shown)')
  })

  it('refuses an API the application has no client grant for', async () => {
    await refused(
      { audience: other.identifier },
      AccessDenied,
      'Client is not authorized to access "https://other.example.com/". You need to create a "client-grant" associated to this API.',
    )
  })

  it('is only for confidential machine-to-machine applications', async () => {
    const spa = createApplication({ name: 'SPA', type: 'spa', callbacks: ['https://app.example.com/cb'] }, NOW).record
    const web = createApplication({ name: 'Web', type: 'regular', callbacks: ['https://app.example.com/cb'] }, NOW).record
    for (const client of [spa, web]) await refused({ audience: api.identifier }, UnauthorizedClient, "Grant type 'client_credentials' not allowed for the client.", client)
  })
})
