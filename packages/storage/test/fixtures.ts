/**
 * Record builders for the contract suite: every field set, unique keys from a counter, times around
 * the fixed instant T0. Pass overrides for what a test cares about.
 */
import { DEFAULT_REFRESH_POLICY } from '@latchkey/core'
import type {
  ApiRecord,
  ApplicationRecord,
  AuthenticatorRecord,
  AuthorizationCodeRecord,
  AuthorizationRequest,
  ClientGrantRecord,
  ConnectionRecord,
  IdentityRecord,
  InteractionRecord,
  InvitationRecord,
  OrganizationRecord,
  OutboxEmailRecord,
  RecoveryCodeRecord,
  RoleRecord,
  ActionRecord,
  RefreshTokenRecord,
  SigningKeyRecord,
  SsoSessionRecord,
  TicketRecord,
  UserRecord,
  WebAuthnCredential,
} from '@latchkey/core'

/** 2023-11-14T22:13:20Z: every test time is T0 plus or minus something. */
export const T0 = 1_700_000_000_000
export const MINUTE = 60_000
export const DAY = 24 * 60 * MINUTE

let seq = 0
export function uniqueId(prefix: string): string {
  seq += 1
  return `${prefix}-${seq.toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

export function application(overrides: Partial<ApplicationRecord> = {}): ApplicationRecord {
  return {
    clientId: uniqueId('client'),
    name: 'Test App',
    appType: 'spa',
    tokenEndpointAuthMethod: 'none',
    clientSecretHash: null,
    callbacks: ['https://app.example/callback', 'http://localhost:3000/callback'],
    allowedLogoutUrls: ['https://app.example/'],
    webOrigins: ['https://app.example'],
    allowedOrigins: [],
    grantTypes: ['authorization_code', 'refresh_token'],
    isFirstParty: true,
    refreshToken: DEFAULT_REFRESH_POLICY,
    organizationUsage: 'deny',
    organizationRequireBehavior: 'no_prompt',
    initiateLoginUri: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

export function api(overrides: Partial<ApiRecord> = {}): ApiRecord {
  const id = uniqueId('api')
  return {
    id,
    name: 'Test API',
    identifier: `https://${id}.example/`,
    scopes: [
      { value: 'read:things', description: 'Read things' },
      { value: 'write:things', description: 'Write "things" — with ünïcode' },
    ],
    allowOfflineAccess: true,
    tokenLifetime: 86_400,
    skipConsentForFirstParty: false,
    signingAlg: 'RS256',
    isSystem: false,
    enforcePolicies: false,
    tokenDialect: 'access_token',
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

export function user(overrides: Partial<UserRecord> = {}): UserRecord {
  const id = uniqueId('user')
  return {
    id: `auth0|${id}`,
    email: `${id}@example.com`,
    emailVerified: false,
    name: null,
    nickname: null,
    picture: null,
    givenName: null,
    familyName: null,
    userMetadata: {},
    appMetadata: {},
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
    connection: 'Username-Password-Authentication',
    blocked: false,
    lastLoginAt: null,
    loginsCount: 0,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

export function session(overrides: Partial<SsoSessionRecord> = {}): SsoSessionRecord {
  return {
    idHash: uniqueId('session-hash'),
    sid: uniqueId('sid'),
    userId: uniqueId('user'),
    authTime: T0,
    createdAt: T0,
    idleExpiresAt: T0 + 3 * DAY,
    expiresAt: T0 + 7 * DAY,
    endedAt: null,
    upstream: null,
    ...overrides,
  }
}

export function authorizationRequest(overrides: Partial<AuthorizationRequest> = {}): AuthorizationRequest {
  return {
    clientId: uniqueId('client'),
    redirectUri: 'https://app.example/callback',
    redirectUriProvided: true,
    responseMode: 'query',
    scope: ['openid', 'profile', 'offline_access'],
    audience: 'https://api.example/',
    state: 'state-123',
    nonce: null,
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    codeChallengeMethod: 'S256',
    prompt: ['login', 'consent'],
    maxAge: null,
    loginHint: 'someone@example.com',
    screenHint: null,
    organization: null,
    invitation: null,
    ...overrides,
  }
}

export function interaction(overrides: Partial<InteractionRecord> = {}): InteractionRecord {
  return {
    id: uniqueId('interaction'),
    csrfHash: uniqueId('csrf-hash'),
    step: 'login',
    request: authorizationRequest(),
    userId: null,
    sessionSid: null,
    authTime: null,
    upstream: null,
    link: null,
    createdAt: T0,
    expiresAt: T0 + 10 * MINUTE,
    ...overrides,
  }
}

export function authorizationCode(overrides: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord {
  return {
    codeHash: uniqueId('code-hash'),
    grantId: uniqueId('grant'),
    clientId: uniqueId('client'),
    userId: uniqueId('user'),
    redirectUri: 'https://app.example/callback',
    redirectUriProvided: true,
    scope: ['openid', 'profile', 'offline_access'],
    audience: 'https://api.example/',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    codeChallengeMethod: 'S256',
    nonce: 'n-0S6_WzA2Mj',
    authTime: T0 - MINUTE,
    sid: uniqueId('sid'),
    organization: null,
    createdAt: T0,
    expiresAt: T0 + MINUTE,
    consumedAt: null,
    ...overrides,
  }
}

export function refreshToken(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    tokenHash: uniqueId('token-hash'),
    grantId: uniqueId('grant'),
    clientId: uniqueId('client'),
    userId: uniqueId('user'),
    scope: ['openid', 'offline_access', 'read:things'],
    audience: 'https://api.example/',
    authTime: T0 - MINUTE,
    sid: uniqueId('sid'),
    organization: null,
    createdAt: T0,
    expiresAt: T0 + 15 * DAY,
    grantExpiresAt: T0 + 30 * DAY,
    rotatedAt: null,
    revokedAt: null,
    ...overrides,
  }
}

export function clientGrant(overrides: Partial<ClientGrantRecord> = {}): ClientGrantRecord {
  return {
    id: uniqueId('cgr'),
    clientId: uniqueId('client'),
    audience: 'https://api.example/',
    scope: ['read:things', 'write:things'],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

export function signingKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  const kid = uniqueId('kid')
  return {
    kid,
    alg: 'RS256',
    publicJwk: JSON.stringify({ kty: 'RSA', kid, n: 'AQAB-n', e: 'AQAB' }),
    privateJwk: JSON.stringify({ kty: 'RSA', kid, n: 'AQAB-n', e: 'AQAB', d: 'private' }),
    createdAt: T0,
    activatesAt: T0,
    ...overrides,
  }
}

export function organization(overrides: Partial<OrganizationRecord> = {}): OrganizationRecord {
  const id = uniqueId('org').replace(/[^A-Za-z0-9]/g, '')
  return {
    id: `org_${id}`,
    name: `acme-${id.toLowerCase()}`,
    displayName: 'Acme "Widgets" — Ünïcode',
    branding: { logoUrl: 'https://img.example/acme.png', primaryColor: '#0059d6' },
    metadata: { tier: 'gold', region: 'eu' },
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

export function invitation(overrides: Partial<InvitationRecord> = {}): InvitationRecord {
  const id = uniqueId('inv').replace(/[^A-Za-z0-9]/g, '')
  return {
    id: `uinv_${id}`,
    orgId: `org_${id}`,
    clientId: uniqueId('client'),
    inviterName: 'Ada Admin',
    inviteeEmail: `${id}@example.com`,
    roles: ['editor', 'viewer'],
    ticketHash: uniqueId('ticket-hash'),
    createdAt: T0,
    expiresAt: T0 + 7 * DAY,
    consumedAt: null,
    ...overrides,
  }
}

export function connection(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  const id = uniqueId('con').replace(/[^A-Za-z0-9]/g, '')
  return {
    id: `con_${id}`,
    name: `acme-${id}`,
    displayName: 'Acme "SSO" — Ünïcode',
    strategy: 'oidc',
    options: { issuer: 'https://idp.example/', client_id: 'latchkey', scope: 'openid profile email', domain_aliases: ['acme.example'], nested: { list: [1, 'two', null] } },
    sealedClientSecret: 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoia2VrLTEifQ..iv.ciphertext.tag',
    enabledClients: [],
    isDomainConnection: false,
    metadata: { tier: 'gold', region: 'eu' },
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

export function identity(overrides: Partial<IdentityRecord> = {}): IdentityRecord {
  return {
    userId: `oidc|acme|${uniqueId('sub')}`,
    connectionId: `con_${uniqueId('con').replace(/[^A-Za-z0-9]/g, '')}`,
    provider: 'oidc',
    providerUserId: uniqueId('sub'),
    isSocial: false,
    profileData: { email: 'ada@acme.example', email_verified: true, name: 'Ada Lovelace', groups: ['admins'], address: { country: 'UK' } },
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

/** A pending email due at T0. */
export function outboxEmail(overrides: Partial<OutboxEmailRecord> = {}): OutboxEmailRecord {
  const id = uniqueId('em').replace(/[^A-Za-z0-9]/g, '')
  return {
    id: `em_${id}`,
    template: 'verify_email',
    to: `Ada Lovelace <${id}@example.com>`,
    userId: `auth0|${uniqueId('user')}`,
    sealedMessage: 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoia2VrLTEifQ..iv.message-ciphertext.tag',
    status: 'pending',
    attempts: 0,
    nextAttemptAt: T0,
    lockedUntil: null,
    lastError: null,
    createdAt: T0,
    sentAt: null,
    ...overrides,
  }
}

/** An unused verification ticket, valid for 5 days from T0. */
export function ticket(overrides: Partial<TicketRecord> = {}): TicketRecord {
  return {
    idHash: uniqueId('ticket-hash'),
    kind: 'email_verification',
    userId: `auth0|${uniqueId('user')}`,
    email: `${uniqueId('someone')}@example.com`,
    clientId: uniqueId('client'),
    resultUrl: 'https://app.example/verified?from=latchkey&lang=fr',
    createdAt: T0,
    expiresAt: T0 + 5 * DAY,
    usedAt: null,
    ...overrides,
  }
}

/**
 * A confirmed TOTP authenticator created at T0 and never used. Pass `credential` (see
 * webAuthnCredential) and a WebAuthn `type` for a security key or passkey.
 */
export function authenticator(overrides: Partial<AuthenticatorRecord> = {}): AuthenticatorRecord {
  const type = overrides.type ?? 'totp'
  return {
    id: `${type}|dev_${uniqueId('dev').replace(/[^A-Za-z0-9]/g, '')}`,
    userId: `auth0|${uniqueId('user')}`,
    type,
    name: null,
    confirmed: true,
    sealedSecret: type === 'totp' ? 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoia2VrLTEifQ..iv.totp-secret.tag' : null,
    lastUsedStep: null,
    credential: null,
    createdAt: T0,
    lastUsedAt: null,
    ...overrides,
  }
}

/** A WebAuthn credential with a unique id, counter 0, for a passkey or security key authenticator. */
export function webAuthnCredential(overrides: Partial<WebAuthnCredential> = {}): WebAuthnCredential {
  return {
    credentialId: Buffer.from(uniqueId('credential')).toString('base64url'),
    publicKey: 'pQECAyYgASFYIBtJ1xqKgJ9C0ZrJx2PbKn5cOyEVL1o1m6y4b7h3x2eAIlggc2Vjb25kLWhhbGYtb2YtdGhlLWtleQ',
    counter: 0,
    transports: ['internal', 'hybrid'],
    deviceType: 'multiDevice',
    backedUp: true,
    aaguid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
    ...overrides,
  }
}

/** An unused recovery code (its hash) of a new user, created at T0. */
export function recoveryCode(overrides: Partial<RecoveryCodeRecord> = {}): RecoveryCodeRecord {
  return {
    userId: `auth0|${uniqueId('user')}`,
    codeHash: Buffer.from(uniqueId('recovery-code')).toString('base64url'),
    createdAt: T0,
    usedAt: null,
    ...overrides,
  }
}

export function role(overrides: Partial<RoleRecord> = {}): RoleRecord {
  return { id: uniqueId('rol_'), name: uniqueId('role-'), description: 'A role — with ünïcode', createdAt: T0, updatedAt: T0, ...overrides }
}

export function action(overrides: Partial<ActionRecord> = {}): ActionRecord {
  return {
    id: uniqueId('act'),
    name: uniqueId('action'),
    trigger: 'post-login',
    code: 'exports.onExecutePostLogin = async (event, api) => {}',
    dependencies: [{ name: 'lodash', version: '4.17.21' }],
    secretNames: ['API_KEY'],
    sealedSecrets: 'sealed:secrets',
    onFailure: 'deny',
    deployed: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}
