/**
 * `google-oauth2`: the OpenID strategy with Google's issuer (https://accounts.google.com), a client
 * secret required (Google's web clients have one), Auth0's ids `google-oauth2|{sub}`, social.
 *
 * Options: `client_id`, `scope` (a string or Auth0's list; `openid` is always sent; default
 * `openid profile email`). Auth0's boolean options (`email`, `profile`, …) are accepted and left alone.
 */
import { z } from 'zod'
import type { StrategyContext } from './context.js'
import { discoveryUrlOf, oidcStrategy, type OidcOptions } from './oidc.js'
import { clientId, clientSecretField, parseWith, scopeList, withOpenid } from './options.js'
import type { Strategy } from './types.js'

export const GOOGLE_ISSUER = 'https://accounts.google.com'
const DEFAULT_SCOPE = ['openid', 'profile', 'email']

const googleSchema = z.looseObject({
  client_id: clientId,
  client_secret: clientSecretField,
  scope: scopeList.optional(),
})

export function parseGoogleOptions(options: unknown, issuer: string = GOOGLE_ISSUER): OidcOptions {
  const o = parseWith('google-oauth2', googleSchema, options)
  return {
    issuer,
    discoveryUrl: discoveryUrlOf(issuer),
    clientId: o.client_id,
    scope: withOpenid(o.scope ?? DEFAULT_SCOPE),
    tokenEndpointAuthMethod: null,
  }
}

/** `ctx.googleIssuer` replaces Google's issuer in tests (a local OpenID provider); never set in production. */
export function googleStrategy(ctx: StrategyContext): Strategy<OidcOptions> {
  const issuer = ctx.googleIssuer ?? GOOGLE_ISSUER
  return oidcStrategy(ctx, {
    strategy: 'google-oauth2',
    isSocial: true,
    clientSecret: 'required',
    parseOptions: (options) => parseGoogleOptions(options, issuer),
    identityUserId: (_connectionName, profile) => profile.id,
    endSession: false,
  })
}
