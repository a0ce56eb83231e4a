/**
 * Running Latchkey: open and migrate the store, load the key-encryption key (sealing plaintext
 * private keys; refusing to start when one does not decrypt), make sure a signing key exists, serve
 * the app, and on SIGTERM/SIGINT stop accepting connections, let in-flight requests finish, then
 * close the store.
 */
import { getRequestListener } from '@hono/node-server'
import { systemClock, type Clock } from '@latchkey/core'
import { openAndMigrate, type Store } from '@latchkey/storage'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp } from './app.js'
import { AuditLog, logAuditFailure } from './audit.js'
import type { Config } from './config.js'
import type { Deps } from './deps.js'
import { clientIp } from './http/client-ip.js'
import { hotPath } from './http/hot-path.js'
import { KeyRing } from './keys/key-ring.js'
import { ensureManagementApi } from './management/system-api.js'
import { ensureAdminConsoleApp } from './admin-console-app.js'
import { syncAdminRoles } from './management/admins.js'
import { loadKeyEncryption } from './keys/secret.js'
import { checkConnectionSecrets } from './keys/connection-secrets.js'
import { checkActionSecrets } from './keys/action-secrets.js'
import { prepareStoredKeys } from './keys/stored-keys.js'
import { withRegistrationCache } from './registration-cache.js'
import { createLogger, type Logger } from './logger.js'
import { countAuditEvent } from './operations/audit-metrics.js'
import { metricsExposed } from './operations/metrics-config.js'
import { startMetricsServer } from './operations/metrics-server.js'
import { Readiness, type ReadinessOptions } from './operations/readiness.js'
import { instrumentStore } from './operations/store-metrics.js'
import { openLimits } from './rate-limits/limits.js'
import { withReplayGuard } from './replay/with-replay-guard.js'
import { startSweeper } from './sweeper.js'
import { jobsSettled } from './migration/jobs-runner.js'
import { startRotationSchedule } from './keys/rotation-schedule.js'
import { createStrategies, type StrategiesOptions } from './connections/strategies/index.js'
import { createEmailService, type EmailService } from './email/start-email.js'
import { ActionRunner } from './actions/action-runner.js'
import type { OutboxWorker } from './email/outbox-worker.js'

export interface RunningServer {
  readonly url: string
  readonly port: number
  /** `http://HOST:PORT/metrics` when LATCHKEY_METRICS_PORT gives /metrics a port of its own; else null. */
  readonly metricsUrl: string | null
  readonly deps: Deps
  /** The email outbox worker of this server (`runOnce()` runs a round now: tests). */
  readonly outbox: OutboxWorker
  /** Draining first (/readyz answers 503), then stops accepting connections, finishes in-flight requests, closes the store. */
  close(): Promise<void>
}

/**
 * Slow clients (slowloris) cannot hold connections open: the headers must arrive within 10 s and the
 * whole request within 30 s, or Node answers 408 and closes the socket. Idle keep-alive sockets close
 * after 5 s. The limits are checked every second.
 */
export const HTTP_TIMEOUTS = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000, checkIntervalMs: 1_000 } as const
export type HttpTimeouts = { readonly [K in keyof typeof HTTP_TIMEOUTS]: number }

