/**
 * What every benchmark target shares: the registration it is given (one public SPA client with
 * PKCE, one API as audience / resource indicator, one user with a password), the description a
 * target hands the load generator, and the messages between the runner and the processes it starts.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

export const CALLBACK = 'http://localhost:8080/callback'
export const API_IDENTIFIER = 'https://api.example.com/appointments'
export const API_SCOPES = ['read:appointments', 'write:appointments'] as const
/** What a complete flow asks for: an ID token, a refresh token and an access token for the API. */
export const FLOW_SCOPE = 'openid profile email offline_access read:appointments'
/** What the /userinfo scenario's tokens carry: no API, so each server issues its /userinfo token. */
export const USERINFO_SCOPE = 'openid profile email'
export const USER = { email: 'bench@example.com', password: 'bench-password-0123', name: 'Bench User', nickname: 'bench' } as const
/** argon2id at OWASP's parameters (19 MiB, t=2, p=1): what Latchkey uses, and so the peer and the floor. */
export const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, algorithm: 2 } as const

export type Alg = 'RS256' | 'ES256' | 'EdDSA'
export const ALGS: readonly Alg[] = ['RS256', 'ES256', 'EdDSA']

/** One registered client and the API it asks tokens for, signing with `alg`. */
export interface ClientVariant {
  readonly clientId: string
  readonly audience: string
}

/** What a running target tells the load generator: where it is and how to talk to it. */
export interface TargetInfo {
  readonly name: string
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly origin: string
  /** Several nodes of one deployment: the load generator sends each request to the next (round robin). */
  readonly origins?: readonly string[]
  readonly paths: { readonly authorize: string; readonly token: string; readonly userinfo: string }
  /** `audience` (Auth0, Latchkey, the floor) or `resource` (RFC 8707, oidc-provider). */
  readonly audienceParam: 'audience' | 'resource'
  /** RS256 always; ES256 and EdDSA where the target offers them. */
  readonly variants: Partial<Record<Alg, ClientVariant>>
  /** A refresh answers without a new refresh token (non-rotating tokens): the same one is used again. */
  readonly refreshKeepsToken?: boolean
}

/** Runner → server process. */
export type ServerRequest =
  | { readonly id: number; readonly type: 'usage' }
  | { readonly id: number; readonly type: 'close' }
  /** V8's sampling profiler over one timed run; `profile-stop` writes the profile to `file`. */
  | { readonly id: number; readonly type: 'profile-start' }
  | { readonly id: number; readonly type: 'profile-stop'; readonly file: string }

export interface Usage {
  /** process.cpuUsage() of the server process, microseconds. */
  readonly user: number
  readonly system: number
  /** Resident set size now, bytes. */
  readonly rss: number
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url') }
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

/** Peak and current resident set size of a process, bytes (Linux /proc; null elsewhere). */
export function memoryOf(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024
    return { rss: kb('VmRSS'), peak: kb('VmHWM') }
  } catch {
    return null
  }
}

/** CPU time (user + system, all threads) a process has used, microseconds (Linux /proc; null elsewhere). */
export function cpuOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return (ticks * 1e6) / CLOCK_TICKS
  } catch {
    return null
  }
}
/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100
