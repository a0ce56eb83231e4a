/**
 * "Complete the login": the one step every way of authenticating ends in (a password, a new account,
 * an upstream connection, and the second factors a later step adds). The user is who they are;
 * from here it is the same for all: a new SSO session (the previous one of this browser ends), the
 * last login time, the audit event of the method, the invitation accepted within this login, and
 * `proceed` with the authentication as the login step's change, which decides organization
 * membership, consent and the code. A login to an organization through a connection it does not
 * use is refused here, before the session starts (interaction/organization-access.ts).
 */
import { AccessDenied, firstFactorAmr, type ApiRecord, type ApplicationRecord, DATABASE_CONNECTION, type InteractionRecord, type UserRecord } from '@latchkey/core'
import type { Context } from 'hono'
import { queueVerificationEmail } from '../account/email-verification.js'
import type { Deps } from '../deps.js'
import { deliverError } from '../http/authorization-response.js'
import { startSession } from '../http/session.js'
import { proceed, targetOf } from './flow.js'
import { CONNECTION_NOT_ENABLED, loginConnectionId, organizationConnection } from './organization-access.js'
import { type Accepted, recordAcceptance } from './organization-context.js'

/** How the user proved who they are, and the audit event it records (Auth0's codes). */
export type LoginMethod =
  /** The database connection's password: `s` (Success Login). */
  | { readonly kind: 'password' }
  /** A new account of the database connection: `ss` (Success Signup), which also logs in. */
  | { readonly kind: 'signup' }
  /** An upstream connection (the user's identity there): `s`, naming the connection. The session keeps the connection and the upstream ID token (sealed) for federated logout. */
  | {
      readonly kind: 'connection'
      readonly connection: string
      readonly connectionId: string
      readonly idToken: string | null
      readonly linked?: boolean
      /** The upstream ID token's `amr`, and whether the connection trusts it (`options.trust_upstream_mfa`): then an upstream MFA counts here. */
      readonly upstreamAmr?: readonly string[]
      readonly trustUpstreamMfa?: boolean
    }
  /** A passkey (a discoverable WebAuthn credential): `s`, naming the authenticator. With user verification (the UV flag) it is multi-factor by itself. */
  | { readonly kind: 'passkey'; readonly authenticatorId: string; readonly userVerified: boolean; readonly deviceType: 'singleDevice' | 'multiDevice' }

const AUDIT: Record<LoginMethod['kind'], { readonly type: 's' | 'ss'; readonly message: string }> = {
  password: { type: 's', message: 'login succeeded' },
  signup: { type: 'ss', message: 'signup succeeded' },
  connection: { type: 's', message: 'login succeeded through a connection' },
  passkey: { type: 's', message: 'login succeeded with a passkey' },
}

export interface CompletedAuthentication {
  readonly interaction: InteractionRecord
  readonly app: ApplicationRecord
  readonly api: ApiRecord | null
  readonly user: UserRecord
  readonly method: LoginMethod
  /** The invitation this login accepted (already consumed, in the caller's transaction). */
  readonly accepted: Accepted | null
}

export async function completeLogin(c: Context, deps: Deps, done: CompletedAuthentication): Promise<Response> {
  const { interaction, app, api, user, accepted } = done
  if (mustVerifyFirst(deps, user)) return refuseUnverified(c, deps, done)
  const orgId = interaction.request.organization
  if (orgId !== null) {
    const connectionId = await loginConnectionId(deps, user, done.method.kind === 'connection' ? done.method.connectionId : null)
    if (!(await organizationConnection(deps, orgId, connectionId))) return refuseConnection(c, deps, done)
  }
  const upstream =
    done.method.kind === 'connection'
      ? { connectionId: done.method.connectionId, sealedIdToken: done.method.idToken === null ? null : await deps.keys.encryption.encrypt(done.method.idToken) }
      : null
  const amr =
    done.method.kind === 'connection'
      ? firstFactorAmr('connection', { upstreamAmr: done.method.upstreamAmr ?? null, trustUpstreamMfa: done.method.trustUpstreamMfa === true })
      : done.method.kind === 'passkey'
        ? firstFactorAmr('passkey', { userVerified: done.method.userVerified, deviceType: done.method.deviceType })
        : firstFactorAmr(done.method.kind)
  const record = await startSession(c, deps, user, upstream, amr)
  const now = deps.clock.now()
  const counted = await deps.store.users.recordLogin(user.id, now)
  const audit = AUDIT[done.method.kind]
  deps.log.info({ client_id: app.clientId, user_id: user.id }, audit.message)
  await deps.audit.record(c, {
    type: audit.type,
    clientId: app.clientId,
    userId: user.id,
    details: {
      user_name: user.email,
      org_id: interaction.request.organization ?? undefined,
      connection: done.method.kind === 'connection' ? done.method.connection : undefined,
      linked: done.method.kind === 'connection' && done.method.linked ? true : undefined,
      authenticator: done.method.kind === 'passkey' ? done.method.authenticatorId : undefined,
    },
  })
  if (accepted) await recordAcceptance(c, deps, accepted, user)
  return proceed(c, deps, {
    request: interaction.request,
    app,
    api,
    session: { record, user: counted ?? { ...user, lastLoginAt: now } },
    interaction,
    changes: { authenticated: { userId: user.id, sessionSid: record.sid, authTime: record.authTime }, upstream: null, link: null },
    afterPost: true,
  })
}

/** LATCHKEY_EMAIL_VERIFICATION=required: a user of the database connection logs in once their address is verified. */
function mustVerifyFirst(deps: Deps, user: UserRecord): boolean {
  return deps.config.email.verification === 'required' && user.connection === DATABASE_CONNECTION.name && !user.emailVerified
}

/**
 * No session and no code: the app gets `access_denied` saying why (the way Auth0 deployments refuse
 * unverified users), and, after a password login, a new verification link is on its way (a sign-up
 * has just sent one). The login transaction ends.
 */
async function refuseUnverified(c: Context, deps: Deps, done: CompletedAuthentication): Promise<Response> {
  const { interaction, app, user } = done
  if (done.method.kind === 'password') await queueVerificationEmail(c, deps, { user, app })
  deps.log.info({ client_id: app.clientId, user_id: user.id }, 'login refused: email address not verified')
  await deps.audit.record(c, { type: 'f', clientId: app.clientId, userId: user.id, details: { user_name: user.email, reason: 'email address not verified' } })
  await deps.store.interactions.take(interaction.id, interaction.step, deps.clock.now())
  const error = new AccessDenied(`Please verify your email address before logging in: we have sent a link to ${user.email}.`)
  return deliverError(c, deps, targetOf(interaction.request, app), error, true)
}

/**
 * A login through a connection the organization does not use (a request the login page would not
 * have offered): no session and no code; the app gets `access_denied`, and the transaction ends.
 */
async function refuseConnection(c: Context, deps: Deps, done: CompletedAuthentication): Promise<Response> {
  const { interaction, app, user } = done
  const orgId = interaction.request.organization
  const connection = done.method.kind === 'connection' ? done.method.connection : user.connection
  deps.log.info({ client_id: app.clientId, user_id: user.id, org_id: orgId }, 'login refused: connection not enabled for the organization')
  await deps.audit.record(c, { type: 'f', clientId: app.clientId, userId: user.id, details: { user_name: user.email, org_id: orgId, connection, reason: 'connection not enabled for the organization' } })
  await deps.store.interactions.take(interaction.id, interaction.step, deps.clock.now())
  return deliverError(c, deps, targetOf(interaction.request, app), new AccessDenied(CONNECTION_NOT_ENABLED), true)
}
