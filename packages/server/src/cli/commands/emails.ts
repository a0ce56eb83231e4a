/**
 * `latchkey emails list`: the email outbox, newest first: what was sent, what waits for a retry and
 * why, what failed for good. Never the message itself (it may hold a single-use link): recipient,
 * template, status, attempts and the last error only.
 */
import type { OutboxEmailRecord, OutboxStatus } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { type Command, InvalidArgumentError } from 'commander'
import { iso, table } from '../present.js'
import { type CommonOptions, group, leaf, print, run } from '../run.js'

const STATUSES: readonly OutboxStatus[] = ['pending', 'sending', 'sent', 'failed']
const MAX_LIMIT = 10_000

interface ListOptions extends CommonOptions {
  status?: OutboxStatus[]
  limit: number
}

function statuses(value: string, previous: OutboxStatus[] | undefined): OutboxStatus[] {
  const all = [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')]
  const unknown = all.find((s) => !(STATUSES as readonly string[]).includes(s))
  if (unknown !== undefined) throw new InvalidArgumentError(`unknown status ${JSON.stringify(unknown)} (one of ${STATUSES.join(', ')})`)
  return all as OutboxStatus[]
}

function limit(value: string): number {
  const n = Number(value.trim())
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > MAX_LIMIT) throw new InvalidArgumentError(`expected a whole number between 1 and ${MAX_LIMIT}`)
  return n
}

/** What the CLI shows of an outbox email (snake_case, ISO times): never the message. */
export function presentEmail(e: OutboxEmailRecord) {
  return {
    id: e.id,
    template: e.template,
    to: e.to,
    user_id: e.userId,
    status: e.status,
    attempts: e.attempts,
    next_attempt_at: e.status === 'pending' ? iso(e.nextAttemptAt) : null,
    last_error: e.lastError,
    created_at: iso(e.createdAt),
    sent_at: iso(e.sentAt),
  }
}

async function newest(store: Store, status: readonly OutboxStatus[] | undefined, count: number): Promise<OutboxEmailRecord[]> {
  const emails: OutboxEmailRecord[] = []
  for (let page = 0; emails.length < count; page++) {
    const rows = await store.outbox.list({ ...(status ? { status } : {}), page, perPage: 100 })
    emails.push(...rows)
    if (rows.length < 100) break
  }
  return emails.slice(0, count)
}

export function registerEmails(program: Command): void {
  const emails = group(program, 'emails', 'The email outbox: sent, waiting for a retry, failed (never the messages)')
  leaf(emails, 'list', 'List outbox emails, newest first', (cmd) =>
    cmd
      .option('-s, --status <statuses>', `only these statuses, comma-separated or repeated (${STATUSES.join(', ')})`, statuses)
      .option('-n, --limit <n>', `show at most this many emails (1 to ${MAX_LIMIT})`, limit, 50),
  ).action((opts: ListOptions) =>
    run(opts, async (store) => {
      const rows = await newest(store, opts.status, opts.limit)
      print(opts, rows.map(presentEmail), () =>
        rows.length === 0
          ? 'No emails match.'
          : table(
              ['CREATED', 'ID', 'TEMPLATE', 'TO', 'STATUS', 'ATTEMPTS', 'SENT / NEXT ATTEMPT', 'LAST ERROR'],
              rows.map((e) => {
                const p = presentEmail(e)
                return [p.created_at, p.id, p.template, p.to, p.status, p.attempts, p.sent_at ?? p.next_attempt_at, p.last_error]
              }),
            ),
      )
    }),
  )
}
