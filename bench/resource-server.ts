/**
 * Token verification per second, in one process, same tokens, same run:
 * - @latchkey/resource-server `verifyAccessToken` (defaults: discovery, remote JWKS, every check),
 * - express-oauth2-jwt-bearer's `auth()` middleware, called with a minimal Express-like request,
 * - bare jose `jwtVerify` with a local JWKS and the same checks (typ, iss, aud, algorithms, claims).
 *
 * The tokens are real Latchkey access tokens (a login, then refresh-token grants over HTTP). Two pools:
 * "distinct" cycles through more tokens than the resource server's token cache holds, so every
 * verification is a full one; "repeated" cycles through a few tokens, as an API sees when the same
 * apps call it again and again. Each verifier must accept every token and refuse a forged one
 * before anything is timed, and every timed verification must succeed.
 *
 * npm run bench:verify. Environment: BENCH_SECONDS (3) per timed run, BENCH_WARMUP_SECONDS (1),
 * BENCH_ROUNDS (3; the order of the verifiers rotates, the table shows medians), BENCH_CONCURRENCY
 * (`1,32`: verifications in flight), BENCH_DISTINCT (2000), BENCH_REPEATED (50), BENCH_OUT
 * (bench/results/verify-latest.md; `-` for none).
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyOptions } from 'jose'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createVerifier } from '@latchkey/resource-server'
import { addApi, addApp, addUser, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { LoggedInBrowser, tokenRequest } from '../packages/server/test/support/oauth.js'
import { API_IDENTIFIER } from './common.js'

const env = process.env
const here = dirname(fileURLToPath(import.meta.url))
const SECONDS = Number(env.BENCH_SECONDS ?? 3)
const WARMUP_SECONDS = Number(env.BENCH_WARMUP_SECONDS ?? 1)
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3)
const CONCURRENCY = (env.BENCH_CONCURRENCY ?? '1,32').split(',').map(Number)
const DISTINCT = Number(env.BENCH_DISTINCT ?? 2000)
const REPEATED = Number(env.BENCH_REPEATED ?? 50)
const OUT = env.BENCH_OUT ?? join(here, 'results', 'verify-latest.md')
/** The resource server's default token cache size: the distinct pool must be larger. */
const TOKEN_CACHE = 1_000
const CHAINS = 8

type Verify = (token: string) => Promise<unknown>

interface ExpressLikeRequest {
  headers: Record<string, string>
  query: Record<string, never>
  body: undefined
  method: string
  protocol: string
  originalUrl: string
  url: string
  auth?: unknown
  get(name: string): string | undefined
  is(type: string): false
}
type Middleware = (req: ExpressLikeRequest, res: object, next: (err?: unknown) => void) => void
// Loaded untyped: its global Express.Request declaration would clash with @latchkey/resource-server's.
const auth0 = createRequire(import.meta.url)('express-oauth2-jwt-bearer') as { auth(o: { issuerBaseURL: string; audience: string }): Middleware }

async function mintTokens(server: TestServer, n: number): Promise<string[]> {
  await addApi(server.store, { identifier: API_IDENTIFIER })
  const { app } = await addApp(server.store)
  const browser = new LoggedInBrowser(server, await addUser(server.store))
  const perChain = Math.ceil(n / CHAINS)
  // one browser, one login at a time; then the refresh chains run side by side
  const firsts: Record<string, unknown>[] = []
  for (let i = 0; i < CHAINS; i++) firsts.push(await browser.tokens(app, { audience: API_IDENTIFIER, scope: 'openid profile offline_access read:appointments' }))
  const chains = await Promise.all(
    firsts.map(async (first) => {
      const out = [first.access_token as string]
      let refresh = first.refresh_token as string
      while (out.length < perChain) {
        const r = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refresh })
        if (r.status !== 200) throw new Error(`refresh failed: ${JSON.stringify(r.json)}`)
        out.push(r.json.access_token as string)
        refresh = r.json.refresh_token as string
      }
      return out
    }),
  )
  // interleave the chains, so consecutive tokens differ in every byte that varies
  const tokens: string[] = []
  for (let i = 0; i < perChain; i++) for (const chain of chains) if (chain[i] !== undefined) tokens.push(chain[i] as string)
  return tokens.slice(0, n)
}

function expressVerifier(issuer: string): Verify {
  const middleware = auth0.auth({ issuerBaseURL: issuer, audience: API_IDENTIFIER })
  const res = {}
  return (token) =>
    new Promise((resolve, reject) => {
      const req: ExpressLikeRequest = {
        headers: { authorization: `Bearer ${token}`, host: 'api.example.com' },
        query: {},
        body: undefined,
        method: 'GET',
        protocol: 'https',
        originalUrl: '/api/appointments',
        url: '/api/appointments',
        get: (name) => (name.toLowerCase() === 'host' ? 'api.example.com' : undefined),
        is: () => false,
      }
      middleware(req, res, (err) => (err ? reject(err) : resolve(req.auth)))
    })
}

async function joseVerifier(issuer: string): Promise<Verify> {
  const jwks = createLocalJWKSet((await (await fetch(`${issuer}.well-known/jwks.json`)).json()) as JSONWebKeySet)
  const options: JWTVerifyOptions = {
    issuer,
    audience: API_IDENTIFIER,
    typ: 'at+jwt',
    algorithms: ['RS256'],
    requiredClaims: ['sub', 'exp', 'iat'],
    clockTolerance: 5,
  }
  return async (token) => (await jwtVerify(token, jwks, options)).payload
}

