/**
 * The load generator's HTTP: node:http over keep-alive sockets (one agent per target, as many sockets
 * as requests in flight), whole bodies as text, and a cookie jar that is just name → value (the
 * targets' cookies are all for `/` of one host, or harmless to send more widely). Given several
 * origins (nodes of one deployment), it sends each request to the next one, as a round-robin load
 * balancer would: no two consecutive requests of a flow land on the same node.
 */
import { Agent, request } from 'node:http'

export interface Reply {
  readonly status: number
  readonly location: string | undefined
  readonly setCookie: readonly string[]
  readonly body: string
}

export class HttpClient {
  readonly #agent: Agent
  readonly #nodes: readonly { readonly host: string; readonly port: number }[]
  #next = 0

  constructor(origins: string | readonly string[], sockets: number) {
    this.#nodes = (typeof origins === 'string' ? [origins] : origins).map((origin) => {
      const url = new URL(origin)
      return { host: url.hostname, port: Number(url.port) }
    })
    this.#agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets })
  }

  send(method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
    const node = this.#nodes[this.#next++ % this.#nodes.length] as { host: string; port: number }
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.#agent,
          host: node.host,
          port: node.port,
          method,
          path,
          headers: body === undefined ? headers : { ...headers, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => {
            const cookies = res.headers['set-cookie']
            resolve({ status: res.statusCode ?? 0, location: res.headers.location, setCookie: cookies ?? [], body: Buffer.concat(chunks).toString('utf8') })
          })
          res.on('error', reject)
        },
      )
      req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)))
      req.on('error', reject)
      req.end(body)
    })
  }

  close(): void {
    this.#agent.destroy()
  }
}

export class CookieJar {
  readonly #cookies = new Map<string, string>()

  absorb(setCookie: readonly string[]): void {
    for (const line of setCookie) {
      const pair = line.split(';', 1)[0] ?? ''
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      if (value === '' || /;\s*max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
  }

  header(): Record<string, string> {
    return this.#cookies.size === 0 ? {} : { cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
  }
}
