/**
 * Logout: Auth0's GET /v2/logout (client_id, returnTo, federated) and OpenID Connect RP-initiated
 * logout at /oidc/logout (id_token_hint, client_id, post_logout_redirect_uri, state, federated). Both
 * redirect only to one of the app's registered logout URLs; anything else gets a page. With
 * `federated`, a session that began at an upstream OpenID provider ends there too, on the way
 * (connections/federated-logout.ts, and its return at /logout/callback).
 *
 * /v2/logout ends the session at once, as Auth0 does (its SDKs call it; see docs/security.md).
 * /oidc/logout ends it at once only with an `id_token_hint` of the current session (RP-Initiated
 * Logout 1.0 §2); otherwise it asks, and the answer comes back as a POST to /u/logout, behind the
 * Origin check every /u/* form has and a token bound to this browser and this session.
 */
import { InvalidRequest, OAuthError, quoteValue, repeatedNames, SIGNING_ALGS, single, type ApplicationRecord, type RawParams } from '@latchkey/core'
import type { Context, Hono } from 'hono'
import { jwtVerify } from 'jose'
import { federatedLogoutUrl, finishFederatedLogout } from '../connections/federated-logout.js'
import type { Deps } from '../deps.js'
import { pageResponse } from '../http/page-headers.js'
import { readBody, readQuery } from '../http/read-params.js'
import { browserBinding, endSession, readSession, type ActiveSession } from '../http/session.js'
import { logoutToken, sentLogoutToken } from '../interaction/csrf.js'
import { showError } from '../interaction/flow.js'
import { logoutConfirmPage } from '../views/logout.js'
import { errorPage, messagePage } from '../views/message.js'

/** What an ID token used as a hint says: the app it was issued to, the user, and the session (`sid`; see belongsTo when absent). */
interface Hint {
  readonly clientId: string
  readonly sub: string
  readonly sid: string | null
}

/** A logout request whose app and redirect target have been checked. */
interface LogoutRequest {
  readonly app: ApplicationRecord | null
  readonly returnTo: string | undefined
  readonly state: string | undefined
  readonly hint: Hint | null
  /** Auth0's `federated`: end the session at the upstream provider of the login too (connections/federated-logout.ts). */
  readonly federated: boolean
}

async function verifyHint(deps: Deps, hint: string): Promise<Hint> {
  try {
    // Expired hints are fine (the user may log out long after login); the signature and issuer are not optional.
    const { payload, protectedHeader } = await jwtVerify(hint, await deps.keys.verificationKeys(), {
      issuer: deps.config.issuer,
      algorithms: [...SIGNING_ALGS],
      currentDate: new Date(0),
    })
    // Access tokens are signed with the same keys; only an ID token names an app and a session.
    if (protectedHeader.typ?.toLowerCase() === 'at+jwt') throw new Error('an access token')
    const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud
    if (typeof aud !== 'string' || typeof payload.sub !== 'string') throw new Error('no audience or subject')
    return { clientId: aud, sub: payload.sub, sid: typeof payload.sid === 'string' ? payload.sid : null }
  } catch {
    throw new InvalidRequest('id_token_hint is not an ID token issued by this server.')
  }
}

/**
 * Whether the hint was issued for the browser's current session. Every ID token of a browser login
 * carries the session's `sid` (it travels from the session to the code, and from the code to the
 * refresh family), so sid decides. Only a token without `sid` (none of Latchkey's own grants makes one
 * today: a grant record without sid, e.g. imported) falls back to `sub`: RP-Initiated Logout §2 asks
 * for a hint that belongs to the current session "and/or" the logged-in user, and `sub` is the best
 * that such a token can say.
 */
function belongsTo(hint: Hint | null, session: ActiveSession): boolean {
  if (hint === null || hint.sub !== session.user.id) return false
  return hint.sid === null || hint.sid === session.record.sid
}

async function loadApp(deps: Deps, clientId: string | undefined): Promise<ApplicationRecord | null> {
  if (clientId === undefined) return null
  const app = clientId.length <= 256 ? await deps.store.applications.get(clientId) : null
  if (!app) throw new InvalidRequest(`Unknown client: ${quoteValue(clientId)}`)
  return app
}

function checkReturnTo(app: ApplicationRecord | null, returnTo: string | undefined): void {
  if (returnTo === undefined) return
  if (!app) throw new InvalidRequest('client_id or id_token_hint is required to redirect after logout.')
  if (!app.allowedLogoutUrls.includes(returnTo)) throw new InvalidRequest('The returnTo URL is not in the application\'s list of allowed logout URLs.')
}

/** Auth0's `federated` is a bare flag: present (`?federated`, with any value or none) or absent. */
function asksFederated(params: RawParams): boolean {
  return params.has('federated')
}

function refuseRepeats(params: RawParams) {
  const repeated = repeatedNames(params)
  if (repeated.length > 0) throw new InvalidRequest(`Parameter "${repeated[0]}" is repeated.`)
}

