/**
 * Login for native apps and CLIs through a loopback redirect (RFC 8252 §7.3, §8.3): an HTTP server
 * on 127.0.0.1 with an ephemeral port, `http://127.0.0.1:<port>/callback` as the redirect URI
 * (register `http://127.0.0.1/callback`; Latchkey accepts any port for native apps), the system
 * browser for the login, a small page telling the user to close the window, then the server closes.
 */
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AuthorizeOptions } from '../authorize.js'
import type { CallbackResult } from '../callback.js'
import { createClient, type LatchkeyClient } from '../client.js'
import type { ClientOptions } from '../config.js'
import { InvalidArgumentError, LoopbackTimeoutError } from '../errors.js'
import { openSystemBrowser } from './open-browser.js'

export type LoopbackClientOptions = Omit<ClientOptions, 'redirectUri'>

export interface LoopbackOptions {
  /** Opens the authorization URL; default: the system browser, or print the URL when there is none. */
  readonly openBrowser?: (url: string) => void | Promise<void>
  /** Print the URL instead of opening a browser: `true` writes to stderr, a function receives the URL. */
  readonly print?: boolean | ((url: string) => void)
  /** Default 0: an ephemeral port chosen by the system. */
  readonly port?: number
  /** Default 300000 (5 minutes). */
  readonly timeoutMs?: number
  /** Passed to `buildAuthorizeUrl` (audience, scope, prompt, ...). */
  readonly authorize?: Omit<AuthorizeOptions, 'redirectUri' | 'state'>
}

export interface LoopbackResult extends CallbackResult {
  /** The client, logged in; its redirect URI is the loopback one used for this login. */
  readonly client: LatchkeyClient
}

const CALLBACK_PATH = '/callback'

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function page(res: ServerResponse, status: number, title: string, message: string): Promise<void> {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:system-ui,sans-serif;margin:3rem auto;max-width:32rem"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`
  return new Promise((resolve) => {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      'Referrer-Policy': 'no-referrer',
      Connection: 'close',
    })
    res.end(body, () => resolve())
  })
}

function printUrl(print: LoopbackOptions['print'], url: string): void {
  if (typeof print === 'function') print(url)
  else process.stderr.write(`Open this URL in a browser to log in:\n\n  ${url}\n\n`)
}

export async function loginWithLoopback(options: LoopbackClientOptions, loopback: LoopbackOptions = {}): Promise<LoopbackResult> {
  const timeoutMs = loopback.timeoutMs ?? 300_000
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new InvalidArgumentError('timeoutMs must be a positive number')
  const port = loopback.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('port must be an integer from 0 to 65535')

  let expectedState: string | undefined
  let finished = false
  let settle: { resolve: (r: CallbackResult) => void; reject: (e: unknown) => void } | undefined
  const outcome = new Promise<CallbackResult>((resolve, reject) => {
    settle = { resolve, reject }
  })
  let client: LatchkeyClient | undefined

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      void page(res, 404, 'Not found', 'This address only receives the login callback.')
      return
    }
    if (finished || !client || expectedState === undefined || url.searchParams.get('state') !== expectedState) {
      void page(res, 400, 'Unexpected request', 'This is not the login this program is waiting for.')
      return
    }
    finished = true
    const callbackUrl = new URL(`${CALLBACK_PATH}${url.search}`, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    client.handleCallback(callbackUrl).then(
      async (result) => {
        await page(res, 200, 'Logged in', 'You can close this window and return to the application.')
        settle?.resolve(result)
      },
      async (err: unknown) => {
        await page(res, 400, 'Login failed', `${err instanceof Error ? err.message : String(err)}. You can close this window.`)
        settle?.reject(err)
      },
    )
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const timer = setTimeout(() => settle?.reject(new LoopbackTimeoutError(`no login callback within ${timeoutMs} ms`)), timeoutMs)
  try {
    const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}${CALLBACK_PATH}`
    client = createClient({ ...options, redirectUri })
    const authorizeUrl = await client.buildAuthorizeUrl(loopback.authorize)
    expectedState = new URL(authorizeUrl).searchParams.get('state') ?? undefined

    const open = async () => {
      if (loopback.openBrowser) await loopback.openBrowser(authorizeUrl)
      else if (loopback.print) printUrl(loopback.print, authorizeUrl)
      else if (!(await openSystemBrowser(authorizeUrl))) printUrl(true, authorizeUrl)
    }
    open().catch((err: unknown) => settle?.reject(err))
    const result = await outcome
    return { client, ...result }
  } finally {
    clearTimeout(timer)
    finished = true
    // The answer was sent with `Connection: close`; give any connection still open a moment, then cut it.
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), 1000)
      server.close(() => {
        clearTimeout(force)
        resolve()
      })
      server.closeIdleConnections()
    })
  }
}
