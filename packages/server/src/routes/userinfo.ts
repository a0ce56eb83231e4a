/**
 * GET|POST /userinfo (OIDC Core §5.3): the user's claims by the token's scope. Tokens come as
 * Bearer, or as DPoP with a proof when they are bound to a DPoP key (RFC 9449 §7, dpop/presented-token.ts).
 */
import { InvalidToken, profileClaims, type OAuthError } from '@latchkey/core'
import type { Context, Hono } from 'hono'
import type { Deps } from '../deps.js'
import { checkSenderConstraint, challengeFor, presentedToken, resourceStatus, schemeOf, type Scheme } from '../dpop/presented-token.js'
import { setDpopErrorHeaders, setDpopNonce } from '../dpop/proofs.js'
import { verifyUserinfoToken } from '../http/bearer.js'
import { toOAuthError } from '../http/oauth-error.js'

function challenge(c: Context, error: OAuthError, deps: Deps, scheme: Scheme) {
  return c.json({ error: error.error, error_description: error.description }, resourceStatus(error) as 400, {
    'WWW-Authenticate': challengeFor(deps.config.issuer, error, scheme),
    'Cache-Control': 'no-store',
  })
}

export function userinfoRoutes(app: Hono, deps: Deps): void {
  app.on(['GET', 'POST'], '/userinfo', async (c) => {
    try {
      const presented = presentedToken(c.req.header('authorization'))
      const payload = await verifyUserinfoToken(deps, presented.token)
      setDpopNonce(c, await checkSenderConstraint(c, deps, presented, payload))
      const user = await deps.store.users.get(payload.sub as string)
      if (!user || user.blocked) throw new InvalidToken('The user no longer exists or is blocked.')
      const scope = typeof payload.scope === 'string' ? payload.scope.split(' ') : []
      return c.json({ sub: user.id, ...profileClaims(user, scope) }, 200, { 'Cache-Control': 'no-store' })
    } catch (err) {
      setDpopErrorHeaders(c, err)
      return challenge(c, toOAuthError(err, deps.log, 'userinfo'), deps, schemeOf(c.req.header('authorization')))
    }
  })
}
