/**
 * A small round-robin HTTPS load balancer in Node, for machines without nginx. It behaves as the
 * docs/deploy.md configuration does where the multi-node test looks: TLS ends here; requests go to
 * the nodes in turn with `X-Forwarded-For` (appended) and `X-Forwarded-Proto: https`; a node that
 * refuses the connection is left out for 5 s and the request, not sent yet, goes to the next one
 * (POSTs included); a request a node received and then lost is answered 502 and never retried.
 */
import http from 'node:http'
import https from 'node:https'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { LoadBalancer, Served, TlsFiles } from './load-balancer.js'

const DOWN_FOR_MS = 5_000
const MAX_BODY = 1 << 20

export async function startRoundRobinProxy(options: { readonly nodePorts: readonly number[]; readonly tls: TlsFiles }): Promise<LoadBalancer> {
  const nodes = options.nodePorts.map((port) => ({ port, downUntil: 0 }))
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const served: Served[] = []
  let next = 0

  /** The next node in turn that is not left out (all of them, if every one is). */
  function pick(tried: ReadonlySet<number>) {
    const now = Date.now()
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[(next + i) % nodes.length]
      if (node && !tried.has(node.port) && node.downUntil <= now) {
        next = (next + i + 1) % nodes.length
        return node
      }
    }
    return nodes.find((n) => !tried.has(n.port)) ?? null
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, tried: Set<number>): void {
    const path = req.url ?? '/'
    const method = req.method ?? 'GET'
    const logged = path.split('?')[0] ?? path
    const node = pick(tried)
    if (!node) {
      served.push({ method, path: logged, status: 502, node: null })
      res.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway')
      return
    }
    tried.add(node.port)
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ')
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: node.port,
        method: req.method,
        path,
        agent,
        headers: { ...req.headers, 'x-forwarded-for': forwardedFor, 'x-forwarded-proto': 'https', 'content-length': String(body.length) },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
        answer.on('end', () => served.push({ method, path: logged, status: answer.statusCode ?? 502, node: node.port }))
      },
    )
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      node.downUntil = Date.now() + DOWN_FOR_MS
      // Refused: the node never saw the request, so the next one may answer it; as nginx does, a
      // GET or HEAD is tried again after any error, anything else only if it was never sent.
      const retry = error.code === 'ECONNREFUSED' || method === 'GET' || method === 'HEAD'
      if (retry && !res.headersSent) return forward(req, res, body, tried)
      served.push({ method, path: logged, status: 502, node: null })
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway')
      else res.destroy()
    })
    upstream.end(body)
  }

  const server = https.createServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) }, (req, res) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) req.destroy()
      else chunks.push(chunk)
    })
    req.on('end', () => forward(req, res, Buffer.concat(chunks), new Set()))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    kind: 'node',
    url: `https://localhost:${port}/`,
    httpUrl: null,
    served: async () => [...served],
    async close() {
      agent.destroy()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
