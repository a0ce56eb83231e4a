/**
 * The first-run demo (`npm start`, i.e. `latchkey serve --demo`): on an empty database, register a
 * single-page app, the Appointments API and a user, so the flow can be tried at once with curl.
 */
import { createApi, createApplication, createUser, type Clock } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { hashPassword } from './passwords.js'

export const DEMO = {
  clientId: 'latchkey-demo-spa',
  appName: 'Demo SPA',
  callback: 'http://localhost:8080/callback',
  origin: 'http://localhost:8080',
  audience: 'https://api.example.com/appointments',
  apiName: 'Appointments API',
  email: 'demo@example.com',
  password: 'demo-password',
} as const

/** Seeds the demo when the database has no application; returns whether it did. */
export async function seedDemo(store: Store, clock: Clock): Promise<boolean> {
  if ((await store.applications.count()) > 0) return false
  const now = clock.now()
  const { record } = createApplication(
    {
      name: DEMO.appName,
      type: 'spa',
      callbacks: [DEMO.callback, 'http://127.0.0.1:8080/callback'],
      logoutUrls: [`${DEMO.origin}/`],
      webOrigins: [DEMO.origin],
    },
    now,
  )
  await store.applications.insert({ ...record, clientId: DEMO.clientId })
  await store.apis.insert(
    createApi(
      {
        name: DEMO.apiName,
        identifier: DEMO.audience,
        scopes: [
          { value: 'read:appointments', description: 'Read your appointments' },
          { value: 'write:appointments', description: 'Book appointments' },
        ],
        allowOfflineAccess: true,
      },
      now,
    ),
  )
  if (!(await store.users.findByEmail(DEMO.email)))
    await store.users.insert(createUser({ email: DEMO.email, name: 'Demo User', emailVerified: true }, await hashPassword(DEMO.password), now))
  return true
}

export function demoInstructions(issuer: string): string {
  const base = issuer.replace(/\/$/, '')
  return `
Latchkey is running at ${issuer} with a demo:
  app       ${DEMO.appName}  client_id=${DEMO.clientId}  callback=${DEMO.callback}
  API       ${DEMO.apiName}  audience=${DEMO.audience}  scopes=read:appointments write:appointments
  user      ${DEMO.email} / ${DEMO.password}

Try the flow (README.md walks through it step by step with curl):
  open "${base}/authorize?response_type=code&client_id=${DEMO.clientId}&redirect_uri=${encodeURIComponent(DEMO.callback)}&scope=openid%20profile%20email%20offline_access%20read:appointments&audience=${encodeURIComponent(DEMO.audience)}&state=xyz&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
  log in, copy the code from the callback URL, then:
  curl -s ${base}/oauth/token -d grant_type=authorization_code -d client_id=${DEMO.clientId} \\
    -d code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk -d redirect_uri=${encodeURIComponent(DEMO.callback)} -d code=THE_CODE
`
}
