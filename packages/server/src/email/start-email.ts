/**
 * Email at start-up: the templates (overrides read once, a broken one stops the start), the
 * transport (SMTP, or the development outbox, or none), the emailer the flows call, and the outbox
 * worker. Says once at start where emails go, or that the features needing email are unavailable.
 */
import type { Clock } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Config } from '../config.js'
import { isLocalIssuer } from '../demo-issuer.js'
import type { KeyEncryption } from '../keys/key-encryption.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../operations/metrics.js'
import { DevelopmentMailbox } from './development-mailbox.js'
import { type Emailer, OutboxEmailer } from './emailer.js'
import { OutboxWorker } from './outbox-worker.js'
import { smtpUrlForLog } from './settings.js'
import { EmailTemplates } from './templates.js'
import { developmentTransport, smtpTransport, type Transport } from './transport.js'

export interface EmailService {
  readonly emailer: Emailer
  readonly worker: OutboxWorker
  /** The development outbox's copies (for /dev/outbox), or null when it is off. */
  readonly mailbox: DevelopmentMailbox | null
}

export interface EmailServiceOptions {
  readonly config: Config
  readonly store: Store
  readonly clock: Clock
  readonly log: Logger
  readonly encryption: KeyEncryption
  readonly metrics: Metrics | null
  /** Overrides the worker's poll interval (tests). */
  readonly pollMs?: number
}

/** The SMTP password, to keep it out of error messages. */
function smtpPassword(smtpUrl: string | null): string[] {
  if (smtpUrl === null) return []
  const password = decodeURIComponent(new URL(smtpUrl).password)
  return password ? [password, new URL(smtpUrl).password] : []
}

export function createEmailService(o: EmailServiceOptions): EmailService {
  const settings = o.config.email
  const templates = EmailTemplates.load(settings.templatesDir)
  if (templates.overrides.length > 0) o.log.info({ files: templates.overrides }, 'email templates overridden')
  if (templates.ignored.length > 0) o.log.warn({ folder: settings.templatesDir, files: templates.ignored }, 'files in LATCHKEY_EMAIL_TEMPLATES that are not templates were ignored (names: {template}[.{locale}].subject.txt, .txt, .html)')
  const mailbox = settings.devOutbox ? new DevelopmentMailbox() : null
  const local = isLocalIssuer(o.config.issuer)
  let transport: Transport | null = null
  if (settings.smtpUrl !== null) {
    transport = smtpTransport(settings.smtpUrl)
    o.log.info({ smtp: smtpUrlForLog(settings.smtpUrl), from: settings.from, ...(mailbox ? { devOutbox: '/dev/outbox' } : {}) }, 'emails are sent through SMTP')
  } else if (mailbox) {
    transport = developmentTransport(o.log)
    // Expected under `npm start`; a warning only where others may reach it (forced on a public issuer).
    const level = local ? 'info' : 'warn'
    o.log[level]({ devOutbox: '/dev/outbox' }, 'development outbox: emails are not sent but logged and shown at /dev/outbox, links included. Development only (docs/email.md)')
  } else {
    // In production a warning; on this machine (development) only information.
    o.log[local ? 'info' : 'warn']('email is not configured (LATCHKEY_SMTP_URL): verification, password-reset and invitation emails are unavailable (docs/email.md)')
  }
  const worker = new OutboxWorker({
    store: o.store,
    clock: o.clock,
    log: o.log,
    encryption: o.encryption,
    transport,
    from: settings.from,
    metrics: o.metrics,
    mailbox,
    secrets: smtpPassword(settings.smtpUrl),
    ...(o.pollMs === undefined ? {} : { pollMs: o.pollMs }),
  })
  const emailer = new OutboxEmailer({
    store: o.store,
    clock: o.clock,
    log: o.log,
    encryption: o.encryption,
    templates,
    available: transport !== null,
    onEnqueued: (delayMs) => worker.wake(delayMs),
  })
  if (o.metrics) o.metrics.countOutbox = () => o.store.outbox.countByStatus()
  return { emailer, worker, mailbox }
}
