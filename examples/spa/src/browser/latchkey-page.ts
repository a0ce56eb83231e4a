/**
 * Page 1 (`/`, callback `/callback`): the app on @latchkey/client. Tokens stay in memory (the SDK's
 * default): no other script on the origin can read them, and a reload forgets them. Pending logins
 * (state, nonce, PKCE verifier) wait in sessionStorage, the SDK's browser default, so they survive the
 * trip to Latchkey's login page.
 */
import { createClient } from '@latchkey/client'
import { runApp, start } from './app.js'
import { loadSettings } from './runtime-config.js'

start(async () => {
  const settings = await loadSettings()
  const home = `${location.origin}/`
  const client = createClient({
    issuer: settings.issuer,
    clientId: settings.clientId,
    redirectUri: `${location.origin}/callback`,
    audience: settings.audience,
    scope: settings.scope,
    // Only for an http: issuer, which the SDK accepts on localhost alone (local development).
    allowInsecureRequests: new URL(settings.issuer).protocol === 'http:',
  })

  await runApp(settings, {
    async handleRedirect() {
      if (location.pathname !== '/callback') return
      const params = new URLSearchParams(location.search)
      try {
        if (params.has('state') && (params.has('code') || params.has('error'))) await client.handleCallback(location.href)
      } finally {
        history.replaceState(null, '', '/')
      }
    },
    isAuthenticated: () => client.isAuthenticated(),
    async getUser() {
      return (await client.getUser()) ?? undefined
    },
    getAccessToken: (force) => client.getAccessToken({ forceRefresh: force }),
    fetchWithToken: (url, init) => client.fetchWithAuth(url, init),
    async login(options = {}) {
      location.assign(await client.buildAuthorizeUrl(options))
    },
    async resume() {
      location.assign(await client.buildAuthorizeUrl({ prompt: 'none' }))
    },
    async logout() {
      // Revokes the refresh token, then the discovery end_session_endpoint (/oidc/logout) ends the SSO session.
      location.assign(await client.logout({ returnTo: home }))
    },
    async logoutViaAuth0() {
      await client.logout() // forgets and revokes the tokens here; the URL it gives is not the one wanted
      const url = new URL('v2/logout', settings.issuer)
      url.searchParams.set('client_id', settings.clientId)
      url.searchParams.set('returnTo', home)
      return url.href
    },
  })
})
