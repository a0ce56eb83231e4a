/**
 * What the outbox stores of an email: the rendered message as JSON `{ subject, text, html, url }`,
 * sealed with the key-encryption key (keys/key-encryption.ts), since it may hold a single-use link.
 * The store drops it once the email is sent or has failed for good.
 */
import type { KeyEncryption } from '../keys/key-encryption.js'
import type { RenderedEmail } from './templates.js'

export interface OutboxMessage extends RenderedEmail {
  /** The link the email carries (the development outbox logs it); null when none. */
  readonly url: string | null
}

export function sealMessage(encryption: KeyEncryption, message: OutboxMessage): Promise<string> {
  return encryption.encrypt(JSON.stringify({ subject: message.subject, text: message.text, html: message.html, url: message.url }))
}

export async function openMessage(encryption: KeyEncryption, sealed: string): Promise<OutboxMessage> {
  const value = JSON.parse(await encryption.openText(sealed)) as Partial<OutboxMessage>
  if (typeof value.subject !== 'string' || typeof value.text !== 'string' || typeof value.html !== 'string') throw new Error('the sealed message is not an email')
  return { subject: value.subject, text: value.text, html: value.html, url: typeof value.url === 'string' ? value.url : null }
}
