/**
 * What both benchmark targets share: the registration they are given (one public SPA client with
 * PKCE, one API as audience / resource indicator, one user), and the shape every target offers the
 * runner.
 */
import { randomBytes, createHash } from 'node:crypto'
import { createServer } from 'node:net'

export const CALLBACK = 'http://localhost:8080/callback'
export const API_IDENTIFIER = 'https://api.example.com/appointments'
export const API_SCOPES = ['read:appointments', 'write:appointments'] as const
/** The scope every minted code and refresh token carries: ID token, refresh token, API scope. */
export const GRANT_SCOPE = ['openid', 'profile', 'email', 'offline_access', 'read:appointments'] as const
export const USER = { email: 'bench@example.com', name: 'Bench User', nickname: 'bench' } as const
/** How long minted codes stay valid: long enough for minting, checks and the timed run. */
export function codeLifetimeSeconds(runSeconds: number): number {
  return Math.max(600, runSeconds * 4 + 300)
}

export interface Target {
  readonly name: string
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly origin: string
  readonly paths: { readonly token: string; readonly jwks: string; readonly discovery: string }
  /** n form-encoded bodies, each a refresh_token grant with its own unused refresh token. */
  mintRefreshBodies(n: number): Promise<string[]>
  /** n form-encoded bodies, each an authorization_code grant with its own unused code and verifier. */
  mintCodeBodies(n: number): Promise<string[]>
  close(): Promise<void>
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url') }
}

export function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString()
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}
