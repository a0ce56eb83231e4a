/**
 * Sample events for `latchkey actions test`, one per trigger, shaped like the events Auth0 gives
 * its handlers (and its dashboard's test tab fills in): a user who logged in with a password, the
 * application, the HTTP request, the transaction. Fixed values, so a test's output is repeatable.
 */
import type { ActionTrigger } from '@latchkey/core'

const CREATED = '2026-01-15T09:30:00.000Z'
const NOW = '2026-12-01T12:00:00.000Z'

const user = {
  user_id: 'auth0|5f7c8ec7c33c6c004bbafe82',
  email: 'j+smith@example.com',
  email_verified: true,
  name: 'Jane Smith',
  nickname: 'j+smith',
  given_name: 'Jane',
  family_name: 'Smith',
  username: 'j_smith',
  picture: 'https://s.gravatar.com/avatar/1234?s=480&r=pg&d=mm',
  phone_number: '+15555550100',
  phone_verified: false,
  created_at: CREATED,
  updated_at: NOW,
  last_password_reset: CREATED,
  app_metadata: {},
  user_metadata: {},
  identities: [{ provider: 'auth0', connection: 'Username-Password-Authentication', user_id: '5f7c8ec7c33c6c004bbafe82', isSocial: false }],
  multifactor: [],
}

const client = { client_id: 'yTUpDAAdGYzEK0CHJ5JvCA0PuKUDLpIn', name: 'My Web App', metadata: {} }

const request = {
  ip: '203.0.113.42',
  method: 'GET',
  hostname: 'localhost',
  language: 'en',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  geoip: { cityName: 'Lisbon', continentCode: 'EU', countryCode: 'PT', countryCode3: 'PRT', countryName: 'Portugal', latitude: 38.7, longitude: -9.1, timeZone: 'Europe/Lisbon' },
  query: { scope: 'openid profile email', response_type: 'code', redirect_uri: 'http://localhost:8080/callback', state: 'xyzABC123' },
  body: {},
}

const connection = { id: 'con_fpe5kj482KO1eOzA', name: 'Username-Password-Authentication', strategy: 'auth0', metadata: {} }
const tenant = { id: 'latchkey' }

const transaction = {
  id: 'tx_3a5bc3a4b7a2e1f0',
  locale: 'en',
  protocol: 'oidc-basic-profile',
  requested_scopes: ['openid', 'profile', 'email'],
  redirect_uri: 'http://localhost:8080/callback',
  response_type: ['code'],
  response_mode: 'query',
  state: 'xyzABC123',
  acr_values: [],
  ui_locales: [],
}

const SAMPLES: Readonly<Record<ActionTrigger, Record<string, unknown>>> = {
  'post-login': {
    transaction,
    user,
    client,
    request,
    connection,
    tenant,
    authentication: { methods: [{ name: 'pwd', timestamp: NOW }] },
    authorization: { roles: [] },
    resource_server: { identifier: 'https://api.example.com/appointments' },
    stats: { logins_count: 5 },
    session: { id: 'sid_8Rc3pY5xLq0W2n', created_at: NOW, authenticated_at: NOW },
  },
  'credentials-exchange': {
    transaction: { requested_scopes: ['read:appointments'] },
    client,
    request: { ...request, method: 'POST', query: {}, body: { grant_type: 'client_credentials', audience: 'https://api.example.com/appointments' } },
    resource_server: { identifier: 'https://api.example.com/appointments' },
    tenant,
    accessToken: { customClaims: {}, scope: ['read:appointments'] },
  },
  'pre-user-registration': {
    transaction,
    user: { email: user.email, name: user.name, app_metadata: {}, user_metadata: {} },
    client,
    request: { ...request, method: 'POST' },
    connection,
    tenant,
  },
  'post-change-password': {
    user: { user_id: user.user_id, email: user.email, email_verified: true, last_password_reset: NOW },
    request: { ...request, method: 'POST' },
    connection,
    tenant,
  },
}

/** A fresh copy of the trigger's sample event. */
export function sampleEvent(trigger: ActionTrigger): Record<string, unknown> {
  return structuredClone(SAMPLES[trigger])
}
