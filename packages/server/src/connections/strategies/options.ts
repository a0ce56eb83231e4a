/**
 * zod pieces shared by the strategies' options, and the one way a refusal is reported
 * (`ConnectionOptionsError` naming each problem as `options.<field>: <why>`).
 *
 * Options are Auth0's `options` object: unknown keys are allowed and left alone (`domain_aliases`,
 * `icon_url` and Auth0's other fields belong to the callers), `client_secret` is allowed (the caller
 * seals it and hands it back separately, as `UpstreamConnection.clientSecret`), and the fields a
 * strategy uses are checked and returned normalised.
 */
import { z } from 'zod'
import { ConnectionOptionsError } from './errors.js'
import { upstreamUrlProblem } from './http.js'

const HAS_CONTROL = /[\p{Cc}\p{Cf}]/u
/** RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/** An upstream URL: https, or http only to a loopback host. */
export const upstreamUrl = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    const problem = upstreamUrlProblem(value)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

export const clientId = z
  .string()
  .min(1, 'is required')
  .max(512)
  .refine((v) => !HAS_CONTROL.test(v) && v.trim() === v, 'must not contain spaces at its ends or control characters')

/**
 * A scope as a space-separated string or, as Auth0's social connections store it, a list; returned
 * as the list of its distinct tokens.
 */
export const scopeList = z
  .union([z.string().max(2048), z.array(z.string().max(256)).max(64)])
  .transform((value, ctx) => {
    const tokens = (Array.isArray(value) ? value.join(' ') : value).split(/\s+/).filter((t) => t !== '')
    const bad = tokens.find((t) => !SCOPE_TOKEN.test(t))
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `"${bad.replace(/[^\x20-\x7e]/g, '?')}" is not a scope token` })
      return z.NEVER
    }
    return [...new Set(tokens)]
  })

/** `client_secret` may be in the options as received; it is never read from there. */
export const clientSecretField = z.string().max(2048).optional()

export const clientAuthMethod = z.enum(['client_secret_post', 'client_secret_basic'], {
  error: 'must be client_secret_post or client_secret_basic (private_key_jwt is not supported)',
})

/** Parses `options` with `schema`, or throws ConnectionOptionsError naming every problem. */
export function parseWith<T>(strategy: string, schema: z.ZodType<T>, options: unknown): T {
  const result = schema.safeParse(options ?? {})
  if (result.success) return result.data
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? `options.${issue.path.map(String).join('.')}` : 'options'
    return `${path}: ${issue.message}`
  })
  throw new ConnectionOptionsError(strategy, issues)
}

/** The scope list with `openid` first (added when missing: an OpenID provider needs it). */
export function withOpenid(scopes: readonly string[]): string {
  return ['openid', ...scopes.filter((s) => s !== 'openid')].join(' ')
}
