/**
 * Delivering an authorization response (code or error) to the app, by response mode: a redirect
 * with the parameters in the query (default) or fragment, an auto-submitting form (`form_post`), or
 * a postMessage page (`web_message`, Auth0's silent authentication and popup). Every response
 * carries `iss` (RFC 9207) and the unchanged `state`. After a form POST the redirect is a 303,
 * never a 307 (RFC 9700 §4.12).
 */
import { originOf, type ApplicationRecord, type AuthorizationRequest, type OAuthError } from '@latchkey/core'
import type { Context } from 'hono'
import { randomBytes } from 'node:crypto'
import type { Deps } from '../deps.js'
import { formPostPage, webMessagePage } from '../views/response-modes.js'
import { allowFraming, pageResponse } from './page-headers.js'
import { sanitizeDescription } from './json-answer.js'

export interface ResponseTarget {
  readonly redirectUri: string
  readonly responseMode: AuthorizationRequest['responseMode']
  readonly state: string | null
  readonly app: ApplicationRecord
}

export function deliverCode(c: Context, deps: Deps, target: ResponseTarget, code: string, afterPost: boolean) {
  return deliver(c, deps, target, { code }, afterPost)
}

export function deliverError(c: Context, deps: Deps, target: ResponseTarget, error: OAuthError, afterPost: boolean) {
  return deliver(c, deps, target, { error: error.error, error_description: sanitizeDescription(error.description) }, afterPost)
}

function deliver(c: Context, deps: Deps, target: ResponseTarget, values: Record<string, string>, afterPost: boolean) {
  const params: Record<string, string> = { ...values }
  if (target.state !== null) params.state = target.state
  params.iss = deps.config.issuer
  c.header('Cache-Control', 'no-store')

  switch (target.responseMode) {
    case 'form_post': {
      const nonce = randomBytes(16).toString('base64')
      return pageResponse(c, formPostPage(target.redirectUri, params, nonce), 200, `default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'; frame-ancestors 'none'`)
    }
    case 'web_message': {
      const nonce = randomBytes(16).toString('base64')
      const targetOrigin = originOf(target.redirectUri) ?? 'null'
      const ancestors = [...new Set([...target.app.webOrigins, ...target.app.callbacks.map(originOf).filter((o): o is string => o !== null)])]
      allowFraming(c)
      return pageResponse(
        c,
        webMessagePage(targetOrigin, params, nonce),
        200,
        `default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'; frame-ancestors ${ancestors.length ? ancestors.join(' ') : "'none'"}`,
      )
    }
    case 'fragment': {
      const url = new URL(target.redirectUri)
      url.hash = new URLSearchParams(params).toString()
      return c.redirect(url.toString(), afterPost ? 303 : 302)
    }
    default: {
      const url = new URL(target.redirectUri)
      for (const [name, value] of Object.entries(params)) url.searchParams.append(name, value)
      return c.redirect(url.toString(), afterPost ? 303 : 302)
    }
  }
}
