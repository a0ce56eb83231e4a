/**
 * Getting started: the seed tutorial's six steps (Authorization Code Flow with PKCE) filled in with a
 * real application's client_id and callback and a real API's identifier, as copyable snippets.
 */

export interface StartingPoint {
  readonly issuer: string
  readonly clientId: string
  readonly callback: string
  readonly audience: string
  readonly scope: string
}

export interface Step {
  readonly title: string
  readonly text: string
  readonly code: string
}

export function startingPointOf(issuer: string, client: { client_id: string; callbacks?: readonly string[] }, api: { identifier: string; scopes?: readonly { value: string }[] } | undefined): StartingPoint {
  const apiScopes = (api?.scopes ?? []).map((scope) => scope.value)
  return {
    issuer,
    clientId: client.client_id,
    callback: client.callbacks?.[0] ?? 'https://YOUR_APP/callback',
    audience: api?.identifier ?? `${issuer}api/v2/`,
    scope: ['openid', 'profile', 'email', 'offline_access', ...apiScopes].join(' '),
  }
}

/** The seed's six steps, as curl and shell: what any app does, whatever its language. */
export function sixSteps(p: StartingPoint): Step[] {
  const authorize = new URL('authorize', p.issuer)
  authorize.search = new URLSearchParams({
    response_type: 'code',
    code_challenge: 'CODE_CHALLENGE',
    code_challenge_method: 'S256',
    client_id: p.clientId,
    redirect_uri: p.callback,
    scope: p.scope,
    audience: p.audience,
    state: 'STATE',
  }).toString()
  const token = new URL('oauth/token', p.issuer).href
  return [
    {
      title: '1. Create a code verifier',
      text: 'A random secret of 43 to 128 characters, kept by the app until it asks for tokens.',
      code: "CODE_VERIFIER=$(openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\\n')",
    },
    {
      title: '2. Create a code challenge',
      text: 'The base64url SHA-256 of the verifier, sent with the authorization request.',
      code: "CODE_CHALLENGE=$(printf %s \"$CODE_VERIFIER\" | openssl dgst -sha256 -binary | openssl base64 | tr '+/' '-_' | tr -d '=\\n')",
    },
    {
      title: '3. Authorize the user',
      text: 'Send the browser to the authorization URL; Latchkey returns it to the callback with ?code=…&state=….',
      code: authorize.href.replace('CODE_CHALLENGE', '$CODE_CHALLENGE'),
    },
    {
      title: '4. Request tokens',
      text: 'Exchange the code and the verifier for an access token, an ID token and (with offline_access) a refresh token.',
      code: `curl --request POST --url '${token}' \\\n  --header 'content-type: application/x-www-form-urlencoded' \\\n  --data grant_type=authorization_code \\\n  --data 'client_id=${p.clientId}' \\\n  --data "code_verifier=$CODE_VERIFIER" \\\n  --data 'code=AUTHORIZATION_CODE' \\\n  --data 'redirect_uri=${p.callback}'`,
    },
    {
      title: '5. Call your API',
      text: `Send the access token (audience ${p.audience}) as a Bearer token.`,
      code: `curl --request GET --url 'https://YOUR_API/endpoint' \\\n  --header 'authorization: Bearer ACCESS_TOKEN'`,
    },
    {
      title: '6. Refresh tokens',
      text: 'When the access token expires, trade the refresh token for new tokens (the API must allow offline access).',
      code: `curl --request POST --url '${token}' \\\n  --header 'content-type: application/x-www-form-urlencoded' \\\n  --data grant_type=refresh_token \\\n  --data 'client_id=${p.clientId}' \\\n  --data 'refresh_token=REFRESH_TOKEN'`,
    },
  ]
}

/** The same flow through an SDK: @latchkey/client, @auth0/auth0-spa-js, and a native app. */
export function sdkSnippets(p: StartingPoint): { title: string; code: string }[] {
  const domain = new URL(p.issuer).host
  return [
    {
      title: '@latchkey/client',
      code: `import { createClient } from '@latchkey/client'

const latchkey = createClient({
  issuer: '${p.issuer}',
  clientId: '${p.clientId}',
  redirectUri: '${p.callback}',
  audience: '${p.audience}',
  scope: '${p.scope}',
})

// log in: send the browser to Latchkey
location.assign(await latchkey.buildAuthorizeUrl())
// on the callback page
await latchkey.handleCallback(location.href)
// call the API
const response = await latchkey.fetchWithAuth('https://YOUR_API/endpoint')`,
    },
    {
      title: '@auth0/auth0-spa-js',
      code: `import { createAuth0Client } from '@auth0/auth0-spa-js'

const auth0 = await createAuth0Client({
  domain: '${domain}',
  clientId: '${p.clientId}',
  useRefreshTokens: true,
  authorizationParams: {
    redirect_uri: '${p.callback}',
    audience: '${p.audience}',
    scope: '${p.scope}',
  },
})

await auth0.loginWithRedirect()
// on the callback page
await auth0.handleRedirectCallback()
const accessToken = await auth0.getTokenSilently()`,
    },
    {
      title: 'Native app (Node, @latchkey/client/node)',
      code: `import { loginWithLoopback } from '@latchkey/client/node'

// a loopback callback (RFC 8252): register http://127.0.0.1/callback on the application
const { client } = await loginWithLoopback({
  issuer: '${p.issuer}',
  clientId: '${p.clientId}',
  audience: '${p.audience}',
  scope: '${p.scope}',
})
const response = await client.fetchWithAuth('https://YOUR_API/endpoint')`,
    },
  ]
}
