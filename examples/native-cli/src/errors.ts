/**
 * Expected failures and the one line each is reported as. Anything else is a bug in this program
 * and is reported with its stack.
 */
import {
  AccessDeniedError,
  AuthorizationError,
  DiscoveryError,
  InvalidArgumentError,
  LoginRequiredError,
  LoopbackTimeoutError,
  ResponseValidationError,
  TokenEndpointError,
} from '@latchkey/client'
import { UnreachableError } from './network.js'

/** A failure with a message written for the user. */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CliError'
  }
}

/** The Appointments API answered with an error. */
export class ApiError extends CliError {
  readonly status: number
  readonly error: string | undefined
  constructor(status: number, error: string | undefined, message: string) {
    super(message)
    this.status = status
    this.error = error
  }
}

export const LOGIN_HINT = 'Log in with: npm run example:cli -- login'

/** Where the servers are, so a network failure can name the one that is down. */
export interface Servers {
  readonly issuer: string
  readonly apiUrl: URL
}

function find<T>(err: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e instanceof type) return e
  return undefined
}

function unreachable(err: UnreachableError, servers: Servers | undefined): string {
  if (servers && err.origin === new URL(servers.issuer).origin) {
    return `Cannot reach Latchkey at ${servers.issuer} (${err.reason}). Is it running? Start it with: npm start`
  }
  if (servers && err.origin === servers.apiUrl.origin) {
    return `Cannot reach the Appointments API at ${servers.apiUrl.href} (${err.reason}). Is it running? Start it with: npm run example:api`
  }
  return `Cannot reach ${err.origin} (${err.reason}).`
}

/** One line for an expected failure, or null for a bug. */
export function explain(err: unknown, servers?: Servers): string | null {
  if (err instanceof CliError) return err.message
  const down = find(err, UnreachableError)
  if (down) return unreachable(down, servers)
  if (err instanceof LoginRequiredError) {
    return err.error === 'invalid_grant'
      ? `Your session has ended: Latchkey refused the refresh token (${err.error_description ?? 'invalid_grant'}). ${LOGIN_HINT}`
      : `Not logged in. ${LOGIN_HINT}`
  }
  if (err instanceof AccessDeniedError) return `Login denied: ${err.error_description ?? 'the request was refused'} (access_denied).`
  if (err instanceof AuthorizationError) return `Login failed: ${err.message}.`
  if (err instanceof LoopbackTimeoutError) return `Login timed out: the browser did not come back (${err.message}).`
  if (err instanceof DiscoveryError) return `Latchkey's discovery document is not usable: ${err.message}.`
  if (err instanceof TokenEndpointError) return `Latchkey refused the request (${err.status} ${err.message}).`
  if (err instanceof ResponseValidationError) return `Latchkey's answer failed validation: ${err.message}.`
  if (err instanceof InvalidArgumentError) return `Invalid setting: ${err.message}.`
  return null
}
