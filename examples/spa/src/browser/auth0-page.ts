/**
 * Page 2 (`/auth0.html`, its own callback): the same app on Auth0's SPA SDK, unchanged, pointed at
 * Latchkey. `domain` is the issuer without its trailing slash: the SDK builds `${domain}/authorize`,
 * `/oauth/token` and `/v2/logout` from it, keeps an `http://` prefix as given (local development),
 * and expects the ID token's `iss` to be `${domain}/`. Tokens stay in memory, and refresh tokens in
 * the SDK's Web Worker.
 */
import { createAuth0Client } from '@auth0/auth0-spa-js'
import { runApp, start } from './app.js'
import { loadSettings } from './runtime-config.js'

start(async () => {
  const settings = await loadSettings()
  const self = `${location.origin}/auth0.html`
  const auth0 = await createAuth0Client({
    domain: settings.issuer.replace(/\/$/, ''),
    clientId: settings.clientId,
    authorizationParams: { redirect_uri: self, audience: settings.audience, scope: settings.scope },
    useRefreshTokens: true,
    cacheLocation: 'memory',
  })

  /** The SDK's cached token, refreshed when needed (`cacheMode: 'off'` forces the refresh grant). */
  async function accessToken(force: boolean): Promise<string> {
    const token = await auth0.getTokenSilently(force ? { cacheMode: 'off' } : {})
    if (token === undefined) throw new Error('The SDK returned no access token.')
    return token
  }

  await runApp(settings, {
    async handleRedirect() {
      const params = new URLSearchParams(location.search)
      if (!params.has('state') || !(params.has('code') || params.has('error'))) return
      try {
        await auth0.handleRedirectCallback()
      } finally {
        history.replaceState(null, '', '/auth0.html')
      }
    },
    isAuthenticated: () => auth0.isAuthenticated(),
    getUser: () => auth0.getUser(),
    getAccessToken: accessToken,
    async fetchWithToken(url, init = {}) {
      const headers = new Headers(init.headers)
      headers.set('authorization', `Bearer ${await accessToken(false)}`)
      return fetch(url, { ...init, headers })
    },
    login: (options = {}) => auth0.loginWithRedirect({ authorizationParams: options }),
    resume: () => auth0.loginWithRedirect({ authorizationParams: { prompt: 'none' } }),
    // Auth0's logout: /v2/logout?client_id=…&returnTo=…, which ends Latchkey's SSO session too.
    logout: () => auth0.logout({ logoutParams: { returnTo: self } }),
  })
})
