/**
 * The demo playground page (`/playground` and its callback): the six steps of the Authorization Code
 * Flow with PKCE, each with an explanation and a place for its real values. The page itself is static;
 * `assets/playground.js` (no inline script) fills in the values and drives the steps.
 */
import { html } from 'hono/html'
import { layout, type Html } from './layout.js'

export interface PlaygroundSettings {
  readonly issuer: string
  readonly clientId: string
  readonly redirectUri: string
  readonly audience: string
  readonly scope: string
  readonly apiUrl: string
  /** Where the page may send requests besides Latchkey (its CSP `connect-src`), in words. */
  readonly apiOrigins: string
  readonly demoEmail: string
  readonly demoPassword: string
}

const HEAD = html`<link rel="stylesheet" href="/playground/assets/playground.css" />
    <script type="module" src="/playground/assets/playground.js"></script>`

function value(id: string, label: string): Html {
  return html`<dt>${label}</dt>
    <dd><code id="${id}" class="value">—</code></dd>`
}

export function playgroundPage(s: PlaygroundSettings): Html {
  return layout(
    'Playground',
    html`<div
        id="playground"
        data-issuer="${s.issuer}"
        data-client-id="${s.clientId}"
        data-redirect-uri="${s.redirectUri}"
        data-audience="${s.audience}"
        data-scope="${s.scope}"
        data-api-origins="${s.apiOrigins}"
      >
        <h1>The Authorization Code Flow with PKCE, step by step</h1>
        <p>
          This page is a small single-page app, the demo client <code>${s.clientId}</code>, running in your browser on
          Latchkey's own origin. It does what any app does to log a user in and call an API, one step at a time, and
          shows every real value on the way: nothing is simulated and nothing is hidden, because these are your own
          demo tokens.
        </p>
        <p class="note">
          <strong>Where things are kept.</strong> The code verifier, <code>state</code> and <code>nonce</code> must survive
          the trip to the login page and back, so they wait in this tab's <code>sessionStorage</code> (on this origin
          only, gone when the tab closes) and are deleted as soon as the callback arrives. Tokens stay only in this page's
          memory: reloading the page forgets them, and they are never put in a URL.
        </p>
        <p id="origin-warning" class="error" role="alert" hidden></p>
        <p id="status" class="note" role="status" hidden></p>

        <section id="step-1" class="step" aria-labelledby="step-1-title">
          <h2 id="step-1-title"><span class="n">1</span> Create a code verifier and its challenge</h2>
          <p>
            The app makes a secret for this one login: 32 random bytes from Web Crypto, base64url-encoded (43
            characters), the <code>code_verifier</code> (RFC 7636). It sends only its SHA-256 hash, the
            <code>code_challenge</code>, with the login request, and shows the verifier itself only when it exchanges the
            code. Someone who steals the code cannot use it without the verifier.
          </p>
          <button type="button" id="create-verifier">Create a code verifier</button>
          <dl>
            ${value('verifier', 'code_verifier')}
            ${value('challenge', 'code_challenge = BASE64URL(SHA-256(code_verifier))')}
          </dl>
        </section>

        <section id="step-2" class="step" aria-labelledby="step-2-title">
          <h2 id="step-2-title"><span class="n">2</span> Send the user to the authorization endpoint</h2>
          <p>
            The app builds a URL to Latchkey's <code>/authorize</code> with who it is (<code>client_id</code>), where to
            come back (<code>redirect_uri</code>, registered for this app), what it wants (<code>scope</code>, and the API
            as <code>audience</code>), the challenge, and two random values it will check later: <code>state</code> (this
            response answers my request) and <code>nonce</code> (this ID token was minted for my request).
          </p>
          <pre id="authorize-url" class="value">—</pre>
          <a id="authorize-link" class="button" href="/playground" hidden>Log in at Latchkey →</a>
        </section>

        <section id="step-3" class="step" aria-labelledby="step-3-title">
          <h2 id="step-3-title"><span class="n">3</span> Log in, consent, and come back with a code</h2>
          <p>
            Latchkey shows its login page; use <code>${s.demoEmail}</code> / <code>${s.demoPassword}</code>. After login
            (and consent, where an app needs it) Latchkey redirects the browser back to
            <code>${s.redirectUri}</code> with a one-time <code>code</code> (it lives 60 seconds), the <code>state</code> the
            app sent, and <code>iss</code> (RFC 9207: which server answered).
          </p>
          <dl>
            ${value('code', 'code')}
            ${value('state', 'state')}
            ${value('state-check', 'state matches the one this tab sent?')}
            ${value('iss', 'iss')}
          </dl>
        </section>

        <section id="step-4" class="step" aria-labelledby="step-4-title">
          <h2 id="step-4-title"><span class="n">4</span> Exchange the code and verifier for tokens</h2>
          <p>
            The app POSTs the code, the verifier and the same <code>redirect_uri</code> to <code>/oauth/token</code>.
            Latchkey hashes the verifier, compares it with the challenge it stored with the code, and answers with an
            access token (for the API), an ID token (who logged in, for the app) and a refresh token.
          </p>
          <pre id="token-request" class="value">—</pre>
          <button type="button" id="exchange" disabled>Exchange the code for tokens</button>
          <h3>The token response</h3>
          <pre id="token-response" class="value">—</pre>
          <p class="warning">
            <strong>Decoding is not verifying.</strong> Below, the tokens are only base64url-decoded so you can read them;
            anyone can do that, and anyone can write a token that decodes to anything. An API trusts an access token only
            after checking its signature with Latchkey's public keys (<a href="/.well-known/jwks.json">JWKS</a>), its
            issuer, audience and expiry, as the sample API does with <code>@latchkey/resource-server</code>.
          </p>
          <h3>Access token (for the API): header and payload, decoded</h3>
          <pre id="access-token-header" class="value">—</pre>
          <pre id="access-token-payload" class="value">—</pre>
          <h3>ID token (for the app): header and payload, decoded</h3>
          <pre id="id-token-header" class="value">—</pre>
          <pre id="id-token-payload" class="value">—</pre>
          <dl>${value('nonce-check', 'nonce in the ID token matches the one this tab sent?')}${value('amr', 'how you logged in (amr, RFC 8176: pwd = password, otp = a code from an app, hwk/swk = a key, fed = another provider, mfa = two factors)')}</dl>
        </section>

        <section id="step-5" class="step" aria-labelledby="step-5-title">
          <h2 id="step-5-title"><span class="n">5</span> Call the API with the access token</h2>
          <p>
            The app sends the access token in the <code>Authorization: Bearer …</code> header. The sample Appointments API
            verifies it and answers with the user's appointments. Start it with <code>npm run example:api</code>; this
            page may call ${s.apiOrigins}.
          </p>
          <label for="api-url">API URL</label>
          <input type="text" id="api-url" value="${s.apiUrl}" spellcheck="false" autocomplete="off" />
          <button type="button" id="call-api" disabled>Call the API</button>
          <dl>${value('api-status', 'status')}</dl>
          <pre id="api-body" class="value">—</pre>
          <div id="api-help" class="note" hidden>
            <p id="api-help-text"></p>
            <p>
              Meanwhile, the same token at Latchkey's own <code>/userinfo</code> (the access token's audience includes
              it because <code>openid</code> was asked for):
            </p>
            <dl>${value('userinfo-status', 'status')}</dl>
            <pre id="userinfo-body" class="value">—</pre>
          </div>
        </section>

        <section id="step-6" class="step" aria-labelledby="step-6-title">
          <h2 id="step-6-title"><span class="n">6</span> Refresh the tokens</h2>
          <p>
            When the access token expires, the app POSTs <code>grant_type=refresh_token</code> and gets new tokens without
            the user. Latchkey rotates refresh tokens: every use returns a new one and marks the old one used. Presenting
            a used one again would revoke the whole family, every token descended from this login, which is how a stolen
            refresh token is caught. This page does not try that, so your tokens keep working; compare the two values
            instead.
          </p>
          <button type="button" id="refresh" disabled>Refresh the tokens</button>
          <pre id="refresh-response" class="value">—</pre>
          <dl>
            ${value('old-refresh-token', 'refresh token before (first 12 characters)')}
            ${value('new-refresh-token', 'refresh token after (first 12 characters)')}
            ${value('rotation-check', 'rotated?')}
          </dl>
        </section>

        <p><a href="/playground">Start again</a> · <a href="/">Latchkey</a></p>
      </div>`,
    HEAD,
  )
}
