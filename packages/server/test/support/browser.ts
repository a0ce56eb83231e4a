/**
 * A minimal browser for tests: a cookie jar, manual redirects, and form posts that send `Origin`
 * as real browsers do. It drives Latchkey's HTML pages the way a person would.
 */
import { s256Challenge } from '@latchkey/core'
import { randomBytes } from 'node:crypto'

export class Browser {
  readonly cookies = new Map<string, string>()
  constructor(readonly origin: string) {}

  #cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  #store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = (pair ?? '').indexOf('=')
      const name = (pair ?? '').slice(0, eq).trim()
      const value = (pair ?? '').slice(eq + 1).trim()
      const expired = attrs.some((a) => /max-age=0/i.test(a.trim()) || /expires=thu, 01 jan 1970/i.test(a.trim()))
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(new URL(url, this.origin), { redirect: 'manual', headers: { cookie: this.#cookieHeader(), ...headers } })
    this.#store(res)
    return res
  }

  async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(new URL(url, this.origin), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.#cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', origin: new URL(this.origin).origin, ...headers },
      body: new URLSearchParams(form).toString(),
    })
    this.#store(res)
    return res
  }

  /** Follows redirects that stay on the server; stops at the first one that leaves it. */
  async follow(res: Response): Promise<Response> {
    let current = res
    for (let i = 0; i < 10 && current.status >= 300 && current.status < 400; i++) {
      const location = new URL(current.headers.get('location') as string, this.origin)
      if (location.origin !== new URL(this.origin).origin) return current
      current = await this.get(location.toString())
    }
    return current
  }
}

export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)
  if (!match?.[1]) throw new Error(`no hidden field ${name} in page`)
  return match[1]
}

/** The action of the page's first POST form, or of the first whose action starts with `prefix` (the login page also has a form per connection). */
export function formAction(html: string, prefix = ''): string {
  for (const match of html.matchAll(/<form method="post" action="([^"]+)"/g)) {
    const action = (match[1] as string).replace(/&amp;/g, '&')
    if (action.startsWith(prefix)) return action
  }
  throw new Error(prefix ? `no form posting to ${prefix}… in page` : 'no form in page')
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: s256Challenge(verifier) }
}

export interface AuthorizeOptions {
  readonly clientId: string
  readonly redirectUri?: string
  readonly scope?: string
  readonly audience?: string
  readonly state?: string
  readonly nonce?: string
  readonly challenge?: string
  readonly extra?: Record<string, string>
}

export function authorizeUrl(issuer: string, o: AuthorizeOptions): string {
  const url = new URL('authorize', issuer)
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: o.clientId,
    redirect_uri: o.redirectUri ?? 'http://localhost:8080/callback',
    scope: o.scope ?? 'openid profile email',
    audience: o.audience,
    state: o.state ?? 'state-123',
    nonce: o.nonce,
    code_challenge: o.challenge,
    code_challenge_method: o.challenge ? 'S256' : undefined,
    ...o.extra,
  }
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v)
  return url.toString()
}

/**
 * Logs in through the real pages (and accepts consent if asked) and returns the final redirect to
 * the app. The response is the one that leaves the server.
 */
export async function loginThrough(browser: Browser, url: string, email: string, password: string, consent: 'accept' | 'deny' = 'accept'): Promise<Response> {
  let res = await browser.follow(await browser.get(url))
  if (res.status === 200 && new URL(res.url).pathname === '/u/login') {
    const html = await res.text()
    res = await browser.follow(await browser.post(formAction(html, '/u/login?'), { csrf: hiddenField(html, 'csrf'), username: email, password }))
  }
  if (res.status === 200 && new URL(res.url).pathname === '/u/consent') {
    const html = await res.text()
    res = await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), action: consent }))
  }
  return res
}

export function callbackParams(res: Response): URLSearchParams {
  const location = res.headers.get('location')
  if (!location) throw new Error(`expected a redirect, got ${res.status}`)
  return new URL(location).searchParams
}
