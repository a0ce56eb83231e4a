/** GET|POST /userinfo (OIDC Core §5.3): the user's claims by the token's scope. */
import { InvalidToken, profileClaims, type OAuthError } from '@latchkey/core'
import type { Context, Hono } from 'hono'
import type { Deps } from '../deps.js'
import { bearerToken, verifyUserinfoToken } from '../http/bearer.js'
import { toOAuthError } from '../http/oauth-error.js'

function challenge(c: Context, error: OAuthError, deps: Deps) {
  const realm = deps.config.issuer
  const header =
    error.error === 'invalid_token' && error.description === 'Missing access token.'
      ? `Bearer realm="${realm}"`
      : `Bearer realm="${realm}", error="${error.error}", error_description="${error.description.replace(/["\\]/g, "'")}"`
  return c.json({ error: error.error, error_description: error.description }, error.status as 400, {
    'WWW-Authenticate': header,
    'Cache-Control': 'no-store',
  })
}

export function userinfoRoutes(app: Hono, deps: Deps): void {
  app.on(['GET', 'POST'], '/userinfo', async (c) => {
    try {
      const payload = await verifyUserinfoToken(deps, bearerToken(c.req.header('authorization')))
      const user = await deps.store.users.get(payload.sub as string)
      if (!user || user.blocked) throw new InvalidToken('The user no longer exists or is blocked.')
      const scope = typeof payload.scope === 'string' ? payload.scope.split(' ') : []
      return c.json({ sub: user.id, ...profileClaims(user, scope) }, 200, { 'Cache-Control': 'no-store' })
    } catch (err) {
      return challenge(c, toOAuthError(err, deps.log, 'userinfo'), deps)
    }
  })
}
