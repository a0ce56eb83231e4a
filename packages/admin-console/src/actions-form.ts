/**
 * The Actions page's pure parts: what a trigger is called, a sample event to test with, an
 * action's status in words, its dependencies typed one a line, the secrets to send, a binding moved
 * up or down, and the editor's Tab. The Management API checks everything again; its messages are
 * shown as they come.
 */

export const TRIGGERS = [
  { id: 'post-login', label: 'Post login', hint: 'Every login, silent re-authentication and refresh, before tokens are issued.' },
  { id: 'credentials-exchange', label: 'Machine to machine', hint: 'The client credentials grant, before the access token is signed.' },
  { id: 'pre-user-registration', label: 'Pre user registration', hint: 'A sign-up to the user database, before the user is stored.' },
  { id: 'post-change-password', label: 'Post change password', hint: 'After a password was reset (informational).' },
] as const

export type TriggerId = (typeof TRIGGERS)[number]['id']

export const triggerLabel = (id: string): string => TRIGGERS.find((t) => t.id === id)?.label ?? id

export interface ActionLike {
  readonly all_changes_deployed: boolean
  readonly deployed_version?: { readonly number: number; readonly created_at: string }
}

/** "Deployed (version 2)", "Version 2 deployed; the draft has changes", or "Not deployed". */
export function actionStatus(action: ActionLike): string {
  const version = action.deployed_version
  if (version === undefined) return 'Not deployed'
  return action.all_changes_deployed ? `Deployed (version ${version.number})` : `Version ${version.number} deployed; the draft has changes`
}

/** 1st, 2nd, 3rd, 4th, 11th, 21st… */
export function ordinal(n: number): string {
  const tens = n % 100
  if (tens >= 11 && tens <= 13) return `${n}th`
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`
}

export interface Dependency {
  readonly name: string
  readonly version: string
}

/** `name@version` one a line (`@scope/name@1.2.3` too) as Auth0's dependencies, or what is wrong. */
export function dependenciesOf(text: string): { dependencies: Dependency[] } | { error: string } {
  const dependencies: Dependency[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '') continue
    const at = line.lastIndexOf('@')
    if (at <= 0 || at === line.length - 1) return { error: `Write each dependency as name@version, e.g. lodash@4.17.21: ${line}` }
    dependencies.push({ name: line.slice(0, at), version: line.slice(at + 1) })
  }
  return { dependencies }
}

export const dependenciesText = (dependencies: readonly Dependency[]): string => dependencies.map((d) => `${d.name}@${d.version}`).join('\n')

/**
 * The `secrets` of PATCH /actions/actions/{id}: the names kept (without a value: the server keeps
 * it), then the ones added or given a new value. The list replaces the action's secrets.
 */
export function secretsBody(kept: readonly string[], added: readonly { name: string; value: string }[]): { name: string; value?: string }[] {
  const replaced = new Set(added.map((s) => s.name))
  return [...kept.filter((name) => !replaced.has(name)).map((name) => ({ name })), ...added.map((s) => ({ name: s.name, value: s.value }))]
}

/** A secret's name as the server takes it (1 to 64 letters, digits or underscores), or what is wrong. */
export function secretNameError(name: string, taken: readonly string[]): string | null {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) return 'A secret name is 1 to 64 letters, digits or underscores, e.g. API_KEY.'
  if (taken.includes(name)) return `${name} is already a secret of this action: remove it first to give it a new value.`
  return null
}

/** `list` with the item at `index` moved by `delta` places (unchanged when that leaves the list). */
export function moved<T>(list: readonly T[], index: number, delta: number): T[] {
  const to = index + delta
  const copy = [...list]
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return copy
  const [item] = copy.splice(index, 1) as [T]
  copy.splice(to, 0, item)
  return copy
}

/** The editor's Tab: two spaces at the caret (replacing a selection); the new value and caret. */
export function indent(value: string, start: number, end: number): { value: string; caret: number } {
  return { value: `${value.slice(0, start)}  ${value.slice(end)}`, caret: start + 2 }
}

const NOW = '2026-12-01T12:00:00.000Z'
const user = {
  user_id: 'auth0|5f7c8ec7c33c6c004bbafe82',
  email: 'jane.smith@example.com',
  email_verified: true,
  name: 'Jane Smith',
  nickname: 'jane.smith',
  given_name: 'Jane',
  family_name: 'Smith',
  picture: 'https://s.gravatar.com/avatar/1234?s=480&r=pg&d=mm',
  created_at: '2026-01-15T09:30:00.000Z',
  updated_at: NOW,
  last_login: NOW,
  blocked: false,
  app_metadata: {},
  user_metadata: {},
  identities: [{ provider: 'auth0', connection: 'Username-Password-Authentication', user_id: '5f7c8ec7c33c6c004bbafe82', isSocial: false }],
}
const client = { client_id: 'yTUpDAAdGYzEK0CHJ5JvCA0PuKUDLpIn', name: 'My Web App', metadata: {} }
const request = {
  ip: '203.0.113.42',
  hostname: 'login.example.com',
  method: 'GET',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  query: { scope: 'openid profile email', response_type: 'code', redirect_uri: 'http://localhost:4000/callback' },
  body: {},
}
const connection = { id: 'con_fpe5kj482KO1eOzA', name: 'Username-Password-Authentication', strategy: 'auth0' }
const tenant = { id: 'login.example.com' }

const SAMPLES: Readonly<Record<TriggerId, Record<string, unknown>>> = {
  'post-login': {
    user,
    client,
    connection,
    request,
    tenant,
    transaction: { protocol: 'oidc-basic-profile', requested_scopes: ['openid', 'profile', 'email'], redirect_uri: 'http://localhost:4000/callback', locale: 'en' },
    authentication: { methods: [{ name: 'pwd', timestamp: NOW }] },
    authorization: { roles: [] },
    resource_server: { identifier: 'https://api.example.com/' },
  },
  'credentials-exchange': {
    client,
    request: { ...request, method: 'POST', query: {} },
    tenant,
    transaction: { requested_scopes: ['read:messages'] },
    resource_server: { identifier: 'https://api.example.com/' },
    accessToken: { scope: ['read:messages'] },
  },
  'pre-user-registration': {
    user: { email: user.email, name: user.name, app_metadata: {}, user_metadata: {} },
    client,
    connection,
    request: { ...request, method: 'POST' },
    tenant,
    transaction: { locale: 'en' },
  },
  'post-change-password': {
    user: { user_id: user.user_id, email: user.email },
    connection,
    request: { ...request, method: 'POST' },
    tenant,
  },
}

/** The trigger's sample event, as the JSON the test box starts with. */
export function sampleEventOf(trigger: string): string {
  const sample = SAMPLES[trigger as TriggerId] ?? {}
  return JSON.stringify(sample, null, 2)
}

/** The test box's text as the `payload` of POST …/test, or what is wrong with it. */
export function eventOf(text: string): { event: Record<string, unknown> } | { error: string } {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    return { error: `The event is not JSON: ${e instanceof Error ? e.message : String(e)}` }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { error: 'The event is a JSON object, e.g. { "user": { … } }.' }
  return { event: parsed as Record<string, unknown> }
}
