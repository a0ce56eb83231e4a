/**
 * The part GitHub-shaped and generic OAuth 2.0 stand-ins share: an authorization endpoint that logs
 * the user in at once (or denies), codes that are single-use and bound to the client, redirect URI
 * and PKCE S256 challenge, and the access tokens they become.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface IssuedCode {
  readonly clientId: string
  readonly redirectUri: string
  readonly challenge: string | null
  readonly scope: string | null
}

export class CodeDesk {
  /** `callbackUrl`: the redirect URI registered for the client; when set, any other is refused (as a real provider does). */
  constructor(readonly callbackUrl: string | null = null) {}
  readonly #codes = new Map<string, IssuedCode>()
  readonly tokens = new Set<string>()
  /** The last authorization request's parameters. */
  lastAuthorization: URLSearchParams | null = null
  /** The last token request's form and Authorization header. */
  lastTokenRequest: { form: URLSearchParams; authorization: string | undefined } | null = null

  /** Answers an authorization request: a redirect with a code and the state (or the denial), and `extra` parameters. */
  authorize(res: ServerResponse, query: URLSearchParams, deny: boolean, extra: Record<string, string> = {}): void {
    this.lastAuthorization = query
    if (this.callbackUrl !== null && query.get('redirect_uri') !== this.callbackUrl) {
      res.writeHead(400, { 'content-type': 'text/plain' })
      res.end('The redirect_uri is not the registered callback URL.')
      return
    }
    const back = new URL(query.get('redirect_uri') ?? '')
    if (deny) {
      back.searchParams.set('error', 'access_denied')
      back.searchParams.set('error_description', 'The user has denied your application access.')
    } else {
      const code = randomBytes(16).toString('hex')
      this.#codes.set(code, { clientId: query.get('client_id') ?? '', redirectUri: query.get('redirect_uri') ?? '', challenge: query.get('code_challenge'), scope: query.get('scope') })
      back.searchParams.set('code', code)
    }
    const state = query.get('state')
    if (state !== null) back.searchParams.set('state', state)
    for (const [k, v] of Object.entries(extra)) back.searchParams.set(k, v)
    res.writeHead(302, { location: back.href })
    res.end()
  }

  /** Takes a code (once) and checks its client, redirect URI and PKCE verifier; the reason it is refused, or the code. */
  redeem(form: URLSearchParams, clientId: string): IssuedCode | string {
    const code = this.#codes.get(form.get('code') ?? '')
    this.#codes.delete(form.get('code') ?? '')
    if (!code) return 'unknown or used code'
    if (code.clientId !== clientId) return 'another client'
    if (form.has('redirect_uri') && form.get('redirect_uri') !== code.redirectUri) return 'another redirect_uri'
    if (code.challenge !== null && createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') !== code.challenge) return 'PKCE verifier mismatch'
    return code
  }

  issueToken(prefix: string): string {
    const token = `${prefix}${randomBytes(16).toString('hex')}`
    this.tokens.add(token)
    return token
  }

  /** The bearer token of a request when it is one this desk issued. */
  bearer(req: IncomingMessage): string | null {
    const token = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? '')?.[1]
    return token && this.tokens.has(token) ? token : null
  }
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(body))
}

/** GET the authorization URL (the stand-ins answer it at once) and return the callback URL it redirects to. */
export async function authorizeAt(authorizationUrl: string): Promise<URL> {
  const res = await fetch(authorizationUrl, { redirect: 'manual' })
  const location = res.headers.get('location')
  if (res.status !== 302 || !location) throw new Error(`the stand-in answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
  return new URL(location)
}
