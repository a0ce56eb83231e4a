/**
 * /authorize request parsing, read against the specifications it implements: RFC 6749 (§3.1, §3.1.2,
 * §3.3, §4.1.1, §4.1.2.1), RFC 7636 (PKCE), RFC 9700 (OAuth 2.0 Security BCP), RFC 8252 §7.3
 * (loopback redirects), RFC 9449 §10 (dpop_jkt), OpenID Connect Core §3.1.2.1 and §6, and Auth0's
 * `audience`, `organization`, `invitation` and `connection` parameters.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type AuthorizeLookups, type AuthorizeParseResult, parseAuthorizeRequest } from '../src/authorize/parse-request.js'
import { sha256 } from '../src/opaque.js'
import { MAX_PARAM_LENGTH } from '../src/params.js'
import { DEFAULT_REFRESH_POLICY } from '../src/registration/applications.js'
import { s256Challenge } from '../src/pkce.js'
import type { ApiRecord, ApplicationRecord, ConnectionRecord, InvitationRecord, OrganizationRecord } from '../src/records.js'

const NOW = 1_700_000_000_000
const CALLBACK = 'https://app.example.com/callback'
const ORIGIN = 'https://app.example.com'
const CHALLENGE = s256Challenge('v'.repeat(43))
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
const TICKET = 'T1cketT1cketT1cketT1cket'

const application = (overrides: Partial<ApplicationRecord> = {}): ApplicationRecord => ({
  clientId: 'spa-client',
  name: 'SPA',
  appType: 'spa',
  tokenEndpointAuthMethod: 'none',
  clientSecretHash: null,
  callbacks: [CALLBACK],
  allowedLogoutUrls: [],
  webOrigins: [ORIGIN],
  allowedOrigins: [],
  grantTypes: ['authorization_code', 'refresh_token'],
  isFirstParty: true,
  refreshToken: { ...DEFAULT_REFRESH_POLICY, idleLifetimeSeconds: 86_400 },
  organizationUsage: 'allow',
  organizationRequireBehavior: 'no_prompt',
  initiateLoginUri: null,
  createdAt: NOW,
  updatedAt: NOW,
  ...overrides,
})

const APPS: readonly ApplicationRecord[] = [
  application(),
  application({
    clientId: 'web-client',
    appType: 'regular_web',
    tokenEndpointAuthMethod: 'client_secret_post',
    clientSecretHash: sha256('secret'),
    callbacks: ['https://web.example.com/cb', 'https://web.example.com/other-cb'],
    webOrigins: [],
    grantTypes: ['authorization_code'],
  }),
  application({ clientId: 'native-client', appType: 'native', callbacks: ['http://127.0.0.1/cb', 'com.example.app:/cb'], webOrigins: [] }),
  application({ clientId: 'loopback-web-client', appType: 'regular_web', tokenEndpointAuthMethod: 'client_secret_basic', callbacks: ['http://127.0.0.1/cb'] }),
  application({ clientId: 'm2m-client', appType: 'non_interactive', tokenEndpointAuthMethod: 'client_secret_post', grantTypes: ['client_credentials'] }),
  application({ clientId: 'no-callbacks-client', callbacks: [] }),
  application({ clientId: 'deny-orgs-client', organizationUsage: 'deny' }),
  application({ clientId: 'require-org-client', organizationUsage: 'require', organizationRequireBehavior: 'no_prompt' }),
  application({ clientId: 'prompt-org-client', organizationUsage: 'require', organizationRequireBehavior: 'pre_login_prompt' }),
]

const api = (overrides: Partial<ApiRecord>): ApiRecord => ({
  id: 'api_1',
  name: 'Items',
  identifier: 'https://api.example.com/',
  scopes: [{ value: 'read:items', description: 'Read items' }, { value: 'write:items', description: 'Write items' }],
  allowOfflineAccess: true,
  tokenLifetime: 86_400,
  skipConsentForFirstParty: true,
  signingAlg: 'RS256',
  enforcePolicies: false,
  tokenDialect: 'access_token',
  createdAt: NOW,
  updatedAt: NOW,
  ...overrides,
})

const APIS: readonly ApiRecord[] = [
  api({}),
  api({ id: 'api_2', identifier: 'https://no-offline.example.com/', allowOfflineAccess: false }),
  api({ id: 'api_mgmt', identifier: 'https://issuer.example.com/api/v2/', isSystem: true, scopes: [{ value: 'read:users', description: '' }] }),
]

const ACME: OrganizationRecord = {
  id: 'org_AbCdEfGh12345678',
  name: 'acme',
  displayName: 'Acme Inc.',
  branding: null,
  metadata: {},
  createdAt: NOW,
  updatedAt: NOW,
}

const invitation = (overrides: Partial<InvitationRecord> = {}): InvitationRecord => ({
  id: 'uinv_AbCdEfGh12345678',
  orgId: ACME.id,
  clientId: 'spa-client',
  inviterName: 'Ada',
  inviteeEmail: 'new@example.com',
  roles: [],
  ticketHash: sha256(TICKET),
  createdAt: NOW - 1000,
  expiresAt: NOW + 86_400_000,
  consumedAt: null,
  ...overrides,
})

const GITHUB: ConnectionRecord = {
  id: 'con_AbCdEfGh12345678',
  name: 'github',
  displayName: null,
  strategy: 'github',
  options: {},
  sealedClientSecret: null,
  enabledClients: ['spa-client'],
  isDomainConnection: false,
  metadata: {},
  createdAt: NOW,
  updatedAt: NOW,
}

/** In-memory lookups; `calls` records every store access, to show what is never looked up. */
function fakeLookups(opts: { invitation?: InvitationRecord | null } = {}) {
  const calls: string[] = []
  const lookups: AuthorizeLookups = {
    now: NOW,
    applications: {
      get: async (clientId) => {
        calls.push(`applications.get ${clientId.slice(0, 40)}`)
        return APPS.find((a) => a.clientId === clientId) ?? null
      },
    },
    apis: {
      findByIdentifier: async (identifier) => {
        calls.push(`apis.findByIdentifier ${identifier.slice(0, 40)}`)
        return APIS.find((a) => a.identifier === identifier) ?? null
      },
    },
    connections: {
      findByName: async (name) => {
        calls.push(`connections.findByName ${name.slice(0, 40)}`)
        return name === GITHUB.name ? GITHUB : null
      },
    },
    organizations: {
      get: async (id) => (id === ACME.id ? ACME : null),
      findByName: async (name) => (name === ACME.name ? ACME : null),
      isMember: async () => false,
      // Acme logs in through other connections than GitHub.
      connectionEnabled: async (orgId, connectionId) => !(orgId === ACME.id && connectionId === GITHUB.id),
    },
    invitations: {
      get: async (id) => (opts.invitation?.id === id ? opts.invitation : null),
      findByTicketHash: async (hash) => (opts.invitation?.ticketHash === hash ? opts.invitation : null),
    },
  }
  return { lookups, calls }
}

