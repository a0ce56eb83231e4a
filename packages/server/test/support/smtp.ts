/**
 * A real SMTP server in the test process (smtp-server), reading what arrives with mailparser. It
 * requires the credentials it is given (AUTH PLAIN/LOGIN; over plain TCP on loopback unless it is
 * given a certificate, when it offers STARTTLS), and can be switched to refusing every email with a
 * temporary (451) or permanent (550) reply, or stopped and started again on the same port.
 */
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { freePort } from './harness.js'

export interface ReceivedEmail {
  readonly from: string
  readonly to: string[]
  readonly subject: string
  readonly text: string
  readonly html: string
  readonly messageId: string
  /** Whether the session was upgraded with STARTTLS. */
  readonly secure: boolean
}

export type SmtpMode = 'accept' | 'temporary-refusal' | 'permanent-refusal'

export class TestSmtpServer {
  readonly received: ReceivedEmail[] = []
  mode: SmtpMode = 'accept'
  #server: SMTPServer | null = null
  #waiters: { count: number; resolve: () => void }[] = []
  /** Emails `next` has handed out already. */
  readonly #taken = new Set<ReceivedEmail>()

  private constructor(
    readonly port: number,
    readonly user: string,
    readonly pass: string,
    readonly tls: { readonly key: string; readonly cert: string } | null,
  ) {}

  /** A server on a free port; `listening: false` reserves the port without listening (connections are refused). */
  static async start(options: { listening?: boolean; user?: string; pass?: string; tls?: { key: string; cert: string } } = {}): Promise<TestSmtpServer> {
    const server = new TestSmtpServer(await freePort(), options.user ?? 'mailer', options.pass ?? 's3cret-p@ss', options.tls ?? null)
    if (options.listening ?? true) await server.listen()
    return server
  }

  /** `smtp://user:pass@127.0.0.1:port` (the password percent-encoded). */
  get url(): string {
    return `smtp://${encodeURIComponent(this.user)}:${encodeURIComponent(this.pass)}@127.0.0.1:${this.port}`
  }

  async listen(): Promise<void> {
    if (this.#server) return
    const server = new SMTPServer({
      ...(this.tls ? { key: this.tls.key, cert: this.tls.cert } : { disabledCommands: ['STARTTLS'], allowInsecureAuth: true }),
      logger: false,
      // No reverse DNS of the client (127.0.0.1): where DNS does not answer, each session would wait for it.
      disableReverseLookup: true,
      onAuth: (auth, _session, callback) => {
        if (auth.username === this.user && auth.password === this.pass) callback(null, { user: auth.username })
        else callback(new Error('Invalid username or password'))
      },
      onRcptTo: (_address, _session, callback) => {
        if (this.mode === 'temporary-refusal') return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }))
        if (this.mode === 'permanent-refusal') return callback(Object.assign(new Error('No such user here'), { responseCode: 550 }))
        callback()
      },
      onData: (stream, session, callback) => {
        simpleParser(stream).then(
          (mail) => {
            const to = mail.to ? (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a.value.map((v) => v.address ?? '')) : []
            this.received.push({ from: mail.from?.text ?? '', to, subject: mail.subject ?? '', text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : '', messageId: mail.messageId ?? '', secure: session.secure })
            this.#notify()
            callback()
          },
          (error: Error) => callback(error),
        )
      },
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.#server = server
  }

  /** Stops listening (new connections are refused); the port stays this server's. */
  async stop(): Promise<void> {
    const server = this.#server
    this.#server = null
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Resolves once `count` emails have arrived in all. */
  waitFor(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.received.length} of ${count} emails arrived within ${timeoutMs} ms`)), timeoutMs)
      this.#waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      })
    })
  }

  /**
   * The first email to `to` (that `match` accepts) not handed out before: arrived already, or within
   * `timeoutMs`. Each email is handed out once, so a test reads a user's emails in order.
   */
  async next(to: string, match: (email: ReceivedEmail) => boolean = () => true, timeoutMs = 10_000): Promise<ReceivedEmail> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.received.find((e) => !this.#taken.has(e) && e.to.some((a) => a.toLowerCase() === to.toLowerCase()) && match(e))
      if (found) {
        this.#taken.add(found)
        return found
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no email to ${to} within ${timeoutMs} ms (received: ${this.received.map((e) => `${e.to.join(',')}: ${e.subject}`).join('; ') || 'none'})`)
      await this.waitFor(this.received.length + 1, left).catch(() => undefined)
    }
  }

  /** Whether any email (taken or not) went to `to`. */
  sentTo(to: string): boolean {
    return this.received.some((e) => e.to.some((a) => a.toLowerCase() === to.toLowerCase()))
  }

  #notify(): void {
    const done = this.#waiters.filter((w) => this.received.length >= w.count)
    this.#waiters = this.#waiters.filter((w) => this.received.length < w.count)
    for (const w of done) w.resolve()
  }
}

/** The first link in the email's text that starts with `prefix`. */
export function linkIn(email: ReceivedEmail, prefix: string): string {
  const found = email.text.match(/https?:\/\/\S+/g)?.find((url) => url.startsWith(prefix))
  if (!found) throw new Error(`no link starting with ${prefix} in: ${email.text.slice(0, 500)}`)
  return found
}
