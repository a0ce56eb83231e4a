/**
 * Signing keys: /api/v2/keys/signing, the keys that sign tokens (current), wait to sign (next) and
 * signed before (previous), with their public key to copy or download; a rotation (the new key is
 * published at once and signs after the server's delay); and revoking a previous key.
 */
import { html } from 'htm/preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ErrorBox, Snippet, messageOf, type Session } from '../ui.js'

interface SigningKey {
  readonly kid: string
  readonly alg?: string
  readonly cert: string
  readonly current: boolean
  readonly next: boolean
  readonly previous: boolean
  readonly current_since?: string
  readonly current_until?: string
  readonly fingerprint: string
  readonly thumbprint: string
}

const when = (iso: string | undefined) => (iso === undefined ? '' : new Date(iso).toLocaleString())
const stateOf = (key: SigningKey) => (key.current ? 'Current' : key.next ? 'Next' : 'Previous')
const ORDER = { Next: 0, Current: 1, Previous: 2 } as const

/** What a key's dates say, in words. */
function timeline(key: SigningKey): string {
  if (key.next) return key.current_since ? `Published; starts signing at ${when(key.current_since)}` : 'Published; starts signing after the rotation delay'
  if (key.current) return key.current_since ? `Signing since ${when(key.current_since)}` : 'Signing'
  const until = key.current_until ? `Signed until ${when(key.current_until)}` : 'No longer signs'
  return `${until}; published while tokens it signed can still be valid`
}

/** Saves `text` as a file, from memory (no request). */
function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }))
  const link = document.createElement('a')
  link.href = url
  link.download = name
  link.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** Revoking, asked for strongly: the administrator types the start of the kid. */
function Revoke(props: { session: Session; signingKey: SigningKey; onDone: (message: string) => void }) {
  const { session, signingKey } = props
  const [asking, setAsking] = useState(false)
  const [typed, setTyped] = useState('')
  const [error, setError] = useState<string | null>(null)
  const box = useRef<HTMLDivElement>(null)
  const prefix = signingKey.kid.slice(0, 8)
  useEffect(() => {
    if (asking) box.current?.focus()
  }, [asking])
  if (!asking)
    return html`<button type="button" class="danger" disabled=${session.readOnly} onClick=${() => setAsking(true)}>Revoke</button>`
  const labelId = `revoke-${signingKey.kid}`
  const revoke = async (event: Event) => {
    event.preventDefault()
    if (typed.trim() !== prefix) {
      setError(`Type ${prefix} to confirm.`)
      return
    }
    try {
      await session.api.put(`keys/signing/${encodeURIComponent(signingKey.kid)}/revoke`, {})
      props.onDone(`Revoked ${signingKey.kid}: it is no longer in the JWKS.`)
    } catch (e) {
      setError(messageOf(e))
    }
  }
  return html`<div class="confirm" role="alertdialog" aria-labelledby=${labelId} tabindex="-1" ref=${box}>
    <p id=${labelId}><strong>Revoke key ${prefix}…?</strong> It leaves the JWKS at once: every token it signed that is still valid (ID tokens, access tokens) stops verifying, so people and apps holding them must get new ones (this console too, if this key signed its token: reload the page then). Do this when the key may be compromised. It cannot be undone.</p>
    <form onSubmit=${revoke} noValidate>
      <label for=${`${labelId}-typed`}>Type <code>${prefix}</code> to confirm</label>
      <input id=${`${labelId}-typed`} type="text" autocomplete="off" value=${typed} onInput=${(e: Event) => setTyped((e.target as HTMLInputElement).value)} />
      <${ErrorBox} error=${error} />
      <div class="actions">
        <button type="submit" class="danger">Revoke the key</button>
        <button type="button" onClick=${() => setAsking(false)}>Cancel</button>
      </div>
    </form>
  </div>`
}

function KeyCard(props: { session: Session; signingKey: SigningKey; onRevoked: (message: string) => void }) {
  const { signingKey: key } = props
  const state = stateOf(key)
  return html`<li class="key-card" aria-labelledby=${`key-${key.kid}`}>
    <h3 id=${`key-${key.kid}`}><span class=${`badge state-${state.toLowerCase()}`}>${state}</span> <code>${key.kid}</code></h3>
    <dl class="facts">
      <dt>Algorithm</dt><dd>${key.alg ?? 'RS256'}</dd>
      <dt>When</dt><dd>${timeline(key)}</dd>
      <dt>Fingerprint (SHA-1)</dt><dd><code>${key.fingerprint}</code></dd>
      <dt>Thumbprint</dt><dd><code>${key.thumbprint}</code></dd>
    </dl>
    <details>
      <summary>Public key (PEM)</summary>
      <${Snippet} title=${`Public key ${key.kid.slice(0, 8)}…`} code=${key.cert} />
    </details>
    <div class="actions">
      <button type="button" onClick=${() => download(`${key.kid}.pem`, key.cert)}>Download PEM</button>
      ${key.previous ? html`<${Revoke} session=${props.session} signingKey=${key} onDone=${props.onRevoked} />` : null}
    </div>
  </li>`
}

