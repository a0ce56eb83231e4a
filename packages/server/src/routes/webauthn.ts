/**
 * Security keys and passkeys in the login state machine (issue 15). Each ceremony is a pair: the
 * options (JSON, fetched by the page's script with the form token) and the answer (the form, posted
 * by the script with the authenticator's response), at the same step as the page it belongs to:
 *
 * - `mfa_enroll`: `/u/mfa/webauthn/register/options?kind=key|passkey` and `/u/mfa/webauthn/register`:
 *   a security key or this device (user verification preferred), or a passkey (a discoverable
 *   credential, user verification required); either passes the second factor and gives recovery
 *   codes, as a TOTP enrolment does;
 * - `mfa`: `/u/mfa/webauthn/options` and `/u/mfa/webauthn`: an assertion of one of the user's
 *   credentials (the counter must grow), wrong answers counted with wrong codes;
 * - `login`: `/u/login/passkey/options` and `/u/login/passkey`: "Sign in with a passkey", no list of
 *   credentials (the authenticator offers its own), the credential names the user, and the login
 *   completes as every first factor does (a passkey with user verification is multi-factor).
 *
 * The browser side: assets/webauthn.js with @simplewebauthn/browser's bundle, both served here.
 */
import { type AuthenticatorRecord, single } from '@latchkey/core'
import { ConflictError } from '@latchkey/storage'
import type { Context, Hono } from 'hono'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Deps } from '../deps.js'
import { readBody } from '../http/read-params.js'
import type { ActiveSession } from '../http/session.js'
import { InteractionProblem, type LoadedInteraction, loadInteraction } from '../interaction/load.js'
import { rememberBrowser } from '../mfa/remember-browser.js'
import { authenticationOptions, registrationOptions, verifyAssertion, verifyRegistration, WebAuthnRefused } from '../mfa/webauthn.js'
import { limitPerIp } from '../rate-limits/middleware.js'
import { admitCode, challengeResponse, enrolled, enrolResponse, goOn, passed, sessionFor } from './mfa.js'
import { passkeyLogin } from './passkey-login.js'

const SCRIPT = readFileSync(new URL('../assets/webauthn.js', import.meta.url), 'utf8')
/** @simplewebauthn/browser's UMD bundle (global `SimpleWebAuthnBrowser`), from the installed package: nothing fetched at run time. */
const LIBRARY = readFileSync(join(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '../dist/bundle/index.umd.min.js'), 'utf8')

const KEY_FAILED = 'That did not work. Try your security key again, or another way.'

function kindOf(c: Context): boolean {
  const kind = new URL(c.req.url).searchParams.get('kind')
  if (kind !== 'key' && kind !== 'passkey') throw new InteractionProblem('Choose a security key or a passkey on the page.')
  return kind === 'passkey'
}

/** Options as JSON, never cached. */
function optionsResponse(c: Context, options: unknown) {
  c.header('Cache-Control', 'no-store')
  return c.json(options)
}

export function webAuthnRoutes(app: Hono, deps: Deps): void {
  app.get('/u/assets/webauthn.js', (c) => c.body(SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }))
  app.get('/u/assets/simplewebauthn-browser.js', (c) =>
    c.body(LIBRARY, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }),
  )

  // Enrolment: a security key / this device, or a passkey.
  app.post('/u/mfa/webauthn/register/options', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, 'mfa_enroll', single(form, 'csrf') ?? null)
    const session = await sessionFor(c, deps)
    return optionsResponse(c, await registrationOptions(deps, { interactionId: loaded.interaction.id, user: session.user, passkey: kindOf(c) }))
  })

  app.post('/u/mfa/webauthn/register', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, 'mfa_enroll', single(form, 'csrf') ?? null)
    const session = await sessionFor(c, deps)
    const user = session.user
    const passkey = kindOf(c)
    const attempt = await admitCode(c, deps, user.id)
    if (typeof attempt === 'string') return enrolResponse(c, deps, loaded, session, attempt, 429)
    let record: AuthenticatorRecord
    try {
      record = await verifyRegistration(deps, { interactionId: loaded.interaction.id, user, passkey }, single(form, 'response'))
      await deps.store.authenticators.insert(record)
    } catch (err) {
      if (!(err instanceof WebAuthnRefused || err instanceof ConflictError)) throw err
      await attempt.failed()
      deps.log.info({ client_id: loaded.app.clientId, user_id: user.id, reason: (err as Error).message }, 'webauthn registration refused')
      return enrolResponse(c, deps, loaded, session, 'That security key or passkey could not be added. Try again, or use an authenticator app.', 400)
    }
    if (!(await deps.store.authenticators.confirm(user.id, record.id, deps.clock.now()))) throw new InteractionProblem('That security key could not be added. Go back to the application and try again.')
    await attempt.succeeded()
    return enrolled(c, deps, loaded, session, record, record.credential?.deviceType === 'multiDevice' ? 'swk' : 'hwk')
  })

  // The second factor: one of the user's credentials.
  app.post('/u/mfa/webauthn/options', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, 'mfa', single(form, 'csrf') ?? null)
    const session = await sessionFor(c, deps)
    try {
      return optionsResponse(c, await authenticationOptions(deps, { interactionId: loaded.interaction.id, user: session.user }))
    } catch (err) {
      if (!(err instanceof WebAuthnRefused)) throw err
      throw new InteractionProblem('You have no security key for this account: use another way.', `/u/mfa?state=${encodeURIComponent(loaded.interaction.id)}`)
    }
  })

  app.post('/u/mfa/webauthn', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, 'mfa', single(form, 'csrf') ?? null)
    const session = await sessionFor(c, deps)
    return secondFactor(c, deps, loaded, session, form)
  })

  passkeyLogin(app, deps)
}

async function secondFactor(c: Context, deps: Deps, loaded: LoadedInteraction, session: ActiveSession, form: Map<string, string[]>): Promise<Response> {
  const user = session.user
  const again = (error: string, status: number) => challengeResponse(c, deps, loaded, session, { recovery: false, error }, status)
  const attempt = await admitCode(c, deps, user.id)
  if (typeof attempt === 'string') return again(attempt, 429)
  try {
    const { authenticator, deviceType } = await verifyAssertion(deps, { interactionId: loaded.interaction.id, user }, single(form, 'response'))
    await attempt.succeeded()
    const upgraded = await passed(deps, loaded, session, deviceType === 'multiDevice' ? 'swk' : 'hwk')
    await deps.audit.record(c, { type: 'gd_auth_succeed', clientId: loaded.app.clientId, userId: user.id, details: { user_name: user.email, authenticator: authenticator.id } })
    if (single(form, 'remember') === 'on') rememberBrowser(c, deps, user.id)
    return goOn(c, deps, loaded, upgraded)
  } catch (err) {
    if (!(err instanceof WebAuthnRefused)) throw err
    await attempt.failed()
    await deps.audit.record(c, { type: 'gd_auth_failed', clientId: loaded.app.clientId, userId: user.id, details: { user_name: user.email, reason: err.message } })
    return again(KEY_FAILED, 400)
  }
}
