/**
 * The CLI's settings: each from its flag, else its environment variable, else a default that matches
 * `npm start`'s demo (Latchkey on http://localhost:3000/, the demo native app and API).
 */
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { CliError } from './errors.js'

export const SCOPE = 'openid profile email offline_access read:appointments write:appointments'

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

export interface Flags {
  readonly issuer?: string
  readonly clientId?: string
  readonly audience?: string
  readonly apiUrl?: string
  readonly tokenFile?: string
}

export interface Config {
  /** Latchkey's issuer identifier, e.g. `http://localhost:3000/`. */
  readonly issuer: string
  readonly clientId: string
  /** The Appointments API's identifier, as registered in Latchkey. */
  readonly audience: string
  /** Where the Appointments API listens; always ends with `/`. */
  readonly apiUrl: URL
  /** Absolute path of the token file. */
  readonly tokenFile: string
  readonly scope: string
}

function httpUrl(value: string, what: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new CliError(`${what} is not a URL: ${value}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`${what} must be an http: or https: URL: ${value}`)
  return url
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

export function defaultTokenFile(): string {
  return join(homedir(), '.config', 'latchkey-appointments', 'tokens.json')
}

/** `~/…` is the home directory; a relative path is taken from where the command was typed (npm's INIT_CWD under `npm run`). */
function absolutePath(path: string, env: Readonly<Record<string, string | undefined>>): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1))
  return isAbsolute(path) ? path : resolve(nonEmpty(env.INIT_CWD) ?? process.cwd(), path)
}

export function loadConfig(flags: Flags, env: Readonly<Record<string, string | undefined>>): Config {
  const issuer = httpUrl(nonEmpty(flags.issuer) ?? nonEmpty(env.LATCHKEY_ISSUER) ?? 'http://localhost:3000/', 'The issuer (--issuer, LATCHKEY_ISSUER)')
  if (issuer.protocol === 'http:' && !LOOPBACK_HOSTS.has(issuer.hostname)) {
    throw new CliError(`The issuer must use https: (http: is only for a Latchkey on this machine): ${issuer.href}`)
  }
  const apiUrl = httpUrl(nonEmpty(flags.apiUrl) ?? nonEmpty(env.API_URL) ?? 'http://localhost:4000', 'The API URL (--api-url, API_URL)')
  if (!apiUrl.pathname.endsWith('/')) apiUrl.pathname += '/'
  const tokenFile = nonEmpty(flags.tokenFile) ?? nonEmpty(env.APPOINTMENTS_TOKEN_FILE) ?? defaultTokenFile()
  return {
    issuer: issuer.href,
    clientId: nonEmpty(flags.clientId) ?? nonEmpty(env.CLIENT_ID) ?? 'latchkey-demo-native',
    audience: nonEmpty(flags.audience) ?? nonEmpty(env.API_AUDIENCE) ?? 'https://api.example.com/appointments',
    apiUrl,
    tokenFile: absolutePath(tokenFile, env),
    scope: SCOPE,
  }
}