interface Rate {
  /** Verifications per second. */
  readonly perSecond: number
  /** CPU time of the process (all threads) per verification, in µs. */
  readonly cpuMicros: number
}

/** Verifications per second over `ms`, `concurrency` in flight, cycling through the pool in order. */
async function timed(verify: Verify, tokens: readonly string[], concurrency: number, ms: number): Promise<Rate> {
  let next = 0
  let done = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  const end = started + ms
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await verify(tokens[next++ % tokens.length] as string)
        done += 1
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  return { perSecond: done / seconds, cpuMicros: (used.user + used.system) / done }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

async function main(): Promise<void> {
  if (DISTINCT <= TOKEN_CACHE) throw new Error(`BENCH_DISTINCT must exceed the token cache (${TOKEN_CACHE}) to measure full verifications`)
  const server = await startTestServer()
  try {
    console.error(`minting ${DISTINCT} real access tokens…`)
    const distinct = await mintTokens(server, DISTINCT)
    const repeated = distinct.slice(0, REPEATED)
    const issuer = server.issuer

    const verifiers: { name: string; verify: Verify }[] = [
      { name: '@latchkey/resource-server', verify: (() => {
        const v = createVerifier({ issuer, audience: API_IDENTIFIER })
        return (token: string) => v.verifyAccessToken(token)
      })() },
      { name: 'express-oauth2-jwt-bearer', verify: expressVerifier(issuer) },
      { name: 'jose (local JWKS)', verify: await joseVerifier(issuer) },
    ]

    // a benchmark of failures is worthless: every verifier accepts every token and refuses a forged one
    const [h, p] = (distinct[0] as string).split('.')
    const forged = `${h}.${p}.${'A'.repeat(342)}`
    for (const { name, verify } of verifiers) {
      for (const token of distinct) await verify(token)
      const refused = await verify(forged).then(
        () => false,
        () => true,
      )
      if (!refused) throw new Error(`${name} accepted a forged token`)
    }
    console.error(`checked: all ${verifiers.length} verifiers accept the ${distinct.length} tokens and refuse a forged one`)

    const pools = [
      { label: `${fmt(distinct.length)} distinct tokens`, tokens: distinct },
      { label: `${fmt(repeated.length)} repeated tokens`, tokens: repeated },
    ]
    const results = new Map<string, Rate[]>()
    for (let round = 0; round < ROUNDS; round++) {
      for (const pool of pools) {
        for (const concurrency of CONCURRENCY) {
          for (let k = 0; k < verifiers.length; k++) {
            const { name, verify } = verifiers[(k + round) % verifiers.length] as (typeof verifiers)[number]
            await timed(verify, pool.tokens, concurrency, WARMUP_SECONDS * 1000)
            const rate = await timed(verify, pool.tokens, concurrency, SECONDS * 1000)
            const key = `${pool.label}|${concurrency}|${name}`
            results.set(key, [...(results.get(key) ?? []), rate])
            console.error(`round ${round + 1}/${ROUNDS} ${pool.label}, ${concurrency} in flight, ${name}: ${fmt(rate.perSecond)}/s, ${rate.cpuMicros.toFixed(1)} µs CPU each`)
          }
        }
      }
    }

    const names = verifiers.map((v) => v.name)
    const lines = [
      `| tokens | in flight | ${names.map((n) => `${n} /s`).join(' | ')} | ratio (resource-server ÷ fastest other) | CPU µs per verification (same order) |`,
      `| --- | ---: | ${names.map(() => '---:').join(' | ')} | ---: | ---: |`,
    ]
    for (const pool of pools) {
      for (const concurrency of CONCURRENCY) {
        const runs = names.map((n) => results.get(`${pool.label}|${concurrency}|${n}`) ?? [])
        const rates = runs.map((r) => median(r.map((x) => x.perSecond)))
        const cpu = runs.map((r) => median(r.map((x) => x.cpuMicros)))
        const ours = rates[0] as number
        const fastestOther = Math.max(...rates.slice(1))
        const micros = cpu.map((c) => (c < 10 ? c.toFixed(2) : c.toFixed(0))).join(' / ')
        lines.push(`| ${pool.label} | ${concurrency} | ${rates.map(fmt).join(' | ')} | **${(ours / fastestOther).toFixed(2)}×** | ${micros} |`)
      }
    }
    const pkg = (name: string, from = join(here, '..', 'node_modules')) =>
      (JSON.parse(readFileSync(join(from, name, 'package.json'), 'utf8')) as { version: string }).version
    const cpu = cpus()
    const report = [
      ...lines,
      '',
      `- ${new Date().toISOString().slice(0, 10)}; Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}`,
      `- jose ${pkg('jose')} (resource-server, bare jose), express-oauth2-jwt-bearer ${pkg('express-oauth2-jwt-bearer')} (with its jose ${pkg('jose', join(here, '..', 'node_modules', 'express-oauth2-jwt-bearer', 'node_modules'))})`,
      `- ${SECONDS} s per timed run after ${WARMUP_SECONDS} s warm-up, ${ROUNDS} round(s), medians; RS256 tokens from Latchkey (2048-bit key)`,
    ].join('\n')
    console.log(report)
    if (OUT !== '-') {
      mkdirSync(dirname(OUT), { recursive: true })
      writeFileSync(OUT, `# Latest token-verification benchmark\n\nWritten by \`npm run bench:verify\` (bench/resource-server.ts). Ratios above 1 mean @latchkey/resource-server is faster.\n\n${report}\n`)
    }
  } finally {
    await server.close()
  }
}

await main()
