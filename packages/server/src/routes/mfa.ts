/**
 * The second-factor steps of the login state machine (issue 15):
 *
 * - `mfa` (`/u/mfa`): the challenge: a TOTP code (±1 step, each step once: a replayed code is
 *   refused) or a recovery code (each once; using one is audited and the user is warned);
 * - `mfa_enroll` (`/u/mfa/enroll`): a user without a factor, where the policy (or a step-up) asks for
 *   one, adds a TOTP app (QR code, `otpauth://` URI and key as text), confirmed by a first code, and
 *   receives ten recovery codes, shown once.
 *
 * Both act on the browser's SSO session: the first factor started it (its `amr` says `pwd` or `fed`);
 * passing the second upgrades it (`amr` + `otp` + `mfa`, `auth_time` now), and `proceed` then finds
 * nothing more to ask. Wrong codes count per user and IP like wrong passwords: a few, then a lock
 * that says so, during which even a right code is refused. Every page answers only at its own step
 * of its own transaction, in the browser that owns it, with its form token (interaction/load.ts).
 */
import { newRecoveryCodes, recoveryCodeHash, type SecondFactorKind, single, withSecondFactor, type AuthenticatorRecord } from '@latchkey/core'
import type { Context, Hono } from 'hono'
import type { Deps } from '../deps.js'
import { clientIp } from '../http/client-ip.js'
import { pageResponse, WEBAUTHN_PAGE_CSP } from '../http/page-headers.js'
import { readBody } from '../http/read-params.js'
import { type ActiveSession, readSession } from '../http/session.js'
import { proceed, showError } from '../interaction/flow.js'
import { InteractionProblem, type LoadedInteraction, loadInteraction } from '../interaction/load.js'
import { rememberBrowser } from '../mfa/remember-browser.js'
import { acceptTotp, confirmTotp, pendingTotp, totpFactors } from '../mfa/totp-enrolment.js'
import { webAuthnFactors } from '../mfa/webauthn.js'
import type { LoginAttempt } from '../rate-limits/login-attempts.js'
import { limitPerIp } from '../rate-limits/middleware.js'
import { RateLimited } from '../rate-limits/too-many-requests.js'
import { challengePage, enrolPage, noticePage, recoveryCodesPage } from '../views/mfa.js'

const NO_SESSION = 'Your login session has ended. Go back to the application and log in again.'
const WRONG_CODE = 'That code is not right. Try the current code from your app.'

/** The session the second factor is for: the browser's, whose first factor brought the login here. */
export async function sessionFor(c: Context, deps: Deps): Promise<ActiveSession> {
  const session = await readSession(c, deps)
  if (!session || session.user.blocked) throw new InteractionProblem(NO_SESSION)
  return session
}

/** The limit on codes: per user and IP, as wrong passwords are (rate-limits/login-attempts.ts). */
export async function admitCode(c: Context, deps: Deps, userId: string): Promise<LoginAttempt | string> {
  try {
    return await deps.limits.admitLogin(clientIp(c, deps.config.trustProxy), `mfa|${userId}`)
  } catch (err) {
    if (!(err instanceof RateLimited)) throw err
    for (const [name, value] of Object.entries(err.headers)) c.header(name, value)
    return err.description
  }
}

/** The session now counts as multi-factor; the login goes on from the step that answered. */
export async function passed(deps: Deps, loaded: LoadedInteraction, session: ActiveSession, factor: SecondFactorKind): Promise<ActiveSession> {
  const now = deps.clock.now()
  const amr = withSecondFactor(session.record.amr ?? [], factor)
  const upgraded = await deps.store.sessions.upgrade(session.record.idHash, amr, now)
  if (!upgraded) throw new InteractionProblem(NO_SESSION)
  deps.log.info({ client_id: loaded.app.clientId, user_id: session.user.id, factor }, 'second factor passed')
  return { record: upgraded, user: session.user }
}

export function goOn(c: Context, deps: Deps, loaded: LoadedInteraction, session: ActiveSession) {
  const { interaction, app, api } = loaded
  return proceed(c, deps, {
    request: interaction.request,
    app,
    api,
    session,
    interaction,
    changes: { authenticated: { userId: session.user.id, sessionSid: session.record.sid, authTime: session.record.authTime } },
    afterPost: true,
  })
}

