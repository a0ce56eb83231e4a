/**
 * The demo playground's script (served as-is, an ES module; no build step): plays the single-page
 * app `latchkey-playground` through the six steps of the Authorization Code Flow with PKCE and shows
 * every value. The verifier, state and nonce wait in this tab's sessionStorage while the browser is at
 * the login page, and are removed when the callback arrives; tokens live only in `tokens` below and are
 * never written to storage or to a URL. Values are written with textContent only, never as HTML.
 */

const root = document.getElementById('playground')
const config = {
  issuer: root.dataset.issuer,
  clientId: root.dataset.clientId,
  redirectUri: root.dataset.redirectUri,
  audience: root.dataset.audience,
  scope: root.dataset.scope,
  apiOrigins: root.dataset.apiOrigins,
}
const STORAGE_KEY = 'latchkey-playground:request'
const TOKEN_PATH = '/oauth/token'

/** The current token response (memory only). */
let tokens = null
/** The authorization response waiting to be exchanged: { code, verifier, nonce }. */
let pending = null

const el = (id) => document.getElementById(id)
const show = (id, text) => {
  el(id).textContent = text
}
const pretty = (value) => JSON.stringify(value, null, 2)

function mark(id, ok, text) {
  const node = el(id)
  node.textContent = text
  node.classList.toggle('ok', ok)
  node.classList.toggle('bad', !ok)
}

function status(text, isError = false) {
  const node = el('status')
  node.textContent = text
  node.classList.toggle('error', isError)
  node.hidden = text === ''
}

// ---- encoding, randomness, hashing (Web Crypto) ----

function base64url(bytes) {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function randomValue(byteLength) {
  return base64url(crypto.getRandomValues(new Uint8Array(byteLength)))
}

async function s256(verifier) {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))))
}

function decodeSegment(segment) {
  const b64 = segment.replace(/-/g, '+').replace(/_/g, '/')
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4))
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))))
}

/** Reads a JWT's header and payload. It does not check the signature: see the warning on the page. */
function decodeJwt(token) {
  const parts = typeof token === 'string' ? token.split('.') : []
  if (parts.length !== 3) throw new Error('not a JWT (three base64url parts separated by dots)')
  return { header: decodeSegment(parts[0]), payload: decodeSegment(parts[1]) }
}

// ---- the saved request (sessionStorage) ----

function saveRequest(request) {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(request))
}

/** The request this tab sent, removed as it is read: a state and a verifier serve one response. */
function takeRequest() {
  const raw = sessionStorage.getItem(STORAGE_KEY)
  sessionStorage.removeItem(STORAGE_KEY)
  if (raw === null) return null
  try {
    const request = JSON.parse(raw)
    return typeof request.verifier === 'string' && typeof request.state === 'string' ? request : null
  } catch {
    return null
  }
}

function authorizeUrl(request) {
  const url = new URL('authorize', config.issuer)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: config.scope,
    audience: config.audience,
    state: request.state,
    nonce: request.nonce,
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
  }).toString()
  return url
}

/** A form body shown one parameter a line, decoded, as a person reads it. */
function describeForm(method, path, params) {
  const lines = [...params].map(([name, value], i) => `${i === 0 ? '' : '&'}${name}=${value}`)
  return `${method} ${path}\nContent-Type: application/x-www-form-urlencoded\n\n${lines.join('\n')}`
}

