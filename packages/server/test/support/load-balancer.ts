/**
 * A load balancer in front of several test nodes: nginx with the configuration of docs/deploy.md
 * when the Debian package is installed (`support/nginx.ts`), else a small Node round-robin proxy
 * with the same behaviour (`support/round-robin-proxy.ts`). Either terminates TLS with a throwaway
 * certificate for `localhost` and says which node answered each request.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { NGINX_BINARY, startNginx } from './nginx.js'
import { startRoundRobinProxy } from './round-robin-proxy.js'

/** One answered request: which node (its port) answered, in the order the answers completed. */
export interface Served {
  readonly method: string
  readonly path: string
  readonly status: number
  /** The node that answered; null when none did (the balancer answered itself: 502, a redirect). */
  readonly node: number | null
}

export interface LoadBalancer {
  readonly kind: 'nginx' | 'node'
  /** `https://localhost:PORT/` */
  readonly url: string
  /** Plain HTTP, which redirects to HTTPS (nginx only); null for the Node proxy. */
  readonly httpUrl: string | null
  served(): Promise<Served[]>
  close(): Promise<void>
}

export interface TlsFiles {
  readonly cert: string
  readonly key: string
}

/** A self-signed P-256 certificate for `localhost`, valid two days; null without `openssl`. */
export function throwawayCertificate(dir: string): TlsFiles | null {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'],
      { stdio: 'ignore' },
    )
  } catch {
    return null
  }
  return { cert, key }
}

/** nginx when installed, unless `LATCHKEY_TEST_BALANCER=node` asks for the Node proxy (to test it where nginx exists). */
export async function startLoadBalancer(options: { readonly nodePorts: readonly number[]; readonly dir: string; readonly tls: TlsFiles }): Promise<LoadBalancer> {
  const useNginx = existsSync(NGINX_BINARY) && process.env.LATCHKEY_TEST_BALANCER !== 'node'
  return useNginx ? startNginx(options) : startRoundRobinProxy(options)
}
