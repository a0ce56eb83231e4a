/**
 * The two pages' HTML. Both show the same app; only the SDK behind it differs. The elements' ids are
 * stable: the browser test (`e2e/spa-sample.browser.test.ts`) drives the pages by them.
 */

export interface PageOptions {
  readonly title: string
  /** The bundle to load, e.g. `/assets/latchkey.js`. */
  readonly script: string
  /** The SDK named in the header. */
  readonly sdk: string
  /** The other page, for the link in the header. */
  readonly other: { readonly href: string; readonly label: string }
  /** Page 1 also offers Auth0's `/v2/logout` next to the discovery `end_session_endpoint`. */
  readonly auth0Logout: boolean
}

export function pageHtml(o: PageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/style.css">
<script type="module" src="${o.script}"></script>
</head>
<body>
<header>
  <h1>Appointments</h1>
  <p>A single-page app on <code>${o.sdk}</code>, logging in with Latchkey. <a id="other-page" href="${o.other.href}">${o.other.label}</a></p>
</header>
<main id="app" data-state="loading" aria-busy="true">
  <p id="loading">Loading…</p>
  <p id="error" role="alert" hidden></p>

  <section id="logged-out" hidden>
    <p>You are not logged in here. Tokens are kept in memory only, so reloading the page forgets them;
      your Latchkey session may still be alive, and then <em>Resume session</em> signs you in without a form.</p>
    <p class="actions">
      <button id="login" type="button">Log in</button>
      <button id="resume" type="button" class="secondary" title="prompt=none: no form, an error if Latchkey has no session">Resume session</button>
    </p>
  </section>

  <section id="logged-in" hidden>
    <p class="user">Logged in as <strong id="user-name"></strong> <span id="user-email"></span></p>

    <h2>Access token</h2>
    <dl id="token" data-refreshes="0">
      <dt>id (jti)</dt><dd><code id="token-jti"></code></dd>
      <dt>issued</dt><dd><time id="token-iat"></time></dd>
      <dt>expires</dt><dd><time id="token-exp"></time></dd>
      <dt>scope</dt><dd><code id="token-scope"></code></dd>
      <dt>organization</dt><dd><code id="token-org">none</code></dd>
      <dt>refreshes</dt><dd><span id="token-refreshes">0</span> on this page</dd>
    </dl>
    <p class="actions"><button id="refresh" type="button">Refresh token</button></p>

    <h2>Your appointments</h2>
    <ul id="appointments" data-loads="0"></ul>
    <p id="appointments-empty" hidden>No appointments yet.</p>
    <p class="actions"><button id="reload" type="button" class="secondary">Reload the list</button></p>

    <form id="book">
      <h3>Book an appointment</h3>
      <label>What <input id="title" name="title" required maxlength="200" autocomplete="off"></label>
      <label>When <input id="starts-at" name="startsAt" type="datetime-local" required></label>
      <button id="book-submit" type="submit">Book</button>
    </form>

    <p class="actions logout">
      <button id="logout" type="button">Log out</button>${o.auth0Logout ? '\n      <a id="logout-v2" href="#">Log out (Auth0 /v2/logout)</a>' : ''}
    </p>
  </section>
</main>
</body>
</html>
`
}

export const LATCHKEY_PAGE = pageHtml({
  title: 'Appointments · @latchkey/client',
  script: '/assets/latchkey.js',
  sdk: '@latchkey/client',
  other: { href: '/auth0.html', label: 'The same app on @auth0/auth0-spa-js →' },
  auth0Logout: true,
})

export const AUTH0_PAGE = pageHtml({
  title: 'Appointments · @auth0/auth0-spa-js',
  script: '/assets/auth0.js',
  sdk: '@auth0/auth0-spa-js',
  other: { href: '/', label: '← The same app on @latchkey/client' },
  auth0Logout: false,
})