export function mfaRoutes(app: Hono, deps: Deps): void {
  app.get('/u/mfa', async (c) => {
    const loaded = await loadInteraction(c, deps, 'mfa')
    const session = await sessionFor(c, deps)
    const recovery = new URL(c.req.url).searchParams.get('method') === 'recovery'
    return challengeResponse(c, deps, loaded, session, { recovery }, 200)
  })

  app.post('/u/mfa', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, 'mfa', single(form, 'csrf') ?? null)
    const session = await sessionFor(c, deps)
    const user = session.user
    const recovery = single(form, 'action') === 'recovery'
    const again = (error: string, status: number) => challengeResponse(c, deps, loaded, session, { recovery, error }, status)

    const attempt = await admitCode(c, deps, user.id)
    if (typeof attempt === 'string') return again(attempt, 429)
    const refuse = async (reason: string, message: string) => {
      await attempt.failed()
      await deps.audit.record(c, { type: 'gd_auth_failed', clientId: loaded.app.clientId, userId: user.id, details: { user_name: user.email, reason } })
      return again(message, 400)
    }

    if (recovery) {
      const code = single(form, 'recovery_code') ?? ''
      if (code.length > 64 || !(await deps.store.recoveryCodes.use(user.id, recoveryCodeHash(code), deps.clock.now())))
        return refuse('wrong or used recovery code', 'That recovery code is not right, or was already used.')
      await attempt.succeeded()
      await passed(deps, loaded, session, 'recovery')
      const left = await deps.store.recoveryCodes.countUnused(user.id)
      await deps.audit.record(c, { type: 'gd_recovery_succeed', clientId: loaded.app.clientId, userId: user.id, details: { user_name: user.email, codes_left: left } })
      return pageResponse(c, recoveryUsedPage(loaded, left))
    }

    const code = single(form, 'code') ?? ''
    const factor = await acceptTotp(deps, await totpFactors(deps, user.id, true), code)
    if (!factor) return refuse('wrong or replayed code', WRONG_CODE)
    await attempt.succeeded()
    const upgraded = await passed(deps, loaded, session, 'otp')
    await deps.audit.record(c, { type: 'gd_auth_succeed', clientId: loaded.app.clientId, userId: user.id, details: { user_name: user.email, authenticator: factor.id } })
    if (single(form, 'remember') === 'on') rememberBrowser(c, deps, user.id)
    return goOn(c, deps, loaded, upgraded)
  })

  app.get('/u/mfa/enroll', async (c) => {
    const loaded = await loadInteraction(c, deps, 'mfa_enroll')
    const session = await sessionFor(c, deps)
    return enrolResponse(c, deps, loaded, session, null, 200)
  })

  app.post('/u/mfa/enroll', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, 'mfa_enroll', single(form, 'csrf') ?? null)
    const session = await sessionFor(c, deps)
    const user = session.user
    const attempt = await admitCode(c, deps, user.id)
    if (typeof attempt === 'string') return enrolResponse(c, deps, loaded, session, attempt, 429)
    const factor = await confirmTotp(deps, user.id, single(form, 'code') ?? '')
    if (!factor) {
      await attempt.failed()
      return enrolResponse(c, deps, loaded, session, WRONG_CODE, 400)
    }
    await attempt.succeeded()
    return enrolled(c, deps, loaded, session, factor, 'otp')
  })

  // After the recovery codes (enrolment) or the warning after a recovery code: on with the login, once the session is multi-factor.
  app.post('/u/mfa/continue', async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, ['mfa', 'mfa_enroll'], single(form, 'csrf') ?? null)
    const session = await sessionFor(c, deps)
    if (!(session.record.amr ?? []).includes('mfa')) return showError(c, new InteractionProblem('Verify with your second factor first.', `/u/mfa?state=${encodeURIComponent(loaded.interaction.id)}`))
    return goOn(c, deps, loaded, session)
  })
}

/**
 * A factor of a user is confirmed at enrolment: the session counts as multi-factor, the user gets
 * ten recovery codes (shown once), and the audit log says which authenticator.
 */
export async function enrolled(c: Context, deps: Deps, loaded: LoadedInteraction, session: ActiveSession, factor: AuthenticatorRecord, kind: SecondFactorKind): Promise<Response> {
  const user = session.user
  await passed(deps, loaded, session, kind)
  const codes = newRecoveryCodes()
  await deps.store.recoveryCodes.replace(user.id, codes.map(recoveryCodeHash), deps.clock.now())
  await deps.audit.record(c, { type: 'gd_enrollment_complete', clientId: loaded.app.clientId, userId: user.id, details: { user_name: user.email, authenticator: factor.id, type: factor.type } })
  return pageResponse(c, recoveryCodesPage({ interactionId: loaded.interaction.id, csrf: loaded.csrf, codes }))
}

/** The challenge page, offering the user's kinds of factor: a TOTP code, a security key (with its script), a recovery code. */
export async function challengeResponse(
  c: Context,
  deps: Deps,
  loaded: LoadedInteraction,
  session: ActiveSession,
  opts: { readonly recovery: boolean; readonly error?: string | null },
  status: number,
): Promise<Response> {
  const totp = (await totpFactors(deps, session.user.id, true)).length > 0
  const webauthn = (await webAuthnFactors(deps, session.user.id)).length > 0
  const view = { interactionId: loaded.interaction.id, csrf: loaded.csrf, appName: loaded.app.name, email: session.user.email, rememberDays: deps.config.mfa.rememberDays, totp: totp || !webauthn, webauthn, ...opts }
  return pageResponse(c, challengePage(view), status, webauthn && !opts.recovery ? WEBAUTHN_PAGE_CSP : undefined)
}

/** The enrolment page for the user's pending TOTP authenticator, created on first sight (one at a time). */
export async function enrolResponse(c: Context, deps: Deps, loaded: LoadedInteraction, session: ActiveSession, error: string | null, status: number): Promise<Response> {
  const user = session.user
  const totp = await pendingTotp(deps, user)
  return pageResponse(
    c,
    enrolPage({ interactionId: loaded.interaction.id, csrf: loaded.csrf, appName: loaded.app.name, email: user.email, ...totp, error }),
    status,
    WEBAUTHN_PAGE_CSP,
  )
}

function recoveryUsedPage(loaded: LoadedInteraction, left: number) {
  return noticePage({
    interactionId: loaded.interaction.id,
    csrf: loaded.csrf,
    title: 'You used a recovery code',
    text: `That code will not work again. You have ${left} recovery code${left === 1 ? '' : 's'} left: if you lost your authenticator, set up a new one and get new codes.`,
  })
}
