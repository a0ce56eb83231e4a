/**
 * nginx (Debian's package) in front of test nodes, running the configuration printed in
 * docs/deploy.md: the `nginx` block after the multi-node test's marker, with the nodes' ports, the
 * test's own listen ports, `localhost`, a throwaway certificate and a temporary log path put in. Each
 * substitution must match as often as expected, so the page cannot drift from what CI runs. A minimal
 * main configuration around it (the part Debian's /etc/nginx/nginx.conf plays) keeps the pid file,
 * error log and temporary files in the test's directory; nginx runs in the foreground as a child.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './harness.js'
import type { LoadBalancer, Served, TlsFiles } from './load-balancer.js'

export const NGINX_BINARY = '/usr/sbin/nginx'
const DEPLOY_DOC = fileURLToPath(new URL('../../../../docs/deploy.md', import.meta.url))
const MARKER = '<!-- multi-node test: the block below is read by packages/server/test/multi-node.test.ts -->'
/** The documented nodes, in the order of the `upstream` block. */
const DOCUMENTED_PORTS = [3001, 3002, 3003]

/** The configuration block of docs/deploy.md, as printed there. */
export function documentedConfig(): string {
  const doc = readFileSync(DEPLOY_DOC, 'utf8')
  const at = doc.indexOf(MARKER)
  if (at < 0) throw new Error(`docs/deploy.md lost its marker: ${MARKER}`)
  const block = /```nginx\n([\s\S]*?)\n```/.exec(doc.slice(at))
  if (!block?.[1]) throw new Error('docs/deploy.md has no ```nginx block after the multi-node test marker')
  return block[1]
}

interface Site {
  readonly nodePorts: readonly number[]
  readonly httpsPort: number
  readonly httpPort: number
  readonly tls: TlsFiles
  readonly accessLog: string
}

/** The documented configuration with the test's ports, name and paths. */
export function templated(config: string, site: Site): string {
  if (site.nodePorts.length !== DOCUMENTED_PORTS.length) throw new Error(`the documented configuration has ${DOCUMENTED_PORTS.length} nodes`)
  const substitutions: [string, string, number][] = [
    ...DOCUMENTED_PORTS.map((port, i): [string, string, number] => [`server 127.0.0.1:${port} `, `server 127.0.0.1:${site.nodePorts[i]} `, 1]),
    ['listen 80;', `listen 127.0.0.1:${site.httpPort};`, 1],
    ['listen 443 ssl http2;', `listen 127.0.0.1:${site.httpsPort} ssl http2;`, 1],
    ['server_name login.example.com;', 'server_name localhost;', 2],
    ['/etc/ssl/latchkey/fullchain.pem', site.tls.cert, 1],
    ['/etc/ssl/latchkey/privkey.pem', site.tls.key, 1],
    ['/var/log/nginx/latchkey.access.log', site.accessLog, 1],
  ]
  let result = config
  for (const [from, to, expected] of substitutions) {
    const found = result.split(from).length - 1
    if (found !== expected) throw new Error(`docs/deploy.md's nginx block has ${found} × "${from}", the test expects ${expected}`)
    result = result.replaceAll(from, to)
  }
  return result
}

function mainConfig(dir: string, site: string): string {
  return `worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${site};
}
`
}

/** One line of the documented `latchkey` log format. */
function parseLine(line: string): Served | null {
  const match = /"(\S+) (\S+)" (\d{3}) (\S.*?) [\d.]+$/.exec(line)
  if (!match) return null
  const [, method = '', path = '', status = '0', upstreams = '-'] = match
  // Several addresses when nginx tried more than one node: the last one answered.
  const last = upstreams.split(/[,:] /).at(-1) ?? '-'
  const port = /:(\d+)$/.exec(last.trim())?.[1]
  return { method, path, status: Number(status), node: port === undefined ? null : Number(port) }
}

/**
 * Waits until nginx answers on its own: `/metrics` is answered by nginx (404) without asking a node,
 * so no node is marked down for failing before the nodes have started.
 */
async function answering(url: string, child: ChildProcess, errorLog: string): Promise<void> {
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}: ${await readFile(errorLog, 'utf8').catch(() => '')}`)
    try {
      if ((await fetch(url)).status === 404) return
    } catch {}
    if (Date.now() > deadline) throw new Error(`nginx did not answer at ${url}: ${await readFile(errorLog, 'utf8').catch(() => '')}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function startNginx(options: { readonly nodePorts: readonly number[]; readonly dir: string; readonly tls: TlsFiles }): Promise<LoadBalancer> {
  const { dir } = options
  const [httpsPort, httpPort] = [await freePort(), await freePort()]
  const accessLog = join(dir, 'latchkey.access.log')
  const errorLog = join(dir, 'error.log')
  const site = join(dir, 'latchkey.conf')
  const main = join(dir, 'nginx.conf')
  writeFileSync(site, templated(documentedConfig(), { nodePorts: options.nodePorts, httpsPort, httpPort, tls: options.tls, accessLog }))
  writeFileSync(main, mainConfig(dir, site))
  const child = spawn(NGINX_BINARY, ['-p', `${dir}/`, '-c', main, '-e', errorLog, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] })
  const url = `https://localhost:${httpsPort}/`
  try {
    await answering(`${url}metrics`, child, errorLog)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return {
    kind: 'nginx',
    url,
    httpUrl: `http://localhost:${httpPort}/`,
    async served() {
      const text = await readFile(accessLog, 'utf8').catch(() => '')
      return text
        .split('\n')
        .map(parseLine)
        .filter((s): s is Served => s !== null)
    },
    async close() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