async function describeResponse(res) {
  const text = await res.text()
  let body = text
  try {
    body = pretty(JSON.parse(text))
  } catch {
    // not JSON: shown as it came
  }
  return { text, shown: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}\n${body}` }
}

// ---- steps 1 and 2 ----

function renderRequest(request, linkVisible) {
  show('verifier', request.verifier)
  show('challenge', request.challenge)
  const url = authorizeUrl(request)
  const params = [...url.searchParams].map(([name, value]) => `  ${name} = ${value}`)
  show('authorize-url', `${url.href}\n\nwhich is ${url.origin}${url.pathname} with:\n${params.join('\n')}`)
  const link = el('authorize-link')
  link.href = url.href
  link.hidden = !linkVisible
}

async function createVerifier() {
  if (!crypto.subtle) {
    status('Web Crypto needs a secure context: open this page over https or at http://localhost.', true)
    return
  }
  const verifier = randomValue(32)
  const request = { verifier, challenge: await s256(verifier), state: randomValue(16), nonce: randomValue(16) }
  saveRequest(request)
  renderRequest(request, true)
  el('create-verifier').textContent = 'Create a new code verifier'
}

// ---- step 3: the callback ----

function readCallback() {
  const params = new URLSearchParams(location.search)
  const request = takeRequest()
  // The code is single-use and now read; keep it out of the address bar and the history.
  history.replaceState(null, '', location.pathname)
  if (request) renderRequest(request, false)
  el('create-verifier').textContent = 'Start again with a new code verifier'

  if (!params.has('code') && !params.has('error')) {
    status('There is no authorization response in this address (it was already read, or the page was reloaded). Start again at step 1.')
    return
  }
  show('state', params.get('state') ?? '(none)')
  const iss = params.get('iss')
  if (iss === null) show('iss', '(none)')
  else mark('iss', iss === config.issuer, iss === config.issuer ? `${iss} (this server, as expected)` : `${iss}: NOT this server (${config.issuer}); stop here`)

  if (!request) {
    mark('state-check', false, 'no: this tab has no saved request (another tab, or the page was reloaded); start again at step 1')
  } else if (params.get('state') !== request.state) {
    mark('state-check', false, `no: this tab sent ${request.state}. The response is not for this request; an app must stop here`)
  } else {
    mark('state-check', true, 'yes: this response answers the request this tab sent')
  }

  if (params.has('error')) {
    show('code', '(none)')
    status(`Latchkey answered with an error instead of a code: ${params.get('error')}: ${params.get('error_description') ?? ''}`, true)
    return
  }
  show('code', params.get('code'))
  if (!request || params.get('state') !== request.state || (iss !== null && iss !== config.issuer)) return

  pending = { code: params.get('code'), verifier: request.verifier, nonce: request.nonce }
  show('token-request', describeForm('POST', TOKEN_PATH, tokenRequest(pending)))
}

function tokenRequest(p) {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: config.clientId,
    code: p.code,
    code_verifier: p.verifier,
    redirect_uri: config.redirectUri,
  })
}

// ---- step 4: the token request ----

async function postToken(params) {
  const res = await fetch(TOKEN_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: params,
    credentials: 'omit',
    cache: 'no-store',
  })
  const { text, shown } = await describeResponse(res)
  let body = null
  try {
    body = JSON.parse(text)
  } catch {
    // shown as text
  }
  return { ok: res.ok, body, shown }
}

function showDecoded(prefix, token) {
  try {
    const { header, payload } = decodeJwt(token)
    show(`${prefix}-header`, pretty(header))
    show(`${prefix}-payload`, pretty(payload))
    return payload
  } catch (err) {
    show(`${prefix}-header`, `(could not decode: ${err.message})`)
    show(`${prefix}-payload`, '—')
    return null
  }
}

async function exchange() {
  const p = pending
  pending = null // a code works once, whatever the answer
  const result = await postToken(tokenRequest(p))
  show('token-response', result.shown)
  if (!result.ok || typeof result.body?.access_token !== 'string') {
    status('The exchange failed (see the response above). A code works once and lives 60 seconds: start again at step 1.', true)
    return
  }
  tokens = result.body
  showDecoded('access-token', tokens.access_token)
  if (typeof tokens.id_token === 'string') {
    const idToken = showDecoded('id-token', tokens.id_token)
    if (idToken) {
      const ok = idToken.nonce === p.nonce
      mark('nonce-check', ok, ok ? `yes: ${idToken.nonce}` : `no: the ID token carries ${idToken.nonce ?? 'no nonce'}, this tab sent ${p.nonce}`)
      show('amr', Array.isArray(idToken.amr) ? `${idToken.amr.join(', ')}${idToken.amr.includes('mfa') ? ' (two factors)' : ''}` : '—')
    }
  } else {
    show('id-token-header', '(no ID token: openid was not granted)')
  }
}

// ---- step 5: the API, or /userinfo when the API cannot be reached ----

async function callUserinfo() {
  try {
    const res = await fetch('/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` }, credentials: 'omit', cache: 'no-store' })
    const { shown } = await describeResponse(res)
    show('userinfo-status', String(res.status))
    show('userinfo-body', shown)
  } catch (err) {
    show('userinfo-status', `failed: ${err.message}`)
  }
}

