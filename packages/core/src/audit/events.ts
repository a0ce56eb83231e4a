/**
 * Audit-log event types, shaped after Auth0's log events: a short type code (Auth0's own code where
 * Auth0 has one, so filters and alerts written for Auth0 carry over), a readable name, and the
 * record the store keeps. Latchkey-only events use snake_case names in the style of Auth0's newer
 * codes. An event holds identifiers and small facts only: never a password, code, token, secret or
 * cookie value. `docs/audit-log.md` lists them for people.
 */
import { pooledRandomBytes } from '../opaque.js'

export const AUDIT_EVENT_TYPES = {
  // Logins (the /u/login form).
  s: 'Successful login',
  f: 'Failed login',
  fu: 'Failed login (invalid email or username)',
  fp: 'Failed login (wrong password)',
  limit_wc: 'Blocked account (too many failed logins)',
  // Sign-up (/u/signup) and invitations.
  ss: 'Successful signup',
  fs: 'Failed signup',
  invitation_accepted: 'Organization invitation accepted',
  // Email: password reset and address verification (issue 14).
  scpr: 'Success Change Password Request',
  fcpr: 'Failed Change Password Request',
  scp: 'Success Change Password',
  fcp: 'Failed Change Password',
  svr: 'Success Verification Email Request',
  fvr: 'Failed Verification Email Request',
  sv: 'Success Verification Email',
  fv: 'Failed Verification Email',
  // Second factors (issue 15), Auth0's Guardian codes.
  gd_enrollment_complete: 'Guardian - Enrollment complete',
  gd_auth_succeed: 'Guardian - MFA authentication success',
  gd_auth_failed: 'Guardian - MFA authentication failed',
  gd_recovery_succeed: 'Guardian - Recovery success',
  mfa_factor_removed: 'Second factor removed by the user (account page)',
  mfa_recovery_codes_replaced: 'Recovery codes replaced by the user (account page)',
  organization_member_added: 'User added to an organization',
  // Authorization.
  authorization_code_issued: 'Authorization code issued',
  // The token endpoint.
  seacft: 'Successful exchange of authorization code for access token',
  feacft: 'Failed exchange of authorization code for access token',
  authorization_code_reused: 'Authorization code reused: tokens issued from it revoked',
  sertft: 'Successful exchange of refresh token for access token',
  fertft: 'Failed exchange of refresh token for access token',
  ferrt: 'Refresh token reuse detected: token family revoked',
  seccft: 'Successful exchange of client credentials for access token',
  feccft: 'Failed exchange of client credentials for access token',
  // Revocation and logout.
  srrt: 'Refresh token revoked',
  slo: 'Successful logout',
  // Administration (the CLI; later the Management API).
  sapi: 'Successful management operation',
  signing_key_rotated: 'Signing key rotated',
} as const

export type AuditEventType = keyof typeof AUDIT_EVENT_TYPES

export function isAuditEventType(value: string): value is AuditEventType {
  return Object.hasOwn(AUDIT_EVENT_TYPES, value)
}

/** A JSON value small enough for the `details` of an event. */
export type AuditDetail = string | number | boolean | null | readonly string[]

/** One stored audit event. */
export interface AuditEventRecord {
  /** Sortable and unique: the time in hex, then random bytes. */
  readonly id: string
  /** Epoch milliseconds. */
  readonly time: number
  readonly type: AuditEventType
  readonly clientId: string | null
  readonly userId: string | null
  readonly ip: string | null
  readonly userAgent: string | null
  readonly details: Readonly<Record<string, AuditDetail>>
}

/** What an emitter says; the recorder adds the id, time, IP and user agent. */
export interface AuditEventInput {
  readonly type: AuditEventType
  readonly clientId?: string | null
  readonly userId?: string | null
  readonly details?: Readonly<Record<string, AuditDetail | undefined>>
}

/** The last id's millisecond and random part in this process (see auditEventId). */
let last = { time: -1, random: 0n }
const RANDOM_MASK = (1n << 64n) - 1n

/**
 * `00000193a1b2c3d4` + 16 hex digits: ids sort by time; within one millisecond of one process they
 * sort in the order they were made (the random part of the first is incremented, as a monotonic ULID
 * does), so the events one request records in sequence list in that sequence. Across processes the
 * order within a millisecond is random.
 */
export function auditEventId(time: number): string {
  const t = Math.max(0, Math.floor(time))
  // A fresh random part leaves the top bit clear: room for increments within its millisecond.
  const random = t === last.time ? (last.random + 1n) & RANDOM_MASK : BigInt(`0x${pooledRandomBytes(8).toString('hex')}`) >> 1n
  last = { time: t, random }
  return `${t.toString(16).padStart(12, '0')}${random.toString(16).padStart(16, '0')}`
}

/** The success and failure event of each grant the token endpoint serves. */
const TOKEN_EVENTS: Readonly<Record<string, { readonly success: AuditEventType; readonly failure: AuditEventType }>> = {
  authorization_code: { success: 'seacft', failure: 'feacft' },
  refresh_token: { success: 'sertft', failure: 'fertft' },
  client_credentials: { success: 'seccft', failure: 'feccft' },
}

/** The event for a token request of `grantType`, or null for grant types Latchkey does not serve. */
export function tokenEventType(grantType: string, outcome: 'success' | 'failure'): AuditEventType | null {
  return Object.hasOwn(TOKEN_EVENTS, grantType) ? (TOKEN_EVENTS[grantType]?.[outcome] ?? null) : null
}
