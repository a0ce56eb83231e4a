/**
 * The demo (`npm start`, i.e. `latchkey serve --demo`): registers what the samples and the playground
 * need (a single-page app, a native app, the playground app, the Appointments API and a user), so the
 * flow can be tried at once with curl, a browser or the samples. Each piece is added only when it is
 * missing, so a demo database that was changed by hand keeps its changes.
 *
 * The Appointments API uses RBAC (docs/authorization.md): its access tokens carry only the scopes the
 * user's roles allow, and a `permissions` claim, which the sample API (examples/api) checks. Two roles:
 * `patient` (read) and `receptionist` (read and write); the demo user starts as a patient.
 *
 * The user's password is published, so the demo is seeded only for an issuer on this machine
 * (localhost, loopback) unless forced: see demo-issuer.ts.
 */
import { createApi, createApplication, createRole, createUser, type ApiRecord, type ApplicationInput, type Clock, type UserRecord } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { demoRefusal, isLocalIssuer } from './demo-issuer.js'
import { listAdministrators, makeAdministrator } from './management/admins.js'
import { ensureManagementApi } from './management/system-api.js'
import { hashPassword, verifyPassword } from './passwords.js'

export const DEMO = {
  clientId: 'latchkey-demo-spa',
  appName: 'Demo SPA',
  callback: 'http://localhost:8080/callback',
  origin: 'http://localhost:8080',
  nativeClientId: 'latchkey-demo-native',
  nativeAppName: 'Demo native app',
  playgroundClientId: 'latchkey-playground',
  audience: 'https://api.example.com/appointments',
  apiName: 'Appointments API',
  email: 'demo@example.com',
  password: 'demo-password',
} as const

/** The Appointments API's scopes, which its roles hold as permissions. */
export const DEMO_SCOPES = {
  read: 'read:appointments',
  write: 'write:appointments',
} as const

/** The demo's roles, by name; the demo user is given the first. */
export const DEMO_ROLES = [
  { name: 'patient', description: 'Sees their appointments', permissions: [DEMO_SCOPES.read] },
  { name: 'receptionist', description: 'Sees and books appointments', permissions: [DEMO_SCOPES.read, DEMO_SCOPES.write] },
] as const

export type DemoRoleName = (typeof DEMO_ROLES)[number]['name']

/** The demo's applications, keyed by client id. The playground's URLs depend on the issuer. */
export function demoApplications(issuer: string): Record<string, ApplicationInput> {
  const spaUrls = (origin: string) => [`${origin}/callback`, `${origin}/auth0.html`, `${origin}/`, origin]
  return {
    [DEMO.clientId]: {
      name: DEMO.appName,
      type: 'spa',
      // The SPA sample (examples/spa) serves its @latchkey/client page at / (callback /callback) and its
      // @auth0/auth0-spa-js page at /auth0.html; the Auth0 SDK's silent iframe returns to the origin.
      callbacks: [...spaUrls(DEMO.origin), ...spaUrls('http://127.0.0.1:8080')],
      logoutUrls: [`${DEMO.origin}/`, `${DEMO.origin}/auth0.html`, 'http://127.0.0.1:8080/', 'http://127.0.0.1:8080/auth0.html'],
      webOrigins: [DEMO.origin, 'http://127.0.0.1:8080'],
    },
    [DEMO.nativeClientId]: {
      name: DEMO.nativeAppName,
      type: 'native',
      // RFC 8252 §7.3: a loopback callback matches any port (examples/native-cli).
      callbacks: ['http://127.0.0.1/callback'],
    },
    [DEMO.playgroundClientId]: {
      name: 'Playground',
      type: 'spa',
      callbacks: [`${issuer}playground/callback`],
      logoutUrls: [`${issuer}playground`],
      webOrigins: [new URL(issuer).origin],
    },
  }
}

/**
 * Adds whichever demo piece is missing; returns whether it added any. Throws, adding nothing, on an
 * issuer that is not localhost or loopback unless `allowPublicIssuer` (`--demo-on-public-issuer`).
 */
export async function seedDemo(store: Store, clock: Clock, issuer: string, options: { readonly allowPublicIssuer?: boolean } = {}): Promise<boolean> {
  if (!isLocalIssuer(issuer) && options.allowPublicIssuer !== true) throw new Error(demoRefusal(issuer, DEMO.email))
  const now = clock.now()
  let added = false
  for (const [clientId, input] of Object.entries(demoApplications(issuer))) {
    if (await store.applications.get(clientId)) continue
    await store.applications.insert({ ...createApplication(input, now, { issuer }).record, clientId })
    added = true
  }
  let api = await store.apis.findByIdentifier(DEMO.audience)
  if (!api) {
    api = createApi(
      {
        name: DEMO.apiName,
        identifier: DEMO.audience,
        scopes: [
          { value: DEMO_SCOPES.read, description: 'Read your appointments' },
          { value: DEMO_SCOPES.write, description: 'Book appointments' },
        ],
        allowOfflineAccess: true,
        enforcePolicies: true,
        tokenDialect: 'access_token_authz',
      },
      now,
    )
    await store.apis.insert(api)
    added = true
  }
  let user = await store.users.findByEmail(DEMO.email)
  if (!user) {
    user = createUser({ email: DEMO.email, name: 'Demo User', emailVerified: true }, await hashPassword(DEMO.password), now)
    await store.users.insert(user)
    added = true
  }
  const roles = await seedDemoRoles(store, api, user, now)
  return (await seedDemoAdministrator(store, issuer, user, now)) || roles || added
}

