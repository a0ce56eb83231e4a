/**
 * createApp(deps): the whole HTTP surface as a Hono app. No I/O at import time; tests call
 * `app.request()` or serve it on a real socket.
 */
import { OAuthError } from '@latchkey/core'
import { Hono, type Context } from 'hono'
import { csrf } from 'hono/csrf'
import { HTTPException } from 'hono/http-exception'
import { readFileSync } from 'node:fs'
import type { Deps } from './deps.js'
import { developmentOutboxRoutes } from './email/development-outbox-routes.js'
import { appCors, originRegistryOf, publicCors } from './http/cors.js'
import { errorAnswer, send } from './http/json-answer.js'
import { pageResponse, securityHeaders } from './http/page-headers.js'
import { requestLog } from './http/request-log.js'
import { InteractionProblem } from './interaction/load.js'
import { mountManagementApi } from './management/router.js'
import { requestMetrics } from './operations/request-metrics.js'
import { operationsRoutes } from './operations/routes.js'
import { authorizeRoutes } from './routes/authorize.js'
import { consentRoutes } from './routes/consent.js'
import { discoveryRoutes } from './routes/discovery.js'
import { loginRoutes } from './routes/login.js'
import { linkRoutes } from './routes/link.js'
import { passwordResetRoutes } from './routes/password-reset.js'
import { emailVerificationRoutes } from './routes/email-verification.js'
import { dbConnectionRoutes } from './routes/dbconnections.js'
import { mfaRoutes } from './routes/mfa.js'
import { webAuthnRoutes } from './routes/webauthn.js'
import { accountRoutes } from './routes/account.js'
import { adminConsoleRoutes } from './routes/admin-console.js'
import { loginCallbackRoutes } from './routes/login-callback.js'
import { organizationPromptRoutes } from './routes/organization-prompt.js'
import { signupRoutes } from './routes/signup.js'
import { logoutRoutes } from './routes/logout.js'
import { playgroundRoutes } from './routes/playground.js'
import { revokeRoutes } from './routes/revoke.js'
import { tokenRoutes } from './routes/token.js'
import { userinfoRoutes } from './routes/userinfo.js'
import { errorPage, homePage } from './views/message.js'

const STYLESHEET = readFileSync(new URL('./assets/latchkey.css', import.meta.url), 'utf8')
const JSON_PATHS = /^\/(oauth\/|userinfo|\.well-known\/)/

function isJsonPath(c: Context) {
  return JSON_PATHS.test(c.req.path)
}

export function createApp(deps: Deps): Hono {
  const app = new Hono()
  const origins = originRegistryOf(deps.store, () => deps.clock.now())

  if (deps.metrics) app.use(requestMetrics(deps.metrics))
  app.use(requestLog(deps.log))
  app.use(...securityHeaders())
  app.use('/.well-known/*', publicCors())
  app.use('/oauth/*', appCors(origins, 'POST'))
  app.use('/userinfo', appCors(origins, 'GET, POST'))
  app.use('/dbconnections/*', appCors(origins, 'POST'))
  // Origin / Sec-Fetch-Site check on the interactive forms: the form must come from Latchkey's own
  // pages, at the issuer's origin (behind a TLS proxy the request itself arrives as http) or the
  // origin the request was made to. Clients that send neither header are not browsers.
  const issuerOrigin = new URL(deps.config.issuer).origin
  const formCsrf = csrf({ origin: (origin, c) => origin === issuerOrigin || origin === new URL(c.req.url).origin })
  app.use('/u/*', async (c, next) => {
    if (c.req.header('origin') === undefined && c.req.header('sec-fetch-site') === undefined) return next()
    return formCsrf(c, next)
  })

  app.get('/u/assets/latchkey.css', (c) =>
    c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }),
  )
  operationsRoutes(app, deps)
  app.get('/', (c) => pageResponse(c, homePage(deps.config.issuer, deps.config.demo)))

  discoveryRoutes(app, deps)
  authorizeRoutes(app, deps)
  loginRoutes(app, deps)
  loginCallbackRoutes(app, deps)
  linkRoutes(app, deps)
  passwordResetRoutes(app, deps)
  emailVerificationRoutes(app, deps)
  dbConnectionRoutes(app, deps)
  mfaRoutes(app, deps)
  webAuthnRoutes(app, deps)
  accountRoutes(app, deps)
  signupRoutes(app, deps)
  organizationPromptRoutes(app, deps)
  consentRoutes(app, deps)
  tokenRoutes(app, deps)
  userinfoRoutes(app, deps)
  revokeRoutes(app, deps)
  mountManagementApi(app, deps)
  logoutRoutes(app, deps)
  if (deps.config.demo) playgroundRoutes(app, deps)
  if (deps.config.adminConsole.enabled) adminConsoleRoutes(app, deps)
  developmentOutboxRoutes(app, deps)

  // Wrong methods on known endpoints: 405 with the standard error shape.
  const methods: Record<string, string> = {
    '/oauth/token': 'POST, OPTIONS',
    '/oauth/revoke': 'POST, OPTIONS',
    '/userinfo': 'GET, POST, OPTIONS',
    '/authorize': 'GET, POST',
    '/oidc/logout': 'GET, POST',
    '/v2/logout': 'GET',
    '/u/login': 'GET, POST',
    '/u/login/connection': 'POST',
    '/login/callback': 'GET',
    '/u/consent': 'GET, POST',
    '/u/signup': 'GET, POST',
    '/u/organization': 'GET, POST',
    '/u/account': 'GET',
  }
  for (const [path, allow] of Object.entries(methods)) {
    app.all(path, (c) => {
      const error = new OAuthError('invalid_request', `Method ${c.req.method} is not allowed here.`, 405)
      c.header('Allow', allow)
      return isJsonPath(c) ? send(c, errorAnswer(error, { log: deps.log, where: path }).answer) : pageResponse(c, errorPage(error.error, error.description), 405)
    })
  }

  app.notFound((c) =>
    isJsonPath(c)
      ? c.json({ error: 'not_found', error_description: 'Not found.' }, 404)
      : pageResponse(c, errorPage('not_found', 'There is nothing at this address.'), 404),
  )

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      const status = err.status
      const error = new OAuthError(status === 403 ? 'access_denied' : 'invalid_request', status === 403 ? 'The request was refused: it did not come from this site\'s own page.' : err.message || 'Bad request.', status)
      return isJsonPath(c) ? send(c, errorAnswer(error, { log: deps.log, where: c.req.path }).answer) : pageResponse(c, errorPage(error.error, error.description), status)
    }
    const { error, answer } = errorAnswer(err, { log: deps.log, where: c.req.path })
    const continueAt = error instanceof InteractionProblem ? error.continueAt : null
    return isJsonPath(c) ? send(c, answer) : pageResponse(c, errorPage(error.error, error.description, continueAt), error.status)
  })

  return app
}
