/**
 * The user's own account page (issue 15): `/u/account`, for the user of the browser's SSO session
 * (no login transaction). It lists their sign-in methods and recovery codes left, and lets them add an
 * authenticator app, a security key or a passkey, get new recovery codes, and remove a method.
 *
 * Every change is a POST behind the Origin check of every /u/* form, with a token bound to this
 * browser and this session (interaction/csrf.ts `accountToken`), and only from a recent login: one
 * within the last 15 minutes, and multi-factor (`amr` holds `mfa`) when the user already has a
 * factor; otherwise the page says to log in again. A factor added here is confirmed like one added at
 * login (the same TOTP and WebAuthn checks; a WebAuthn challenge is bound to this session's `sid`) and
 * counts from the next login; it does not upgrade the current session.
 */
import { type AuthenticatorRecord, type AuthenticatorType, isMultiFactor, newRecoveryCodes, recoveryCodeHash, single } from '@latchkey/core'
import { ConflictError } from '@latchkey/storage'
import type { Context, Hono } from 'hono'
import type { Deps } from '../deps.js'
import { pageResponse, WEBAUTHN_PAGE_CSP } from '../http/page-headers.js'
import { readBody } from '../http/read-params.js'
import { type ActiveSession, browserBinding, readSession } from '../http/session.js'
import { accountToken, sentAccountToken } from '../interaction/csrf.js'
import { deploymentPolicy } from '../mfa/requirement.js'
import { confirmTotp, pendingTotp } from '../mfa/totp-enrolment.js'
import { registrationOptions, verifyRegistration, WebAuthnRefused } from '../mfa/webauthn.js'
import { limitPerIp } from '../rate-limits/middleware.js'
import { accountDonePage, accountLoggedOutPage, accountPage, accountTotpPage } from '../views/account.js'
import { errorPage } from '../views/message.js'
import { admitCode } from './mfa.js'

/** How recent the login must be to change the sign-in methods. */
export const ACCOUNT_RECENT_MS = 15 * 60_000

const LABELS: Record<AuthenticatorType, string> = {
  totp: 'Authenticator app',
  'webauthn-roaming': 'Security key',
  'webauthn-platform': 'This device (screen lock)',
  passkey: 'Passkey',
}

/** The user's confirmed factors. */
async function factorsOf(deps: Deps, userId: string): Promise<AuthenticatorRecord[]> {
  return (await deps.store.authenticators.listForUser(userId)).filter((a) => a.confirmed)
}

/** Whether the session may change the sign-in methods: a login in the last 15 minutes, multi-factor when the user has a factor. */
export function mayChange(deps: Deps, session: ActiveSession, hasFactor: boolean): boolean {
  const recent = deps.clock.now() - session.record.authTime <= ACCOUNT_RECENT_MS
  return recent && (!hasFactor || isMultiFactor(session.record.amr))
}

/** The WebAuthn challenge's binding: this session, in a namespace no login transaction id uses. */
const ceremonyId = (session: ActiveSession) => `account:${session.record.sid}`

interface Acting {
  readonly session: ActiveSession
  readonly factors: AuthenticatorRecord[]
}

function refused(c: Context, description: string, status = 403) {
  return pageResponse(c, errorPage('access_denied', description, '/u/account'), status)
}

/** The session a POST acts in, when its token is this browser's for it and the login is recent enough; else the page that refuses. */
async function acting(c: Context, deps: Deps, form: Map<string, string[]>): Promise<Acting | Response> {
  const session = await readSession(c, deps)
  if (!session || session.user.blocked) return refused(c, 'You are not logged in in this browser. Log in through an application, then come back to your account page.', 401)
  if (!sentAccountToken(browserBinding(c, deps, false), session.record.sid, single(form, 'csrf'))) return refused(c, 'This form has expired or did not come from your account page. Open the page again and retry.')
  const factors = await factorsOf(deps, session.user.id)
  if (!mayChange(deps, session, factors.length > 0))
    return refused(c, `To change your sign-in methods, log in again${factors.length > 0 ? ' with your second factor' : ''} through an application (log out, then log in), and come back within 15 minutes.`)
  return { session, factors }
}

async function accountResponse(c: Context, deps: Deps, session: ActiveSession, extra: { notice?: string; error?: string } = {}, status = 200) {
  const binding = browserBinding(c, deps, true) as string
  const factors = await factorsOf(deps, session.user.id)
  const recent = mayChange(deps, session, factors.length > 0)
  const summary = await deps.store.recoveryCodes.summary(session.user.id)
  const view = {
    csrf: accountToken(binding, session.record.sid),
    email: session.user.email,
    factors: factors.map((f) => ({ id: f.id, label: f.name ? `${LABELS[f.type]}: ${f.name}` : LABELS[f.type], createdAt: f.createdAt, lastUsedAt: f.lastUsedAt })),
    recoveryCodesLeft: summary?.unused ?? null,
    recent,
    policyAlways: (await deploymentPolicy(deps)) === 'always',
    ...extra,
  }
  return pageResponse(c, accountPage(view), status, recent ? WEBAUTHN_PAGE_CSP : undefined)
}

/** A factor was added: audited; the first one (or one added while no recovery code is left) comes with new recovery codes, shown once. */
async function added(c: Context, deps: Deps, { session, factors }: Acting, factor: AuthenticatorRecord): Promise<Response> {
  const user = session.user
  await deps.audit.record(c, { type: 'gd_enrollment_complete', userId: user.id, details: { user_name: user.email, authenticator: factor.id, type: factor.type, via: 'account' } })
  let codes: string[] | null = null
  if (factors.length === 0 || (await deps.store.recoveryCodes.countUnused(user.id)) === 0) {
    codes = newRecoveryCodes()
    await deps.store.recoveryCodes.replace(user.id, codes.map(recoveryCodeHash), deps.clock.now())
  }
  return pageResponse(c, accountDonePage({ title: `${LABELS[factor.type]} added`, text: 'You will be asked for it when you log in.', codes }))
}

