/**
 * Management API errors in Auth0's shape: `{statusCode, error, message, errorCode}`, where `error`
 * is the HTTP reason phrase and `errorCode` the stable, machine-readable part. Handlers throw
 * `ManagementError`s (or the registration and storage errors `toManagementError` maps); the router
 * turns them into the one JSON answer, never a stack or a database message.
 */
import { OAuthError, RegistrationError } from '@latchkey/core'
import { ConflictError } from '@latchkey/storage'
import type { Context } from 'hono'
import type { z } from 'zod'
import type { Logger } from '../logger.js'
import { errorSummary } from '../http/json-answer.js'
import { RateLimited } from '../rate-limits/too-many-requests.js'

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
}

export class ManagementError extends Error {
  readonly statusCode: number
  readonly errorCode: string
  readonly headers: Readonly<Record<string, string>>
  constructor(statusCode: number, errorCode: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = 'ManagementError'
    this.statusCode = statusCode
    this.errorCode = errorCode
    this.headers = headers
  }

  get body(): { statusCode: number; error: string; message: string; errorCode: string } {
    return { statusCode: this.statusCode, error: REASONS[this.statusCode] ?? 'Error', message: this.message, errorCode: this.errorCode }
  }
}

export const badRequest = (message: string, errorCode = 'invalid_body') => new ManagementError(400, errorCode, message)
export const notFound = (message: string, errorCode: string) => new ManagementError(404, errorCode, message)
export const conflict = (message: string, errorCode: string) => new ManagementError(409, errorCode, message)

/** Where a zod issue was found, in Auth0's words: the body, the query string or the path. */
export type Part = 'Payload' | 'Query' | 'Path'
const PART_CODES: Readonly<Record<Part, string>> = { Payload: 'invalid_body', Query: 'invalid_query_string', Path: 'invalid_uri' }

/** `Payload validation error: 'Too small: expected string to have >=1 characters' on property name.` */
export function validationError(part: Part, issues: readonly z.core.$ZodIssue[]): ManagementError {
  const issue = issues[0]
  if (!issue) return badRequest(`${part} validation error.`, PART_CODES[part])
  const path = issue.path.map(String).join('.')
  const message =
    issue.code === 'unrecognized_keys'
      ? `${part} validation error: 'Additional properties not allowed: ${issue.keys.join(',')}'${path ? ` on property ${path}` : ''}.`
      : `${part} validation error: '${issue.message}'${path ? ` on property ${path}` : ''}.`
  return badRequest(message, PART_CODES[part])
}

/**
 * Any error as a ManagementError: registration rules (400 with their message, field names mapped
 * back to Auth0's by `fieldNames`), conflicts (409), rate limits (429 with their headers). Anything
 * else is logged (without request data) and becomes a bare 500.
 */
export function toManagementError(err: unknown, log: Logger, fieldNames: Readonly<Record<string, string>> = {}): ManagementError {
  if (err instanceof ManagementError) return err
  if (err instanceof RegistrationError) return registrationError(err, fieldNames)
  if (err instanceof ConflictError) return conflict(err.message, 'conflict')
  if (err instanceof RateLimited) return new ManagementError(429, 'too_many_requests', err.description, { ...err.headers })
  if (err instanceof OAuthError && err.status < 500) return new ManagementError(err.status, err.error, err.description)
  log.error({ err: errorSummary(err), where: 'management api' }, 'unexpected error')
  return new ManagementError(500, 'internal_error', 'The server could not complete the request.')
}

/** A registration rule's refusal as a 400, naming the Management API's fields and no CLI flags. */
function registrationError(err: RegistrationError, fieldNames: Readonly<Record<string, string>>): ManagementError {
  const message = renameFields(err.message, fieldNames).replace(/ \(--[^)]*\)/g, '')
  return badRequest(`Payload validation error: ${message}`)
}

/** Runs a registration rule of @latchkey/core; its refusals become 400s in the API's field names. */
export function registration<T>(fieldNames: Readonly<Record<string, string>>, rule: () => T): T {
  try {
    return rule()
  } catch (err) {
    if (err instanceof RegistrationError) throw registrationError(err, fieldNames)
    throw err
  }
}

/** `logoutUrls: …` (core's field path) → `allowed_logout_urls: …` (the Management API's). */
function renameFields(message: string, fieldNames: Readonly<Record<string, string>>): string {
  const match = /^([\w.]+): (.*)$/s.exec(message)
  if (!match?.[1] || match[2] === undefined) return message
  const parts = match[1].split('.')
  for (let n = parts.length; n > 0; n--) {
    const name = fieldNames[parts.slice(0, n).join('.')]
    if (name !== undefined) return `${[name, ...parts.slice(n)].join('.')}: ${match[2]}`
  }
  return message
}

export function errorResponse(c: Context, error: ManagementError): Response {
  return c.json(error.body, error.statusCode as 400, { 'Cache-Control': 'no-store', ...error.headers })
}