/** The RP-initiated logout parameters (from the app, or carried forward by the confirmation form), checked. */
async function checkLogoutRequest(deps: Deps, params: RawParams): Promise<LogoutRequest> {
  refuseRepeats(params)
  const hintValue = single(params, 'id_token_hint')
  const hint = hintValue !== undefined ? await verifyHint(deps, hintValue) : null
  const clientId = single(params, 'client_id')
  if (clientId !== undefined && hint !== null && clientId !== hint.clientId)
    throw new InvalidRequest('client_id does not match the audience of id_token_hint.')
  const app = await loadApp(deps, clientId ?? hint?.clientId)
  const returnTo = single(params, 'post_logout_redirect_uri')
  checkReturnTo(app, returnTo)
  return { app, returnTo, state: single(params, 'state'), hint, federated: asksFederated(params) }
}

/**
 * Ends the browser's session (if any) and sends it on: to the upstream provider's logout first when
 * `federated` asks and the session began there, then to the checked returnTo, or to a page. The
 * redirect is a 302 as it always was at the logout endpoints, a 303 after the confirmation form.
 */
async function finish(c: Context, deps: Deps, session: ActiveSession | null, request: LogoutRequest, status: 302 | 303 = 302) {
  const { app, returnTo, state } = request
  await endSession(c, deps)
  const upstream = session && request.federated ? await federatedLogoutUrl(deps, session.record, { returnTo: returnTo ?? null, state: state ?? null }) : null
  deps.log.info({ client_id: app?.clientId, federated: upstream !== null }, 'logged out')
  if (session) await deps.audit.record(c, { type: 'slo', clientId: app?.clientId, userId: session.user.id, details: { return_to: returnTo ?? null, federated: upstream !== null } })
  if (upstream !== null) return c.redirect(upstream, status)
  if (returnTo === undefined) return pageResponse(c, messagePage('Logged out', 'You are now logged out.'))
  const url = new URL(returnTo)
  if (state !== undefined) url.searchParams.set('state', state)
  return c.redirect(url.toString(), status)
}

function confirm(c: Context, deps: Deps, session: ActiveSession, request: LogoutRequest) {
  const binding = browserBinding(c, deps, true) as string
  return pageResponse(
    c,
    logoutConfirmPage({
      csrf: logoutToken(binding, session.record.sid),
      userEmail: session.user.email,
      appName: request.app?.name ?? null,
      clientId: request.app?.clientId ?? null,
      postLogoutRedirectUri: request.returnTo ?? null,
      state: request.state ?? null,
      federated: request.federated,
    }),
  )
}

async function pageOnError(c: Context, fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof OAuthError) return showError(c, err)
    throw err
  }
}

export function logoutRoutes(app: Hono, deps: Deps): void {
  app.get('/v2/logout', (c) =>
    pageOnError(c, async () => {
      const params = readQuery(c)
      refuseRepeats(params)
      const client = await loadApp(deps, single(params, 'client_id'))
      const returnTo = single(params, 'returnTo')
      checkReturnTo(client, returnTo)
      const federated = asksFederated(params)
      return finish(c, deps, await readSession(c, deps), { app: client, returnTo, state: undefined, hint: null, federated })
    }),
  )

  app.on(['GET', 'POST'], '/oidc/logout', (c) =>
    pageOnError(c, async () => {
      const params = c.req.method === 'GET' ? readQuery(c) : await readBody(c, { json: false })
      const request = await checkLogoutRequest(deps, params)
      const session = await readSession(c, deps)
      // No session: nothing to end, so nothing to ask (the redirect goes only to a registered URL).
      if (session === null || belongsTo(request.hint, session)) return finish(c, deps, session, request)
      return confirm(c, deps, session, request)
    }),
  )

  // The confirmation page's answer. /u/* forms pass the Origin / Sec-Fetch-Site check (app.ts) first.
  app.post('/u/logout', (c) =>
    pageOnError(c, async () => {
      const params = await readBody(c, { json: false })
      refuseRepeats(params)
      const action = single(params, 'action')
      if (action === 'cancel') return pageResponse(c, messagePage('Still logged in', 'You are still logged in. You can close this page.'))
      if (action !== 'logout') throw new InvalidRequest('action must be logout or cancel.')
      // Everything the form carried forward is checked again: the form is only as trusted as its sender.
      const request = await checkLogoutRequest(deps, params)
      const session = await readSession(c, deps)
      // Already logged out (another tab): nothing to end, as at /oidc/logout without a session.
      if (session === null) return finish(c, deps, null, request, 303)
      if (!sentLogoutToken(browserBinding(c, deps, false), session.record.sid, single(params, 'csrf')))
        return pageResponse(c, errorPage('access_denied', 'This logout did not come from the confirmation page of this browser and session. Nothing was changed; start again from the application.'), 403)
      return finish(c, deps, session, request, 303)
    }),
  )
  // Back from an upstream provider's logout (federated): on to the app's returnTo.
  app.get('/logout/callback', (c) => finishFederatedLogout(c, deps))

  app.all('/u/logout', (c) => {
    c.header('Allow', 'POST')
    return showError(c, new InvalidRequest(`Method ${c.req.method} is not allowed here.`), 405)
  })
}