type Params = Record<string, string | readonly string[]>

/** A valid request from the public SPA; `overrides` replace or (with undefined) remove parameters. */
function request(overrides: Record<string, string | readonly string[] | undefined> = {}): Params {
  const base: Record<string, string | readonly string[] | undefined> = {
    client_id: 'spa-client',
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid profile',
    state: 'xyz',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...overrides,
  }
  return Object.fromEntries(Object.entries(base).filter((e): e is [string, string | readonly string[]] => e[1] !== undefined))
}

function toRaw(params: Params): Map<string, readonly string[]> {
  return new Map(Object.entries(params).map(([name, value]) => [name, typeof value === 'string' ? [value] : value]))
}

async function parse(params: Params, opts: { invitation?: InvitationRecord | null } = {}): Promise<AuthorizeParseResult> {
  return parseAuthorizeRequest(toRaw(params), fakeLookups(opts).lookups)
}

type Ok = Extract<AuthorizeParseResult, { kind: 'ok' }>
type RedirectError = Extract<AuthorizeParseResult, { kind: 'redirect-error' }>
type PageError = Extract<AuthorizeParseResult, { kind: 'page' }>

function describeResult(r: AuthorizeParseResult): string {
  return r.kind === 'ok' ? 'ok' : `${r.kind}: ${r.error.error}: ${r.error.description}`
}

async function expectOk(params: Params, opts: { invitation?: InvitationRecord | null } = {}): Promise<Ok> {
  const r = await parse(params, opts)
  assert.equal(r.kind, 'ok', describeResult(r))
  return r as Ok
}

async function expectRedirectError(params: Params, error: string, description?: RegExp, opts: { invitation?: InvitationRecord | null } = {}): Promise<RedirectError> {
  const r = await parse(params, opts)
  assert.equal(r.kind, 'redirect-error', describeResult(r))
  const e = r as RedirectError
  assert.equal(e.error.error, error, describeResult(r))
  if (description) assert.match(e.error.description, description)
  return e
}

async function expectPage(params: Params, description?: RegExp, opts: { invitation?: InvitationRecord | null } = {}): Promise<PageError> {
  const r = await parse(params, opts)
  assert.equal(r.kind, 'page', describeResult(r))
  const e = r as PageError
  assert.equal(e.error.error, 'invalid_request')
  if (description) assert.match(e.error.description, description)
  return e
}

