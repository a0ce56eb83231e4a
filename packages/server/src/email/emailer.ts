/**
 * The emailer the flows call (`deps.email`): renders a template and writes the email, sealed, to the
 * durable outbox, in the caller's transaction when it passes one; the outbox worker sends it. When
 * emails can go nowhere (no SMTP, no development outbox) the email is still recorded, as failed for
 * good without its message, so `latchkey emails list` shows what was asked for.
 */
import { type Clock, type EmailTemplateName, type OutboxEmailRecord, randomAlphanumeric } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { KeyEncryption } from '../keys/key-encryption.js'
import type { Logger } from '../logger.js'
import { sealMessage } from './sealed-message.js'
import type { EmailTemplates, TemplateVariables } from './templates.js'

export interface Emailer {
  /** Whether emails can go anywhere (SMTP configured, or the development outbox on). */
  readonly available: boolean
  /** Renders the template and writes the email to the outbox (sealed with deps.keys.encryption.encrypt); returns its id. Pass `tx` to enqueue inside the caller's transaction. */
  enqueue(email: { template: EmailTemplateName; to: string; userId: string | null; variables: TemplateVariables }, tx?: Store): Promise<string>
}

export const UNAVAILABLE_ERROR = 'email is not configured (LATCHKEY_SMTP_URL, or LATCHKEY_DEV_OUTBOX in development)'
/** A transaction usually commits within this long: the worker looks again then. */
const AFTER_COMMIT_MS = 100

export interface OutboxEmailerOptions {
  readonly store: Store
  readonly clock: Clock
  readonly log: Logger
  readonly encryption: KeyEncryption
  readonly templates: EmailTemplates
  readonly available: boolean
  /** Called after each enqueue (the worker's wake-up); `delayMs` when the row commits later. */
  readonly onEnqueued?: (delayMs: number) => void
}

export class OutboxEmailer implements Emailer {
  readonly available: boolean
  readonly #o: OutboxEmailerOptions

  constructor(options: OutboxEmailerOptions) {
    this.#o = options
    this.available = options.available
  }

  async enqueue(email: { template: EmailTemplateName; to: string; userId: string | null; variables: TemplateVariables }, tx?: Store): Promise<string> {
    const { clock, encryption, templates } = this.#o
    const to = email.to.trim()
    // One address, on one line: anything else would be a header injection or a list.
    if (!/^[^\s@,;<>"]+@[^\s@,;<>"]+$/.test(to)) throw new Error(`not an email address: ${JSON.stringify(to.slice(0, 80))}`)
    const now = clock.now()
    const rendered = templates.render(email.template, email.variables)
    const record: OutboxEmailRecord = {
      id: `em_${randomAlphanumeric(20)}`,
      template: email.template,
      to,
      userId: email.userId,
      sealedMessage: this.available ? await sealMessage(encryption, { ...rendered, url: email.variables.url }) : null,
      status: this.available ? 'pending' : 'failed',
      attempts: 0,
      nextAttemptAt: now,
      lockedUntil: null,
      lastError: this.available ? null : UNAVAILABLE_ERROR,
      createdAt: now,
      sentAt: null,
    }
    await (tx ?? this.#o.store).outbox.enqueue(record)
    if (this.available) this.#o.onEnqueued?.(tx ? AFTER_COMMIT_MS : 0)
    else this.#o.log.warn({ email: record.id, template: record.template }, `an email was not sent: ${UNAVAILABLE_ERROR}`)
    return record.id
  }
}
