/**
 * The Prometheus metrics of one Latchkey process, in a registry of its own (never prom-client's
 * global one, so several servers in one test process do not collide). Every label value is a route
 * pattern, a code-defined name or a member of a small fixed set: never a raw URL or anything else
 * a client chose, so the number of series stays bounded whatever the traffic.
 * See docs/deploy.md ("Health and metrics") for what each series is for.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** Seconds; the token endpoint answers in a few milliseconds, a password check in tens. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** Seconds; one indexed query is well under a millisecond on SQLite, about one on PostgreSQL. */
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

export interface MetricsOptions {
  /** Process and Node.js metrics (CPU, memory, event-loop lag, GC): on unless a test turns them off. */
  readonly defaultMetrics?: boolean
}

export class Metrics {
  readonly registry = new Registry()

  readonly httpRequests = new Counter({
    name: 'latchkey_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    registers: [this.registry],
  })

  readonly httpDuration = new Histogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  })

  readonly tokensIssued = new Counter({
    name: 'latchkey_tokens_issued_total',
    help: 'Successful token endpoint answers, by grant type and token type (Bearer or DPoP).',
    labelNames: ['grant_type', 'token_type'] as const,
    registers: [this.registry],
  })

  readonly tokenFailures = new Counter({
    name: 'latchkey_token_failures_total',
    help: 'Token requests refused (rate limits excepted), by grant type and OAuth error code.',
    labelNames: ['grant_type', 'error'] as const,
    registers: [this.registry],
  })

  readonly authorizationCodes = new Counter({
    name: 'latchkey_authorization_codes_issued_total',
    help: 'Authorization codes issued.',
    registers: [this.registry],
  })

  readonly logins = new Counter({
    name: 'latchkey_logins_total',
    help: 'Password logins, by result (success, failure) and, for failures, reason (wrong_password, unknown_user, blocked_user).',
    labelNames: ['result', 'reason'] as const,
    registers: [this.registry],
  })

  readonly loginLocks = new Counter({
    name: 'latchkey_login_locks_total',
    help: 'Accounts locked for an IP address after repeated failed logins.',
    registers: [this.registry],
  })

  readonly rateLimitRejections = new Counter({
    name: 'latchkey_rate_limit_rejections_total',
    help: 'Requests refused with 429, by the limit that refused them.',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  })

  readonly reuseDetections = new Counter({
    name: 'latchkey_reuse_detections_total',
    help: 'Replayed authorization codes and reused refresh tokens (their tokens or family revoked), by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  })

  readonly keyRotations = new Counter({
    name: 'latchkey_key_rotations_total',
    help: 'Signing keys rotated by this process, by trigger.',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  })

  readonly auditEvents = new Counter({
    name: 'latchkey_audit_events_total',
    help: 'Audit events recorded (or attempted) by this process, by event type code.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  })

  readonly storeDuration = new Histogram({
    name: 'latchkey_store_operation_duration_seconds',
    help: 'Time of each store operation (repo.verb, or transaction), by outcome (ok, error).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  })

  readonly emailsSent = new Counter({
    name: 'latchkey_emails_sent_total',
    help: 'Emails handed to the SMTP server (or kept by the development outbox) by this process, by template.',
    labelNames: ['template'] as const,
    registers: [this.registry],
  })

  readonly emailsFailed = new Counter({
    name: 'latchkey_emails_failed_total',
    help: 'Failed email attempts by this process; final="true" when the email was given up (no more retries).',
    labelNames: ['final'] as const,
    registers: [this.registry],
  })

  /** Counted in the store at each scrape, once `countOutbox` is set (email/start-email.ts). */
  readonly outboxEmails = new Gauge({
    name: 'latchkey_outbox_emails',
    help: 'Emails in the outbox (every node\'s), by status: pending, sending, sent, failed.',
    labelNames: ['status'] as const,
    registers: [this.registry],
    collect: async () => {
      if (!this.countOutbox) return
      try {
        for (const [status, n] of Object.entries(await this.countOutbox())) this.outboxEmails.set({ status }, n)
      } catch {
        // The store is unreachable: the scrape shows the last counts (/readyz reports the store).
      }
    },
  })

  /** Reads the outbox's counts by status, for `latchkey_outbox_emails`; null: not reported. */
  countOutbox: (() => Promise<Readonly<Record<string, number>>>) | null = null

  constructor(options: MetricsOptions = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry })
  }

  /** The exposition's Content-Type (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType
  }

  render(): Promise<string> {
    return this.registry.metrics()
  }
}