describe('RFC 6749 §3.1.2.4, §4.1.2.1: until the client and redirect URI are trusted, errors are shown on a page', () => {
  it('a valid public-client request parses into the stored request, with every optional value at its default', async () => {
    const r = await expectOk(request())
    assert.equal(r.app.clientId, 'spa-client')
    assert.equal(r.api, null)
    assert.equal(r.organization, null)
    assert.equal(r.invitation, null)
    assert.deepEqual(r.request, {
      clientId: 'spa-client',
      redirectUri: CALLBACK,
      redirectUriProvided: true,
      responseMode: 'query',
      scope: ['openid', 'profile'],
      audience: null,
      state: 'xyz',
      nonce: null,
      codeChallenge: CHALLENGE,
      codeChallengeMethod: 'S256',
      prompt: [],
      maxAge: null,
      loginHint: null,
      screenHint: null,
      organization: null,
      invitation: null,
    })
  })

  it('OIDC Core §3.1.2.1: a missing client_id is refused on a page (an empty value counts as missing, RFC 6749 §3.1)', async () => {
    await expectPage(request({ client_id: undefined }), /^Missing required parameter: client_id$/)
    await expectPage(request({ client_id: '' }), /^Missing required parameter: client_id$/)
  })

  it('RFC 6749 §4.1.2.1: an unknown client_id is never redirected to, even with a redirect_uri and state', async () => {
    const r = await expectPage(request({ client_id: 'nobody', redirect_uri: 'https://attacker.example/cb' }), /^Unknown client: nobody$/)
    assert.deepEqual(Object.keys(r), ['kind', 'error'])
    // The unknown value is not echoed when it is not identifier-shaped.
    await expectPage(request({ client_id: '<script>alert(1)</script>' }), /^Unknown client: \(not shown\)$/)
  })

  it('a client_id over 256 characters is refused as unknown without a store lookup', async () => {
    const { lookups, calls } = fakeLookups()
    const r = await parseAuthorizeRequest(toRaw(request({ client_id: 'c'.repeat(257) })), lookups)
    assert.equal(r.kind, 'page')
    assert.equal(r.kind === 'page' && r.error.description, 'Unknown client.')
    assert.deepEqual(calls, [])
  })

  it('RFC 6749 §3.1: a repeated client_id or redirect_uri is refused on a page, never redirected', async () => {
    await expectPage(request({ client_id: ['spa-client', 'spa-client'] }), /^Parameter "client_id" is repeated\.$/)
    await expectPage(request({ redirect_uri: [CALLBACK, CALLBACK] }), /^Parameter "redirect_uri" is repeated\.$/)
    // An empty value still counts as an occurrence.
    await expectPage(request({ redirect_uri: ['', CALLBACK] }), /repeated/)
  })

  it('RFC 6749 §3.1.2.3, RFC 9700 §2.1: redirect_uri must match exactly a registered one', async () => {
    const near = [
      `${CALLBACK}/`,
      `${CALLBACK}?x=1`,
      `${CALLBACK}#frag`,
      'https://APP.example.com/callback',
      'https://app.example.com/Callback',
      'https://app.example.com:443/callback',
      'http://app.example.com/callback',
      'https://app.example.com/callback/../callback',
      'https://app.example.com.attacker.example/callback',
      'https://user@app.example.com/callback',
      ORIGIN,
    ]
    for (const uri of near) {
      const r = await expectPage(request({ redirect_uri: uri }), /not in the application's list of allowed callback URLs/)
      assert.equal(r.kind, 'page', uri)
    }
  })

  it('RFC 6749 §3.1.2.3: redirect_uri may be omitted only when exactly one callback is registered', async () => {
    const one = await expectOk(request({ redirect_uri: undefined }))
    assert.equal(one.request.redirectUri, CALLBACK)
    assert.equal(one.request.redirectUriProvided, false)
    // RFC 6749 §3.1: an empty redirect_uri is the same as none.
    assert.equal((await expectOk(request({ redirect_uri: '' }))).request.redirectUriProvided, false)
    await expectPage(request({ client_id: 'web-client', redirect_uri: undefined }), /redirect_uri is required: the application has several allowed callback URLs/)
    await expectPage(request({ client_id: 'no-callbacks-client', redirect_uri: undefined }), /no allowed callback URLs/)
    await expectPage(request({ client_id: 'no-callbacks-client' }), /not in the application's list/)
  })

  it('a redirect_uri over MAX_PARAM_LENGTH is refused on a page', async () => {
    await expectPage(request({ redirect_uri: `${CALLBACK}?${'a'.repeat(MAX_PARAM_LENGTH)}` }), /^redirect_uri is too long\.$/)
  })

  it('RFC 8252 §7.3: a native app\'s loopback IP redirect matches on any port, and only for native apps', async () => {
    const native = await expectOk(request({ client_id: 'native-client', redirect_uri: 'http://127.0.0.1:51004/cb' }))
    assert.equal(native.request.redirectUri, 'http://127.0.0.1:51004/cb')
    await expectPage(request({ client_id: 'native-client', redirect_uri: 'http://127.0.0.1:51004/other' }))
    await expectPage(request({ client_id: 'native-client', redirect_uri: 'http://localhost:51004/cb' }))
    await expectPage(request({ client_id: 'loopback-web-client', redirect_uri: 'http://127.0.0.1:51004/cb' }))
  })

  it('response_mode=web_message may target one of the app\'s web origins; other modes may not', async () => {
    const r = await expectOk(request({ redirect_uri: ORIGIN, response_mode: 'web_message' }))
    assert.equal(r.request.redirectUri, ORIGIN)
    assert.equal(r.request.responseMode, 'web_message')
    await expectPage(request({ redirect_uri: ORIGIN, response_mode: 'query' }))
    await expectPage(request({ redirect_uri: ORIGIN }))
    await expectPage(request({ redirect_uri: ORIGIN, response_mode: ['web_message', 'web_message'] }))
  })
})

describe('RFC 6749 §4.1.2.1: errors after the redirect URI is established go back to it with state', () => {
  it('§4.1.2.1: the error carries the app, the resolved redirect URI, the response mode and the state as sent (or none)', async () => {
    const state = 'a b+c/=%é😀'
    const r = await expectRedirectError(request({ response_type: undefined, state }), 'invalid_request', /^Missing required parameter: response_type$/)
    assert.equal(r.app.clientId, 'spa-client')
    assert.equal(r.redirectUri, CALLBACK)
    assert.equal(r.responseMode, 'query')
    assert.equal(r.state, state)
    const defaulted = await expectRedirectError(request({ response_type: undefined, redirect_uri: undefined }), 'invalid_request')
    assert.equal(defaulted.redirectUri, CALLBACK)
    // Without a state, or with an empty one (RFC 6749 §3.1), the error carries none.
    assert.equal((await expectRedirectError(request({ response_type: undefined, state: undefined }), 'invalid_request')).state, null)
    assert.equal((await expectRedirectError(request({ response_type: undefined, state: '' }), 'invalid_request')).state, null)
  })

  it('RFC 6749 §3.1: a repeated parameter is refused, back to the app (a repeated state is not echoed)', async () => {
    const scope = await expectRedirectError(request({ scope: ['openid', 'email'] }), 'invalid_request', /^Parameter "scope" is repeated\.$/)
    assert.equal(scope.state, 'xyz')
    await expectRedirectError(request({ nonce: ['', 'n'] }), 'invalid_request', /^Parameter "nonce" is repeated\.$/)
    await expectRedirectError(request({ unknown_extension: ['a', 'b'] }), 'invalid_request', /^Parameter "unknown_extension" is repeated\.$/)
    const state = await expectRedirectError(request({ state: ['one', 'two'] }), 'invalid_request', /^Parameter "state" is repeated\.$/)
    assert.equal(state.state, null)
  })

  it('any parameter over MAX_PARAM_LENGTH characters is refused; an over-long state is not echoed', async () => {
    const huge = 'n'.repeat(MAX_PARAM_LENGTH + 1)
    const nonce = await expectRedirectError(request({ nonce: huge }), 'invalid_request', /^Parameter "nonce" is too long\.$/)
    assert.equal(nonce.state, 'xyz')
    const state = await expectRedirectError(request({ state: huge }), 'invalid_request', /^Parameter "state" is too long\.$/)
    assert.equal(state.state, null)
    await expectRedirectError(request({ some_extension: huge }), 'invalid_request', /^Parameter "some_extension" is too long\.$/)
    // Exactly the limit is accepted, and kept as sent.
    const limit = 's'.repeat(MAX_PARAM_LENGTH)
    assert.equal((await expectOk(request({ state: limit }))).request.state, limit)
  })

  it('OIDC Core §6.1, §6.2, RFC 9126: request and request_uri are refused before any other check', async () => {
    const req = await expectRedirectError(request({ request: 'eyJhbGciOiJub25lIn0.e30.', response_type: undefined }), 'request_not_supported')
    assert.equal(req.state, 'xyz')
    await expectRedirectError(request({ request_uri: 'urn:ietf:params:oauth:request_uri:abc', scope: ['a', 'b'] }), 'request_uri_not_supported')
  })

  it('OAuth 2.0 Multiple Response Types §2.1, Form Post Response Mode: query, fragment and form_post are kept, and errors use them', async () => {
    for (const mode of ['query', 'fragment', 'form_post'] as const) {
      assert.equal((await expectOk(request({ response_mode: mode }))).request.responseMode, mode)
      const r = await expectRedirectError(request({ response_mode: mode, response_type: 'token' }), 'unsupported_response_type')
      assert.equal(r.responseMode, mode)
    }
  })

  it('an unsupported response_mode is refused with invalid_request, delivered in the default query mode', async () => {
    for (const mode of ['jwt', 'query.jwt', 'QUERY', 'form-post']) {
      const r = await expectRedirectError(request({ response_mode: mode }), 'invalid_request', /^Unsupported response_mode: /)
      assert.equal(r.responseMode, 'query', mode)
    }
  })
})

describe('RFC 6749 §3.1.1, §4.1.1: response_type', () => {
  it('§4.1.1: a missing response_type is invalid_request', async () => {
    await expectRedirectError(request({ response_type: undefined }), 'invalid_request', /Missing required parameter: response_type/)
    await expectRedirectError(request({ response_type: '' }), 'invalid_request', /Missing required parameter: response_type/)
  })

  it('§4.1.2.1, RFC 9700 §2.1.2: response_type other than code is unsupported_response_type', async () => {
    for (const type of ['token', 'id_token', 'code id_token', 'code token', 'id_token token', 'CODE', 'code ', 'none']) {
      const r = await expectRedirectError(request({ response_type: type }), 'unsupported_response_type', /Only "code" is supported\./)
      assert.equal(r.state, 'xyz', type)
    }
  })

  it('§4.1.2.1: a client without the authorization_code grant is unauthorized_client', async () => {
    await expectRedirectError(request({ client_id: 'm2m-client' }), 'unauthorized_client', /not allowed the authorization_code grant/)
  })
})

describe('RFC 7636 and RFC 9700 §2.1.1: PKCE', () => {
  it('RFC 7636 §4.3: code_challenge_method other than S256 is refused (plain is not allowed, RFC 9700 §2.1.1)', async () => {
    for (const method of ['plain', 's256', 'S384', 'S256 ']) {
      await expectRedirectError(request({ code_challenge_method: method }), 'invalid_request', /^Unsupported code_challenge_method: .*Use S256\.$/)
    }
  })

  it('RFC 7636 §4.3: a code_challenge without a method is refused, since the default would be plain', async () => {
    await expectRedirectError(request({ code_challenge_method: undefined }), 'invalid_request', /plain is not allowed/)
  })

  it('RFC 7636 §4.3: a code_challenge_method without a code_challenge is refused', async () => {
    await expectRedirectError(request({ code_challenge: undefined }), 'invalid_request', /without code_challenge/)
    await expectRedirectError(request({ client_id: 'web-client', redirect_uri: 'https://web.example.com/cb', code_challenge: '' }), 'invalid_request', /without code_challenge/)
  })

  it('RFC 7636 §4.2: an S256 code_challenge is the 43-character unpadded base64url of a SHA-256', async () => {
    const bad = [
      CHALLENGE.slice(1),
      `${CHALLENGE}A`,
      `${CHALLENGE}=`,
      `${CHALLENGE.slice(0, 41)}+/`,
      `${CHALLENGE.slice(0, 42)}.`,
      'v'.repeat(43 + 1),
    ]
    for (const challenge of bad) {
      await expectRedirectError(request({ code_challenge: challenge }), 'invalid_request', /43-character base64url SHA-256/)
    }
    assert.equal((await expectOk(request({ code_challenge: '-'.repeat(20) + '_'.repeat(23) }))).request.codeChallenge, '-'.repeat(20) + '_'.repeat(23))
  })

  it('RFC 7636 §4.4.1, RFC 9700 §2.1.1: a public client without code_challenge is refused with invalid_request', async () => {
    const r = await expectRedirectError(
      request({ code_challenge: undefined, code_challenge_method: undefined }),
      'invalid_request',
      /^Missing required parameter: code_challenge \(PKCE is required for public clients\)\.$/,
    )
    assert.equal(r.state, 'xyz')
    await expectRedirectError(request({ client_id: 'native-client', redirect_uri: 'com.example.app:/cb', code_challenge: undefined, code_challenge_method: undefined }), 'invalid_request')
  })

  it('RFC 9700 §2.1.1: a confidential client may omit PKCE; the request then records no challenge', async () => {
    const r = await expectOk(request({ client_id: 'web-client', redirect_uri: 'https://web.example.com/cb', code_challenge: undefined, code_challenge_method: undefined }))
    assert.equal(r.request.codeChallenge, null)
    assert.equal(r.request.codeChallengeMethod, null)
    const withPkce = await expectOk(request({ client_id: 'web-client', redirect_uri: 'https://web.example.com/other-cb' }))
    assert.deepEqual([withPkce.request.codeChallenge, withPkce.request.codeChallengeMethod], [CHALLENGE, 'S256'])
  })
})

describe('RFC 9449 §10: dpop_jkt', () => {
  it('§10: a JWK SHA-256 thumbprint (RFC 7638) binds the code; without one the request has no dpopJkt; a malformed one is refused', async () => {
    assert.equal((await expectOk(request({ dpop_jkt: JKT }))).request.dpopJkt, JKT)
    assert.equal('dpopJkt' in (await expectOk(request())).request, false)
    assert.equal('dpopJkt' in (await expectOk(request({ dpop_jkt: '' }))).request, false)
    // Anything but a 43-character base64url thumbprint is refused.
    for (const jkt of [JKT.slice(1), `${JKT}=`, `${JKT.slice(0, 42)}+`, 'not-a-thumbprint', Buffer.from('x'.repeat(32)).toString('hex')]) {
      await expectRedirectError(request({ dpop_jkt: jkt }), 'invalid_request', /dpop_jkt must be the base64url SHA-256 JWK thumbprint/)
    }
  })
})

describe('RFC 6749 §3.3: scope', () => {
  it('§3.3: scope is space-delimited and order-preserving; duplicates and extra spaces are dropped; none means empty', async () => {
    assert.deepEqual((await expectOk(request({ scope: '  openid  email openid profile ' }))).request.scope, ['openid', 'email', 'profile'])
    assert.deepEqual((await expectOk(request({ scope: undefined }))).request.scope, [])
    assert.deepEqual((await expectOk(request({ scope: '' }))).request.scope, [])
  })

  it('§3.3: a scope token outside %x21 / %x23-5B / %x5D-7E is invalid_scope', async () => {
    for (const scope of ['openid "email"', 'openid back\\slash', 'openid ëmail', 'openid\temail', 'openid\nemail']) {
      const r = await expectRedirectError(request({ scope }), 'invalid_scope', /invalid characters/)
      assert.equal(r.state, 'xyz')
    }
  })

  it('§3.3: scopes the app may not get are dropped, not refused (the server may partially ignore the request)', async () => {
    const r = await expectOk(request({ scope: 'openid read:items admin Openid' }))
    assert.deepEqual(r.request.scope, ['openid'])
    const withApi = await expectOk(request({ scope: 'openid read:items admin', audience: 'https://api.example.com/' }))
    assert.deepEqual(withApi.request.scope, ['openid', 'read:items'])
  })

  it('offline_access survives only with the refresh_token grant and an audience that allows offline access', async () => {
    assert.deepEqual((await expectOk(request({ scope: 'openid offline_access' }))).request.scope, ['openid', 'offline_access'])
    assert.deepEqual((await expectOk(request({ scope: 'openid offline_access', audience: 'https://api.example.com/' }))).request.scope, ['openid', 'offline_access'])
    assert.deepEqual((await expectOk(request({ scope: 'openid offline_access', audience: 'https://no-offline.example.com/' }))).request.scope, ['openid'])
    const web = await expectOk(request({ client_id: 'web-client', redirect_uri: 'https://web.example.com/cb', scope: 'openid offline_access' }))
    assert.deepEqual(web.request.scope, ['openid'])
  })
})

describe('audience (Auth0) and resource (RFC 8707)', () => {
  it('a registered audience selects its API, compared as an exact string', async () => {
    const r = await expectOk(request({ audience: 'https://api.example.com/' }))
    assert.equal(r.api?.id, 'api_1')
    assert.equal(r.request.audience, 'https://api.example.com/')
    await expectRedirectError(request({ audience: 'https://api.example.com' }), 'access_denied', /^Service not found: https:\/\/api\.example\.com$/)
    await expectRedirectError(request({ audience: 'HTTPS://API.EXAMPLE.COM/' }), 'access_denied')
  })

  it('an unknown audience is access_denied "Service not found" (Auth0\'s answer, not RFC 8707\'s invalid_target), back to the app; the Management API is access_denied for any app but the admin console\'s', async () => {
    const r = await expectRedirectError(request({ audience: 'https://unknown.example/' }), 'access_denied', /^Service not found: /)
    assert.equal(r.state, 'xyz')
    // The Management API (a system API) is the audience of a user's token only through the admin console's app.
    await expectRedirectError(request({ audience: 'https://issuer.example.com/api/v2/', scope: 'openid read:users' }), 'access_denied', /^The Management API is not available to this application$/)
  })

  it('RFC 8707 resource is not implemented: as an unrecognized parameter it is ignored (RFC 6749 §3.1), so no API is selected', async () => {
    const r = await expectOk(request({ resource: 'https://api.example.com/', scope: 'openid read:items' }))
    assert.equal(r.request.audience, null)
    assert.equal(r.api, null)
    assert.deepEqual(r.request.scope, ['openid'])
  })
})

describe('OpenID Connect Core §3.1.2.1: prompt, max_age, nonce and hints', () => {
  it('prompt is a space-delimited list of none, login, consent and select_account; anything else, or none with another value, is refused', async () => {
    assert.deepEqual((await expectOk(request({ prompt: 'login consent' }))).request.prompt, ['login', 'consent'])
    assert.deepEqual((await expectOk(request({ prompt: 'select_account  login login' }))).request.prompt, ['select_account', 'login'])
    assert.deepEqual((await expectOk(request({ prompt: 'none' }))).request.prompt, ['none'])
    for (const prompt of ['create', 'Login', 'login,consent', 'login "x"']) {
      await expectRedirectError(request({ prompt }), 'invalid_request', /prompt must be one or more of none, login, consent, select_account/)
    }
    // prompt=none combined with another value is an error.
    await expectRedirectError(request({ prompt: 'none login' }), 'invalid_request', /^prompt=none cannot be combined with other values\.$/)
    await expectRedirectError(request({ prompt: 'consent none' }), 'invalid_request', /cannot be combined/)
  })

  it('max_age is a non-negative integer of seconds (max_age=0 is kept, not dropped); anything else is refused', async () => {
    assert.equal((await expectOk(request({ max_age: '0' }))).request.maxAge, 0)
    assert.equal((await expectOk(request({ max_age: '3600' }))).request.maxAge, 3600)
    assert.equal((await expectOk(request({ max_age: '0042' }))).request.maxAge, 42)
    assert.equal((await expectOk(request({ max_age: '9999999999' }))).request.maxAge, 9_999_999_999)
    for (const maxAge of ['-1', '1.5', '1e3', ' 1', '0x10', 'abc', '12345678901']) {
      await expectRedirectError(request({ max_age: maxAge }), 'invalid_request', /^max_age must be a non-negative integer\.$/)
    }
  })

  it('nonce, login_hint, screen_hint and acr_values are kept as sent; ui_locales and other unknown parameters are ignored', async () => {
    const r = await expectOk(
      request({ nonce: 'n-0S6_WzA2Mj', login_hint: 'Ada@Example.com', screen_hint: 'signup', acr_values: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor', ui_locales: 'fr-CA fr en', display: 'popup' }),
    )
    assert.equal(r.request.nonce, 'n-0S6_WzA2Mj')
    assert.equal(r.request.loginHint, 'Ada@Example.com')
    assert.equal(r.request.screenHint, 'signup')
    assert.equal(r.request.acrValues, 'http://schemas.openid.net/pape/policies/2007/06/multi-factor')
    assert.equal('uiLocales' in r.request, false)
    assert.equal('acrValues' in (await expectOk(request())).request, false)
    // acr_values is bounded at 1024 characters.
    await expectRedirectError(request({ acr_values: 'a'.repeat(1025) }), 'invalid_request', /^acr_values is too long\.$/)
    assert.equal((await expectOk(request({ acr_values: 'a'.repeat(1024) }))).request.acrValues?.length, 1024)
  })
})

describe('Auth0 organization and invitation', () => {
  it('an organization named by id or by case-insensitive name is stored by its id', async () => {
    for (const value of [ACME.id, 'acme', 'ACME', ' Acme ']) {
      const r = await expectOk(request({ organization: value }))
      assert.equal(r.organization?.id, ACME.id, value)
      assert.equal(r.request.organization, ACME.id, value)
    }
  })

  it('an unknown organization, or one sent to an app that does not use organizations, goes back to the app as invalid_request', async () => {
    const r = await expectRedirectError(request({ organization: 'globex' }), 'invalid_request', /^no organization found$/)
    assert.equal(r.state, 'xyz')
    await expectRedirectError(request({ organization: 'org_unknown' }), 'invalid_request', /^no organization found$/)
    await expectRedirectError(request({ client_id: 'deny-orgs-client', organization: ACME.id }), 'invalid_request', /^client is not configured to use organizations$/)
  })

  it('an app that requires an organization refuses its absence (no_prompt) or leaves it to a prompt (pre_login_prompt)', async () => {
    await expectRedirectError(request({ client_id: 'require-org-client' }), 'invalid_request', /^parameter organization is required for this client$/)
    assert.equal((await expectOk(request({ client_id: 'require-org-client', organization: 'acme' }))).request.organization, ACME.id)
    assert.equal((await expectOk(request({ client_id: 'prompt-org-client' }))).request.organization, null)
  })

  it('an invitation needs an organization; a valid ticket is replaced by the invitation id and never stored', async () => {
    await expectRedirectError(request({ invitation: TICKET }), 'invalid_request', /^parameter organization is required with invitation$/, { invitation: invitation() })
    const r = await expectOk(request({ organization: ACME.id, invitation: TICKET }), { invitation: invitation() })
    assert.equal(r.invitation?.id, 'uinv_AbCdEfGh12345678')
    assert.equal(r.request.invitation, 'uinv_AbCdEfGh12345678')
    assert.equal(JSON.stringify(r.request).includes(TICKET), false)
  })

  it('an unusable invitation (malformed, unknown, foreign, used, expired) is shown on a page: the invitee, not the app, can act on it', async () => {
    const cases: [string, string, InvitationRecord | null, RegExp][] = [
      ['malformed ticket', 'short', invitation(), /not valid/],
      ['unknown ticket', 'U'.repeat(32), invitation(), /not valid/],
      ['another organization', TICKET, invitation({ orgId: 'org_Other' }), /not valid/],
      ['another app', TICKET, invitation({ clientId: 'web-client' }), /not valid/],
      ['already used', TICKET, invitation({ consumedAt: NOW - 1 }), /already been accepted\. Log in to Acme Inc\./],
      ['expired', TICKET, invitation({ expiresAt: NOW }), /expired\. Ask Ada for a new one/],
    ]
    for (const [name, ticket, inv, message] of cases) {
      const r = await parse(request({ organization: ACME.id, invitation: ticket }), { invitation: inv })
      assert.equal(r.kind, 'page', `${name}: ${describeResult(r)}`)
      assert.match(r.kind === 'page' ? r.error.description : '', message, name)
    }
  })
})

describe('Auth0 connection', () => {
  it('a connection enabled for the app (and the organization) is kept by name (empty: none); an unknown or not-enabled one is refused; an over-long name is not looked up', async () => {
    assert.equal((await expectOk(request({ connection: 'github' }))).request.connection, 'github')
    assert.equal('connection' in (await expectOk(request({ connection: '' }))).request, false)
    await expectRedirectError(request({ connection: 'gitlab' }), 'invalid_request', /^the connection was not found: gitlab$/)
    await expectRedirectError(request({ client_id: 'web-client', redirect_uri: 'https://web.example.com/cb', connection: 'github' }), 'invalid_request', /^the connection is not enabled for this client: github$/)
    await expectRedirectError(request({ organization: ACME.id, connection: 'github' }), 'invalid_request', /^the connection is not enabled for this organization: github$/)
    const { lookups, calls } = fakeLookups()
    const r = await parseAuthorizeRequest(toRaw(request({ connection: 'c'.repeat(129) })), lookups)
    assert.equal(r.kind === 'redirect-error' && r.error.description, 'the connection was not found: (not shown)')
    assert.equal(calls.some((c) => c.startsWith('connections.')), false)
  })
})

describe('validation order (RFC 6749 §4.1.2.1, RFC 9700 §4.11.2: no open redirect before the client and redirect URI are trusted)', () => {
  it('with many faults at once, the first fault in the documented order is the one reported', async () => {
    // Unknown client beats everything else.
    await expectPage(request({ client_id: 'nobody', response_type: 'token', scope: 'x"y', request: 'jwt' }), /Unknown client/)
    // A bad redirect_uri beats request objects, repeats and response_type.
    await expectPage(request({ redirect_uri: 'https://attacker.example/', request: 'jwt', scope: ['a', 'b'], response_type: 'token' }), /not in the application's list/)
    // Then: request objects, repeats, length, response_mode, response_type, PKCE, dpop_jkt, audience, scope, prompt.
    await expectRedirectError(request({ scope: ['a', 'b'], response_type: 'token' }), 'invalid_request', /repeated/)
    await expectRedirectError(request({ response_mode: 'jwt', response_type: 'token' }), 'invalid_request', /response_mode/)
    await expectRedirectError(request({ response_type: 'token', code_challenge_method: 'plain' }), 'unsupported_response_type')
    await expectRedirectError(request({ code_challenge_method: 'plain', dpop_jkt: 'x' }), 'invalid_request', /code_challenge_method/)
    await expectRedirectError(request({ dpop_jkt: 'x', audience: 'https://unknown.example/' }), 'invalid_request', /dpop_jkt/)
    await expectRedirectError(request({ audience: 'https://unknown.example/', scope: 'x"y' }), 'access_denied')
    await expectRedirectError(request({ scope: 'x"y', prompt: 'bogus' }), 'invalid_scope')
    await expectRedirectError(request({ prompt: 'bogus', max_age: '-1' }), 'invalid_request', /prompt/)
    await expectRedirectError(request({ max_age: '-1', organization: 'globex' }), 'invalid_request', /max_age/)
    await expectRedirectError(request({ organization: 'globex', connection: 'gitlab' }), 'invalid_request', /no organization found/)
  })
})
