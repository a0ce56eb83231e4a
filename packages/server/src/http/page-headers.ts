/**
 * Security headers for every response (hono/secure-headers), with a strict CSP on pages. Handlers
 * that need another policy (the form_post and web_message pages) set their own CSP, and the
 * web_message page, which must load in the app's iframe, opts out of X-Frame-Options.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import { secureHeaders } from 'hono/secure-headers'

export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"

/** Pages with security keys or passkeys (views/webauthn.ts): our own scripts, which fetch the ceremony's options from this origin. */
export const WEBAUTHN_PAGE_CSP = `${PAGE_CSP}; script-src 'self'; connect-src 'self'`

const ALLOW_FRAMING = 'latchkeyAllowFraming'

export function securityHeaders(): MiddlewareHandler[] {
  const allowFraming = createMiddleware(async (c, next) => {
    await next()
    if (c.get(ALLOW_FRAMING as never)) c.res.headers.delete('X-Frame-Options')
  })
  const headers = secureHeaders({
    overwrite: false,
    crossOriginOpenerPolicy: false, // the web_message popup must keep window.opener
    crossOriginResourcePolicy: false, // JWKS and discovery are fetched from other origins
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
  })
  return [allowFraming, headers]
}

/** Marks the response as embeddable by the origins its CSP names. */
export function allowFraming(c: Context): void {
  c.set(ALLOW_FRAMING as never, true as never)
}

export function pageResponse(c: Context, body: string | Promise<string>, status = 200, csp = PAGE_CSP): Promise<Response> | Response {
  c.header('Content-Security-Policy', csp)
  c.header('Cache-Control', 'no-store')
  return c.html(body, status as 200)
}