export function KeysPage({ session }: { session: Session }) {
  const [keys, setKeys] = useState<SigningKey[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [asking, setAsking] = useState(false)
  const [done, setDone] = useState<string | null>(null)
  const question = useRef<HTMLDivElement>(null)
  const load = () =>
    session.api.get<SigningKey[]>('keys/signing').then(
      (list) => setKeys([...list].sort((a, b) => ORDER[stateOf(a)] - ORDER[stateOf(b)])),
      (e: unknown) => setError(messageOf(e)),
    )
  useEffect(() => {
    void load()
  }, [])
  useEffect(() => {
    if (asking) question.current?.focus()
  }, [asking])
  const waiting = (keys ?? []).find((k) => k.next)
  const rotate = async () => {
    setError(null)
    try {
      const rotated = await session.api.post<{ kid: string }>('keys/signing/rotate')
      setAsking(false)
      const list = await session.api.get<SigningKey[]>('keys/signing')
      setKeys([...list].sort((a, b) => ORDER[stateOf(a)] - ORDER[stateOf(b)]))
      const next = list.find((k) => k.kid === rotated.kid)
      setDone(`Rotated: key ${rotated.kid} is in the JWKS now${next?.current_since ? ` and starts signing at ${when(next.current_since)}` : ''}.`)
    } catch (e) {
      setError(messageOf(e))
    }
  }
  const jwks = `${session.issuer}.well-known/jwks.json`
  return html`<section aria-labelledby="page-title" class="keys-page">
    <div class="page-head">
      <h1 id="page-title">Signing keys</h1>
      <button type="button" class="primary" disabled=${session.readOnly || asking || waiting !== undefined} onClick=${() => setAsking(true)}>Rotate keys</button>
    </div>
    <p class="hint">The keys that sign ID and access tokens. Apps and APIs verify tokens with the public keys at <a href=${jwks}>${jwks}</a>.</p>
    ${waiting !== undefined
      ? html`<p class="notice" data-testid="rotation-waiting">A rotation is under way: key <code>${waiting.kid.slice(0, 8)}…</code> is published and ${waiting.current_since ? `starts signing at ${when(waiting.current_since)}` : 'starts signing after the rotation delay'}. Rotate again after that (or, to switch now, <code>latchkey keys rotate --delay 0</code> on the server).</p>`
      : null}
    ${asking
      ? html`<div class="confirm" role="alertdialog" aria-labelledby="rotate-text" tabindex="-1" ref=${question}>
          <div id="rotate-text">
            <p><strong>Rotate the signing keys?</strong></p>
            <ul>
              <li>A new key (one for each algorithm in use) is published in the JWKS now, and starts signing tokens after the rotation delay (10 minutes): long enough for apps and APIs that cache the JWKS to fetch it first.</li>
              <li>Tokens signed with the current key stay valid until they expire: the current key becomes the previous key and stays published for as long as the longest token lifetime of your APIs, then it is retired.</li>
              <li>Nobody is logged out. For a leaked key, switch at once on the server (<code>latchkey keys rotate --delay 0</code>), then revoke the previous key here: every token it signed stops verifying.</li>
            </ul>
          </div>
          <${ErrorBox} error=${error} />
          <button type="button" class="primary" onClick=${rotate}>Yes, rotate</button>
          <button type="button" onClick=${() => setAsking(false)}>Cancel</button>
        </div>`
      : html`<${ErrorBox} error=${error} />`}
    ${done !== null ? html`<p class="ok" role="status">${done}</p>` : null}
    ${keys === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${keys !== null && keys.length === 0 ? html`<p class="empty">No signing key yet: the server makes one when it starts.</p>` : null}
    ${keys !== null && keys.length > 0
      ? html`<ul class="keys">${keys.map(
          (key) => html`<${KeyCard} key=${key.kid} session=${session} signingKey=${key} onRevoked=${(message: string) => {
            setDone(message)
            void load()
          }} />`,
        )}</ul>`
      : null}
  </section>`
}
