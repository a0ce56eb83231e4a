/**
 * The development outbox's copies: the store drops an email's message once it is sent, so the
 * emails this node delivered are kept here, in memory (the newest `DEVELOPMENT_MAILBOX_SIZE`; gone at
 * restart), for /dev/outbox to show, links included. Development only: see docs/email.md.
 */
import type { EmailTemplateName } from '@latchkey/core'
import type { OutboxMessage } from './sealed-message.js'

export const DEVELOPMENT_MAILBOX_SIZE = 200

export interface KeptEmail {
  readonly id: string
  readonly template: EmailTemplateName
  readonly to: string
  readonly message: OutboxMessage
  readonly sentAt: number
}

export class DevelopmentMailbox {
  readonly #emails = new Map<string, KeptEmail>()

  keep(email: KeptEmail): void {
    this.#emails.delete(email.id)
    this.#emails.set(email.id, email)
    for (const id of this.#emails.keys()) {
      if (this.#emails.size <= DEVELOPMENT_MAILBOX_SIZE) break
      this.#emails.delete(id)
    }
  }

  get(id: string): KeptEmail | null {
    return this.#emails.get(id) ?? null
  }
}
