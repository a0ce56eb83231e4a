/**
 * The client's IP address, for rate limits and logs. By default it is the socket's peer: request
 * headers are never believed, since a client could otherwise pick its own rate-limit key. Behind
 * proxies, `LATCHKEY_TRUST_PROXY` says how much of `X-Forwarded-For` to believe: a hop count (the
 * number of proxies in front of Latchkey) or a list of the proxies' addresses and CIDR ranges.
 */
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'
import type { IncomingMessage } from 'node:http'
import { BlockList, isIP } from 'node:net'

export type TrustProxy =
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'list'; readonly proxies: BlockList; readonly source: string }

export const NO_PROXY: TrustProxy = { kind: 'none' }

const UNKNOWN = 'unknown'

/** `::ffff:192.0.2.1` → `192.0.2.1`; anything that is not an IP address → null. */
export function normaliseIp(value: string | undefined): string | null {
  if (!value) return null
  const v = value.trim()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v)
  if (mapped?.[1] && isIP(mapped[1]) === 4) return mapped[1]
  return isIP(v) === 0 ? null : v.toLowerCase()
}

/** Reads LATCHKEY_TRUST_PROXY: unset or 0 → none; an integer → hops; else a comma list of IPs / CIDRs. */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  if (value === undefined || value.trim() === '' || value.trim() === '0') return NO_PROXY
  const v = value.trim()
  if (/^\d+$/.test(v)) {
    const hops = Number(v)
    if (hops > 32) throw new Error('LATCHKEY_TRUST_PROXY: at most 32 hops')
    return { kind: 'hops', hops }
  }
  const proxies = new BlockList()
  for (const item of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [address, prefix, extra] = item.split('/')
    const ip = normaliseIp(address)
    const family = ip === null ? 0 : isIP(ip)
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix)
    if (ip === null || extra !== undefined || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32) || (prefix !== undefined && !/^\d+$/.test(prefix)))
      throw new Error(`LATCHKEY_TRUST_PROXY: ${JSON.stringify(item)} is neither a hop count nor an IP address or CIDR range`)
    proxies.addSubnet(ip, bits, family === 6 ? 'ipv6' : 'ipv4')
  }
  return { kind: 'list', proxies, source: v }
}

function socketAddress(c: Context): string | null {
  try {
    return normaliseIp(getConnInfo(c).remote.address)
  } catch {
    return null // not served by @hono/node-server (app.request() in tests)
  }
}

function isTrusted(proxies: BlockList, ip: string): boolean {
  return proxies.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4')
}

/** The client address, or `unknown` when there is no socket to ask. */
export function clientIp(c: Context, trust: TrustProxy): string {
  return fromPeer(socketAddress(c), () => c.req.header('x-forwarded-for'), trust)
}

/** The same, for Node's own request (the hot path, http/hot-path.ts). */
export function clientIpOf(req: IncomingMessage, trust: TrustProxy): string {
  const forwarded = req.headers['x-forwarded-for']
  return fromPeer(normaliseIp(req.socket.remoteAddress), () => (Array.isArray(forwarded) ? forwarded.join(',') : forwarded), trust)
}

function fromPeer(peer: string | null, forwardedFor: () => string | undefined, trust: TrustProxy): string {
  if (peer === null) return UNKNOWN
  if (trust.kind === 'none') return peer
  const forwarded = (forwardedFor() ?? '').split(',').map((s) => s.trim()).filter(Boolean).slice(-64)
  // Nearest hop last: what each proxy saw, then the socket's own peer.
  const chain = [...forwarded, peer]
  let index: number
  if (trust.kind === 'hops') {
    index = Math.max(0, chain.length - 1 - trust.hops)
  } else {
    index = chain.length - 1
    while (index > 0) {
      const hop = normaliseIp(chain[index])
      if (hop === null || !isTrusted(trust.proxies, hop)) break
      index -= 1
    }
  }
  // A malformed entry can only come from the far side of the trusted proxies: use the nearest
  // well-formed address on our side of it.
  for (let i = index; i < chain.length; i++) {
    const ip = normaliseIp(chain[i])
    if (ip !== null) return ip
  }
  return peer
}