export interface StartOptions {
  readonly clock?: Clock
  readonly log?: Logger
  readonly store?: Store
  /** Overrides HTTP_TIMEOUTS (tests use short ones). */
  readonly httpTimeouts?: HttpTimeouts
  /** Overrides the readiness probe's store timeout and cache (READINESS_DEFAULTS). */
  readonly readiness?: ReadinessOptions
  /** Options of the upstream strategies (tests: time limits, a stand-in for Google's issuer). */
  readonly strategies?: StrategiesOptions
  /** Overrides the outbox worker's poll interval (OUTBOX_POLL_MS). */
  readonly outboxPollMs?: number
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel)
  const clock = options.clock ?? systemClock
  // Measured only when /metrics is served somewhere: nobody could read the numbers otherwise.
  // prom-client is loaded only then (memory).
  const metrics = metricsExposed(config.metrics) ? new (await import('./operations/metrics.js')).Metrics() : null
  const opened = options.store ?? (await openAndMigrate(config.db))
  // Applications and APIs are read on every request: cached for a bounded time (registration-cache.ts).
  const store = withRegistrationCache(metrics ? instrumentStore(opened, metrics) : opened, clock)
  let keys: KeyRing
  let email: EmailService
  try {
    const { encryption, createdKeyFile } = loadKeyEncryption(config.secrets, config.db)
    if (createdKeyFile) log.info({ path: createdKeyFile }, 'generated the key-encryption key file: back it up with the database')
    const sealed = await prepareStoredKeys(store, encryption)
    if (sealed.length > 0) log.info({ kids: sealed, kek: encryption.current.id }, 'encrypted signing keys stored in plaintext')
    // Connections' upstream client secrets must open too, or their logins would fail later.
    await checkConnectionSecrets(store, encryption)
    // So must actions' secrets, or their logins would fail later.
    await checkActionSecrets(store, encryption)
    keys = new KeyRing(store, clock, encryption)
    await keys.ensureKey()
    // The built-in administrator roles follow this build's Management API scopes.
    await syncAdminRoles(store, await ensureManagementApi(store, config.issuer, clock.now()), clock.now())
    await ensureAdminConsoleApp(store, config.issuer, config.adminConsole, clock.now())
    // Templates are read (and checked) here: a broken override stops the start.
    email = createEmailService({ config, store, clock, log, encryption: keys.encryption, metrics, ...(options.outboxPollMs === undefined ? {} : { pollMs: options.outboxPollMs }) })
  } catch (error) {
    if (!options.store) await store.close()
    throw error
  }
  const onRefused = metrics ? (limit: string) => metrics.rateLimitRejections.inc({ limit }) : undefined
  const limits = await openLimits(config.rateLimits, config.db, log, onRefused).catch(async (error: unknown) => {
    if (!options.store) await store.close()
    throw error
  })
  const audit = new AuditLog({
    store,
    clock,
    onError: logAuditFailure(log),
    ipOf: (c) => clientIp(c, config.trustProxy),
    ...(metrics ? { observe: countAuditEvent(metrics) } : {}),
  })
  const readiness = new Readiness(store, log, options.readiness)
  // DPoP and client assertion jtis in Redis when it is configured (replay/redis-replay-guard.ts).
  const redisUrl = config.rateLimits.redisUrl
  // ioredis is loaded only when Redis is configured (memory).
  const redisReplay = redisUrl === null ? null : await (await import('./replay/redis-replay-guard.js')).openRedisReplayGuard(redisUrl, store.replayGuard, log)
  const strategies = createStrategies({ now: () => clock.now(), ...options.strategies })
  const deps: Deps = {
    config,
    store: redisReplay ? withReplayGuard(store, redisReplay) : store,
    keys,
    strategies,
    clock,
    log,
    limits,
    audit,
    metrics,
    readiness,
    email: email.emailer,
    devOutbox: email.mailbox,
    actions: new ActionRunner(store, keys.encryption, { now: () => clock.now(), timeoutMs: config.actions.timeoutMs }),
  }
  const app = createApp(deps)
  const metricsPort = config.metrics.port
  const metricsServer =
    metrics && metricsPort !== null
      ? await startMetricsServer({ ...config.metrics, port: metricsPort }, metrics).catch(async (error: unknown) => {
          await limits.close()
          redisReplay?.close()
          if (!options.store) await store.close()
          throw error
        })
      : null

  // Caches follow changes made on other nodes (PostgreSQL LISTEN/NOTIFY; see docs/deploy.md).
  const stopFollowing = keys.followChanges()
  // A connection changed or deleted by another node (or, on PostgreSQL, the CLI): its strategy's
  // discovery metadata and JWKS are fetched again (the notice does not say which connection).
  const stopFollowingConnections = store.changes.listen((topic) => {
    if (topic === 'connections' || topic === 'all') strategies.forget()
  })
  await store.changes.ready().catch((err: unknown) =>
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'no change notices from other nodes for now: caches refresh within 5 s'),
  )

  // The token endpoint and /userinfo straight on Node's request (http/hot-path.ts); the rest through Hono.
  const hot = await hotPath(deps)
  const honoListener = getRequestListener(app.fetch)
  const server: Server = createServer(serverOptions(options.httpTimeouts ?? HTTP_TIMEOUTS), (req, res) => {
    if (!hot(req, res)) void honoListener(req, res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const stopSweeper = startSweeper(store, clock, log, config.auditRetentionDays, config.email.retentionDays)
  const stopRotation = startRotationSchedule(keys, config.keyRotationSeconds, log, audit)
  email.worker.start()
  const port = (server.address() as AddressInfo).port
  const url = `http://localhost:${port}/`
  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      readiness.drain()
      stopSweeper()
      stopRotation()
      stopFollowing()
      stopFollowingConnections()
      server.close(() => resolve())
      server.closeIdleConnections()
    })
      .then(() => email.worker.stop())
      .then(() => metricsServer?.close())
      .then(() => limits.close())
      .then(() => redisReplay?.close())
      .then(() => deps.actions.close())
      .then(() => jobsSettled(store))
      .then(() => audit.flush())
      .then(() => store.close()))
  return { url, port, metricsUrl: metricsServer?.url ?? null, deps, outbox: email.worker, close }
}

function serverOptions(t: HttpTimeouts) {
  return { headersTimeout: t.headersMs, requestTimeout: t.requestMs, keepAliveTimeout: t.keepAliveMs, connectionsCheckingInterval: t.checkIntervalMs }
}

/** Stops cleanly on SIGTERM / SIGINT: drain, close, exit 0 (or 1 if draining takes over 10 s). */
export function handleSignals(running: RunningServer, log: Logger): void {
  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down: draining in-flight requests')
    const force = setTimeout(() => {
      log.error('shutdown timed out after 10 s')
      process.exit(1)
    }, 10_000)
    force.unref()
    running.close().then(
      () => {
        log.info('stopped')
        process.exit(0)
      },
      (err: unknown) => {
        log.error({ err }, 'error while stopping')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}
