/**
 * Counting from the audit log: every event the server records (logins, codes, token answers,
 * reuse, key rotations) passes here first, so the counters need no code in the routes. Labels come
 * from the event type and from small fixed sets, never from what the client sent.
 */
import { type AuditEventInput, isAuditEventType } from '@latchkey/core'
import type { Metrics } from './metrics.js'

/** The grant of each token event type. */
const TOKEN_GRANTS: Readonly<Record<string, { readonly grant: string; readonly ok: boolean }>> = {
  seacft: { grant: 'authorization_code', ok: true },
  feacft: { grant: 'authorization_code', ok: false },
  sertft: { grant: 'refresh_token', ok: true },
  fertft: { grant: 'refresh_token', ok: false },
  seccft: { grant: 'client_credentials', ok: true },
  feccft: { grant: 'client_credentials', ok: false },
}

const LOGIN_FAILURES: Readonly<Record<string, string>> = { fp: 'wrong_password', fu: 'unknown_user', f: 'blocked_user' }

const OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'invalid_dpop_proof',
  'use_dpop_nonce',
  'access_denied',
  'server_error',
  'temporarily_unavailable',
])

const ROTATION_TRIGGERS = new Set(['schedule', 'cli', 'api'])

/** `value` when it is one of `allowed`, else `other`. */
function bounded(value: unknown, allowed: ReadonlySet<string>): string {
  return typeof value === 'string' && allowed.has(value) ? value : 'other'
}

function tokenType(value: unknown): string {
  if (typeof value !== 'string') return 'other'
  const lower = value.toLowerCase()
  return lower === 'bearer' ? 'Bearer' : lower === 'dpop' ? 'DPoP' : 'other'
}

/** The audit log's observer: counts one event. */
export function countAuditEvent(metrics: Metrics): (event: AuditEventInput) => void {
  return (event) => {
    if (!isAuditEventType(event.type)) return
    const details = event.details ?? {}
    metrics.auditEvents.inc({ type: event.type })
    const token = TOKEN_GRANTS[event.type]
    if (token?.ok) metrics.tokensIssued.inc({ grant_type: token.grant, token_type: tokenType(details.token_type) })
    else if (token) metrics.tokenFailures.inc({ grant_type: token.grant, error: bounded(details.error, OAUTH_ERRORS) })
    else if (event.type === 's') metrics.logins.inc({ result: 'success' })
    else if (Object.hasOwn(LOGIN_FAILURES, event.type)) metrics.logins.inc({ result: 'failure', reason: LOGIN_FAILURES[event.type] as string })
    else if (event.type === 'limit_wc') metrics.loginLocks.inc()
    else if (event.type === 'authorization_code_issued') metrics.authorizationCodes.inc()
    else if (event.type === 'ferrt' || event.type === 'authorization_code_reused') {
      // The reuse event stands for the refused request as well (an invalid_grant answer).
      const kind = event.type === 'ferrt' ? 'refresh_token' : 'authorization_code'
      metrics.reuseDetections.inc({ kind })
      metrics.tokenFailures.inc({ grant_type: kind, error: 'invalid_grant' })
    }
    else if (event.type === 'signing_key_rotated') metrics.keyRotations.inc({ trigger: bounded(details.trigger, ROTATION_TRIGGERS) })
  }
}
