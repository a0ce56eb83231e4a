/**
 * `{issuer}login/callback` (Auth0's path): where every upstream provider sends the browser back with
 * `code` and `state` (or `error`). The one URL an administrator registers at Google, GitHub, Entra ID,
 * Okta or Keycloak. See connections/upstream-login.ts.
 */
import type { Hono } from 'hono'
import { finishUpstream } from '../connections/upstream-login.js'
import type { Deps } from '../deps.js'

export function loginCallbackRoutes(app: Hono, deps: Deps): void {
  app.get('/login/callback', (c) => finishUpstream(c, deps, new URL(c.req.url)))
}