async function callApi() {
  el('api-help').hidden = true
  let url
  try {
    url = new URL(el('api-url').value.trim())
  } catch {
    mark('api-status', false, 'not a URL: enter an absolute http(s) URL such as http://localhost:4000/api/appointments')
    return
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    mark('api-status', false, 'the API URL must use http or https')
    return
  }
  show('api-status', 'calling…')
  show('api-body', '—')
  let res
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${tokens.access_token}` }, credentials: 'omit', cache: 'no-store' })
  } catch {
    mark('api-status', false, 'unreachable')
    show(
      'api-help-text',
      `The page could not reach ${url.href}. If the sample API is not running, start it in another terminal with "npm run example:api" ` +
        `(it listens on http://localhost:4000 and lets ${location.origin} call it), then try again. If it runs elsewhere, its ` +
        `CORS_ORIGINS must include ${location.origin}, and this page may only call ${config.apiOrigins}.`,
    )
    el('api-help').hidden = false
    await callUserinfo()
    return
  }
  const { shown } = await describeResponse(res)
  mark('api-status', res.ok, String(res.status))
  const challenge = res.headers.get('www-authenticate')
  show('api-body', challenge ? `${shown}\n\nWWW-Authenticate: ${challenge}` : shown)
}

// ---- step 6: refresh ----

async function refresh() {
  const before = tokens.refresh_token
  const result = await postToken(new URLSearchParams({ grant_type: 'refresh_token', client_id: config.clientId, refresh_token: before }))
  show('refresh-response', result.shown)
  if (!result.ok || typeof result.body?.access_token !== 'string') {
    status('The refresh failed (see the response above): start again at step 1.', true)
    tokens = { ...tokens, refresh_token: undefined }
    return
  }
  tokens = { ...tokens, ...result.body }
  const after = result.body.refresh_token
  show('old-refresh-token', `${before.slice(0, 12)}…`)
  show('new-refresh-token', typeof after === 'string' ? `${after.slice(0, 12)}…` : '(none returned)')
  const rotated = typeof after === 'string' && after !== before
  mark('rotation-check', rotated, rotated ? 'yes: a new refresh token; Latchkey has marked the old one used' : 'no new refresh token was returned')
}

// ---- wiring ----

/** Each step's button is enabled exactly when the step can run. */
function updateButtons() {
  el('exchange').disabled = pending === null
  el('call-api').disabled = tokens === null
  el('refresh').disabled = typeof tokens?.refresh_token !== 'string'
}

/** Runs a step's handler with its button disabled, and reports what nobody expected. */
function onClick(id, handler) {
  const button = el(id)
  button.addEventListener('click', async () => {
    if (button.disabled) return
    button.disabled = true
    try {
      await handler()
    } catch (err) {
      status(`Something went wrong: ${err.message}`, true)
    } finally {
      button.disabled = false
      updateButtons()
    }
  })
}

const issuerOrigin = new URL(config.issuer).origin
if (location.origin !== issuerOrigin) {
  const warning = el('origin-warning')
  warning.textContent = `This page is open at ${location.origin}, but Latchkey's issuer is ${issuerOrigin}: the login comes back there, where this tab's sessionStorage is another one. Open `
  const link = document.createElement('a')
  link.href = `${issuerOrigin}/playground`
  link.textContent = `${issuerOrigin}/playground`
  warning.append(link, ' instead.')
  warning.hidden = false
}

onClick('create-verifier', createVerifier)
onClick('exchange', exchange)
onClick('call-api', callApi)
onClick('refresh', refresh)

try {
  if (location.pathname === '/playground/callback') readCallback()
} catch (err) {
  status(`Could not read the callback: ${err.message}`, true)
}
updateButtons()
