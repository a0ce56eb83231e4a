/**
 * Email tickets (issue 14): a single-use link that lets its holder verify an address or choose a new
 * password, in Auth0's sense (`/api/v2/tickets/*`, the reset and verification emails). The value is
 * 32 random bytes in the link only; the store keeps its SHA-256, so a database copy opens nothing.
 */
import { randomToken, sha256 } from '../opaque.js'
import type { TicketKind, TicketRecord } from '../records.js'

/** Default lifetimes: a reset link is short-lived; a verification link may wait for the user (Auth0's 5 days). */
export const TICKET_TTL_SECONDS: Readonly<Record<TicketKind, number>> = {
  password_reset: 24 * 3600,
  email_verification: 5 * 24 * 3600,
}
/** The longest lifetime an API caller may ask for (`ttl_sec`). */
export const MAX_TICKET_TTL_SECONDS = 30 * 24 * 3600

/** The page each kind of ticket opens, under the issuer. */
export const TICKET_PATHS: Readonly<Record<TicketKind, string>> = {
  password_reset: 'u/reset-password',
  email_verification: 'u/email-verification',
}

export interface TicketInput {
  readonly kind: TicketKind
  readonly userId: string
  readonly email: string
  readonly clientId?: string | null
  readonly resultUrl?: string | null
  /** Seconds; the kind's default when absent or 0 (Auth0: 0 means the default). */
  readonly ttlSeconds?: number | null
}

export interface NewTicket {
  /** The secret: goes in the link, never stored. */
  readonly value: string
  readonly record: TicketRecord
}

export function newTicket(input: TicketInput, now: number): NewTicket {
  const value = randomToken(32)
  const ttl = input.ttlSeconds && input.ttlSeconds > 0 ? Math.min(input.ttlSeconds, MAX_TICKET_TTL_SECONDS) : TICKET_TTL_SECONDS[input.kind]
  return {
    value,
    record: {
      idHash: ticketHash(value),
      kind: input.kind,
      userId: input.userId,
      email: input.email,
      clientId: input.clientId ?? null,
      resultUrl: input.resultUrl ?? null,
      createdAt: now,
      expiresAt: now + ttl * 1000,
      usedAt: null,
    },
  }
}

/** The stored form of a ticket value; null for something that cannot be one (so no lookup is made). */
export function ticketHash(value: string): string {
  return sha256(value)
}

/** Whether a string from a URL can be a ticket value at all (43 base64url characters). */
export function isTicketValue(value: string | null | undefined): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value)
}

/** The link a ticket's email carries: `{issuer}u/reset-password?ticket=…` or `{issuer}u/email-verification?ticket=…`. */
export function ticketUrl(issuer: string, kind: TicketKind, value: string): string {
  return `${issuer}${TICKET_PATHS[kind]}?ticket=${value}`
}