/**
 * The demo user administers the demo (the admin console at /admin) while nobody else does: a new
 * demo database, or one from before the console. Once someone is an administrator, restarts leave
 * administrators as they are. The demo runs only on this machine's issuer, and a server others reach
 * refuses to start while the demo user keeps its published password (demoAccountOpen).
 */
async function seedDemoAdministrator(store: Store, issuer: string, user: UserRecord, now: number): Promise<boolean> {
  if ((await listAdministrators(store)).length > 0) return false
  await makeAdministrator(store, await ensureManagementApi(store, issuer, now), user, 'admin', now)
  return true
}

/**
 * Adds the demo roles that are missing, with their permissions (those the API still has). When none
 * existed (a new demo database, or one from before roles), the API is switched to RBAC with the
 * permissions claim and the demo user made a patient; later starts leave those as they are.
 */
async function seedDemoRoles(store: Store, api: ApiRecord, user: UserRecord, now: number): Promise<boolean> {
  const existing = await Promise.all(DEMO_ROLES.map((role) => store.roles.findByName(role.name)))
  if (existing.every((role) => role !== null)) return false
  const scopes = new Set(api.scopes.map((s) => s.value))
  const ids: string[] = []
  for (const [i, role] of DEMO_ROLES.entries()) {
    const found = existing[i]
    if (found) {
      ids.push(found.id)
      continue
    }
    const record = createRole({ name: role.name, description: role.description }, now)
    await store.roles.insert(record)
    const permissions = role.permissions.filter((name) => scopes.has(name)).map((name) => ({ apiIdentifier: api.identifier, name }))
    if (permissions.length > 0) await store.roles.addPermissions(record.id, permissions, now)
    ids.push(record.id)
  }
  if (existing.some((role) => role !== null)) return true
  if (!api.enforcePolicies || api.tokenDialect !== 'access_token_authz') await store.apis.update(api.id, { enforcePolicies: true, tokenDialect: 'access_token_authz', updatedAt: now })
  await store.roles.assign([user.id], [ids[0] as string], now)
  return true
}


/**
 * True when the store holds the demo user, not blocked, with the published password: a server that
 * others reach must not start so (serve.ts), whether or not it runs the demo now.
 */
export async function demoAccountOpen(store: Store): Promise<boolean> {
  const user = await store.users.findByEmail(DEMO.email)
  return user !== null && !user.blocked && (await verifyPassword(user.passwordHash, DEMO.password))
}

/** The banner `npm start` prints. It says first that this is a demo, with a known password. */
export function demoInstructions(issuer: string, options: { readonly publicIssuer?: boolean; readonly devOutbox?: boolean } = {}): string {
  const base = issuer.replace(/\/$/, '')
  const rule = '='.repeat(100)
  const warning = options.publicIssuer
    ? `\n  WARNING: this demo runs on ${issuer}, which is not localhost or a loopback address (--demo-on-public-issuer):\n  anyone who reaches it can log in as ${DEMO.email}. Never do this on a server that real apps use.`
    : ''
  return `
${rule}
  DEMO MODE (npm start, latchkey serve --demo): NOT FOR PRODUCTION.
  It registered the user ${DEMO.email} with the known password ${DEMO.password}, published in the README.
  To run Latchkey for real apps, start without --demo: README.md, "Production".${warning}
${rule}

Open ${base}/playground to walk through the six steps (log in as ${DEMO.email} / ${DEMO.password}).
Open ${base}/admin for the admin console: ${DEMO.email} is its administrator (latchkey admins list).

Latchkey is running at ${issuer} with a demo:
  apps      ${DEMO.appName}  client_id=${DEMO.clientId}  callback=${DEMO.callback}
            ${DEMO.nativeAppName}  client_id=${DEMO.nativeClientId}  callback=http://127.0.0.1/callback (any port)
            Playground  client_id=${DEMO.playgroundClientId}  callback=${issuer}playground/callback
  API       ${DEMO.apiName}  audience=${DEMO.audience}  scopes=read:appointments write:appointments
            RBAC: a user's access token carries only the scopes their roles allow, and their permissions
  roles     ${DEMO_ROLES.map((r) => `${r.name} (${r.permissions.join(' ')})`).join(', ')}
  user      ${DEMO.email} / ${DEMO.password}, at first a ${DEMO_ROLES[0].name}: to book appointments too, make them a ${DEMO_ROLES[1].name} with
              npx latchkey users roles assign ${DEMO.email} ${DEMO_ROLES[1].name}
            and log in again (or refresh: roles are read again at every refresh). docs/authorization.md${options.devOutbox ? `\n  emails    ${base}/dev/outbox shows the emails Latchkey sends (password-reset links included)` : ''}

Two-step verification (TOTP, recovery codes): restart with LATCHKEY_MFA=always npm start (or optional);
  the playground then shows how you logged in (amr) in the decoded ID token. docs/mfa.md.

Try the flow (README.md walks through it step by step with curl):
  open "${base}/authorize?response_type=code&client_id=${DEMO.clientId}&redirect_uri=${encodeURIComponent(DEMO.callback)}&scope=openid%20profile%20email%20offline_access%20read:appointments&audience=${encodeURIComponent(DEMO.audience)}&state=xyz&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
  log in, copy the code from the callback URL, then:
  curl -s ${base}/oauth/token -d grant_type=authorization_code -d client_id=${DEMO.clientId} \\
    -d code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk -d redirect_uri=${encodeURIComponent(DEMO.callback)} -d code=THE_CODE
`
}
