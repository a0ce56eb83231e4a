/**
 * OpenID Connect Discovery 1.0 and RFC 8414 metadata, and the JWKS (public keys only). Both are
 * public documents any origin may fetch.
 */
import { CLIENT_ASSERTION_ALGS, DPOP_SIGNING_ALGS, SIGNING_ALGS } from '@latchkey/core'
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { JWKS_MAX_AGE_SECONDS, JWKS_STALE_SECONDS } from '../keys/key-ring.js'

export function discoveryDocument(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}authorize`,
    token_endpoint: `${issuer}oauth/token`,
    userinfo_endpoint: `${issuer}userinfo`,
    jwks_uri: `${issuer}.well-known/jwks.json`,
    revocation_endpoint: `${issuer}oauth/revoke`,
    end_session_endpoint: `${issuer}oidc/logout`,
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'fragment', 'form_post', 'web_message'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    subject_types_supported: ['public'],
    // RS256 first: what an app gets unless it asks for another (Auth0's SDKs expect RS256).
    id_token_signing_alg_values_supported: [...SIGNING_ALGS],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    code_challenge_methods_supported: ['S256'],
    dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'azp', 'sid', 'gty', 'name', 'nickname', 'picture', 'updated_at', 'email', 'email_verified', 'org_id', 'org_name'],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
  }
}

export function discoveryRoutes(app: Hono, deps: Deps): void {
  const document = discoveryDocument(deps.config.issuer)
  const cache = { 'Cache-Control': 'public, max-age=3600' }
  app.get('/.well-known/openid-configuration', (c) => c.json(document, 200, cache))
  app.get('/.well-known/oauth-authorization-server', (c) => c.json(document, 200, cache))
  app.get('/.well-known/jwks.json', async (c) =>
    c.json(await deps.keys.jwks(), 200, { 'Cache-Control': `public, max-age=${JWKS_MAX_AGE_SECONDS}, stale-while-revalidate=${JWKS_STALE_SECONDS}` }),
  )
}
