/**
 * Where the outbox worker hands an email: SMTP through nodemailer (LATCHKEY_SMTP_URL; STARTTLS
 * whenever the server offers it, nodemailer's default for smtp://; TLS from the start for smtps://),
 * or, without SMTP, the development outbox, which only logs the email (development-mailbox.ts keeps
 * it for /dev/outbox).
 */
import { createTransport } from 'nodemailer'
import type { Logger } from '../logger.js'
import type { OutboxMessage } from './sealed-message.js'

export interface Envelope {
  /** The outbox id, for logs. */
  readonly id: string
  readonly from: string
  readonly to: string
  readonly message: OutboxMessage
}

export interface Transport {
  /** `smtp` or `development`, for logs. */
  readonly kind: 'smtp' | 'development'
  /** Resolves once the receiving server accepted the email; throws otherwise. */
  send(envelope: Envelope): Promise<void>
  close(): void
}

/**
 * Time limits short enough that an attempt ends well within the worker's 60-second claim (nodemailer's
 * defaults wait up to 2 minutes for a connection and 10 for a stalled socket).
 */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000, dnsTimeout: 10_000 } as const

export function smtpTransport(smtpUrl: string): Transport {
  const mailer = createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS })
  return {
    kind: 'smtp',
    async send({ id, from, to, message }) {
      await mailer.sendMail({ from, to, subject: message.subject, text: message.text, html: message.html, messageId: `<${id}@latchkey>`, disableFileAccess: true, disableUrlAccess: true })
    },
    close: () => mailer.close(),
  }
}

/** No SMTP: the email is logged (recipient, subject and its link) instead of sent. Development only. */
export function developmentTransport(log: Logger): Transport {
  return {
    kind: 'development',
    async send({ id, to, message }) {
      log.info({ email: id, to, subject: message.subject, ...(message.url ? { link: message.url } : {}) }, 'email kept in the development outbox (/dev/outbox), not sent')
    },
    close() {},
  }
}