function passkeyKind(c: Context): boolean | null {
  const kind = new URL(c.req.url).searchParams.get('kind')
  return kind === 'key' || kind === 'passkey' ? kind === 'passkey' : null
}

export function accountRoutes(app: Hono, deps: Deps): void {
  app.get('/u/account', async (c) => {
    const session = await readSession(c, deps)
    if (!session || session.user.blocked) return pageResponse(c, accountLoggedOutPage())
    return accountResponse(c, deps, session)
  })

  // An authenticator app: the pending TOTP (created on first sight), then its first code.
  app.post('/u/account/totp/new', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const ok = await acting(c, deps, form)
    if (ok instanceof Response) return ok
    const user = ok.session.user
    return pageResponse(c, accountTotpPage({ csrf: single(form, 'csrf') as string, email: user.email, ...(await pendingTotp(deps, user)) }))
  })

  app.post('/u/account/totp', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const ok = await acting(c, deps, form)
    if (ok instanceof Response) return ok
    const user = ok.session.user
    const again = async (error: string, status: number) =>
      pageResponse(c, accountTotpPage({ csrf: single(form, 'csrf') as string, email: user.email, ...(await pendingTotp(deps, user)), error }), status)
    const attempt = await admitCode(c, deps, user.id)
    if (typeof attempt === 'string') return again(attempt, 429)
    const factor = await confirmTotp(deps, user.id, single(form, 'code') ?? '')
    if (!factor) {
      await attempt.failed()
      return again('That code is not right. Try the current code from your app.', 400)
    }
    await attempt.succeeded()
    return added(c, deps, ok, factor)
  })

  // A security key / this device, or a passkey: the options (JSON, for assets/webauthn.js), then the answer.
  app.post('/u/account/webauthn/options', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const passkey = passkeyKind(c)
    if (passkey === null) return refused(c, 'Choose a security key or a passkey on the page.', 400)
    const ok = await acting(c, deps, form)
    if (ok instanceof Response) return ok
    c.header('Cache-Control', 'no-store')
    return c.json(await registrationOptions(deps, { interactionId: ceremonyId(ok.session), user: ok.session.user, passkey }))
  })

  app.post('/u/account/webauthn', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const passkey = passkeyKind(c)
    if (passkey === null) return refused(c, 'Choose a security key or a passkey on the page.', 400)
    const ok = await acting(c, deps, form)
    if (ok instanceof Response) return ok
    const user = ok.session.user
    const attempt = await admitCode(c, deps, user.id)
    if (typeof attempt === 'string') return accountResponse(c, deps, ok.session, { error: attempt }, 429)
    let record: AuthenticatorRecord
    try {
      record = await verifyRegistration(deps, { interactionId: ceremonyId(ok.session), user, passkey }, single(form, 'response'))
      await deps.store.authenticators.insert(record)
    } catch (err) {
      if (!(err instanceof WebAuthnRefused || err instanceof ConflictError)) throw err
      await attempt.failed()
      deps.log.info({ user_id: user.id, reason: (err as Error).message }, 'webauthn registration refused (account page)')
      return accountResponse(c, deps, ok.session, { error: 'That security key or passkey could not be added. Try again.' }, 400)
    }
    if (!(await deps.store.authenticators.confirm(user.id, record.id, deps.clock.now()))) return refused(c, 'That security key could not be added. Try again.', 409)
    await attempt.succeeded()
    return added(c, deps, ok, record)
  })

  app.post('/u/account/recovery-codes', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const ok = await acting(c, deps, form)
    if (ok instanceof Response) return ok
    const user = ok.session.user
    if (ok.factors.length === 0) return refused(c, 'Recovery codes come with a second factor: add one first.', 400)
    const codes = newRecoveryCodes()
    await deps.store.recoveryCodes.replace(user.id, codes.map(recoveryCodeHash), deps.clock.now())
    await deps.audit.record(c, { type: 'mfa_recovery_codes_replaced', userId: user.id, details: { user_name: user.email } })
    return pageResponse(c, accountDonePage({ title: 'New recovery codes', text: 'Your previous recovery codes no longer work.', codes }))
  })

  app.post('/u/account/remove', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const ok = await acting(c, deps, form)
    if (ok instanceof Response) return ok
    const user = ok.session.user
    const factor = ok.factors.find((f) => f.id === single(form, 'id'))
    if (!factor || !(await deps.store.authenticators.delete(user.id, factor.id))) return refused(c, 'That sign-in method is not one of yours, or was already removed.', 404)
    // A removed factor may be a lost one: browsers remembered after it no longer skip the challenge.
    await deps.store.authenticators.revokeRememberedBrowsers(user.id, deps.clock.now())
    const left = ok.factors.length - 1
    if (left === 0) await deps.store.recoveryCodes.deleteForUser(user.id)
    await deps.audit.record(c, { type: 'mfa_factor_removed', userId: user.id, details: { user_name: user.email, authenticator: factor.id, type: factor.type, factors_left: left } })
    const always = (await deploymentPolicy(deps)) === 'always'
    const text =
      left > 0
        ? 'It will no longer be accepted when you log in.'
        : always
          ? 'You have no second factor left, and your recovery codes are gone. Two-step verification is required here: you will set up a new factor at your next login.'
          : 'You have no second factor left, and your recovery codes are gone: you sign in with your password only.'
    return pageResponse(c, accountDonePage({ title: `${LABELS[factor.type]} removed`, text }))
  })
}
