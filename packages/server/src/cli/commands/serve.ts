/**
 * `latchkey serve`: run the server in the foreground, logging to stdout. With `--demo` (npm start) it
 * first registers the demo, only on an issuer on this machine unless forced (demo-issuer.ts); a
 * server others reach never starts while the demo user still has its published password.
 */
import { systemClock } from '@latchkey/core'
import { openAndMigrate } from '@latchkey/storage'
import type { Command } from 'commander'
import { loadConfig, type Config } from '../../config.js'
import { DEMO, demoAccountOpen, demoInstructions, seedDemo } from '../../demo.js'
import { DEMO_FORCE_FLAG, demoOnPublicIssuerWarning, isLocalIssuer } from '../../demo-issuer.js'
import { createLogger } from '../../logger.js'
import { KeyEncryptionError } from '../../keys/key-encryption.js'
import { handleSignals, type RunningServer, startServer } from '../../server.js'

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the authorization server in the foreground')
    .option('-p, --port <port>', 'port to listen on (env PORT)', undefined)
    .option('--host <host>', 'interface to bind (env HOST)', undefined)
    .option('--issuer <url>', 'public origin, e.g. https://login.example.com/ (env LATCHKEY_ISSUER)')
    .option('--db <url>', 'database: sqlite:./data/latchkey.db or postgres://… (env LATCHKEY_DB)')
    .option('--demo', 'register the demo apps, API and user (known password: not for production) where missing, and serve the /playground; only on a localhost or loopback issuer')
    .option(DEMO_FORCE_FLAG, 'with --demo: run the demo even on an issuer that is not localhost or loopback, with a warning at every start (env LATCHKEY_DEMO_ON_PUBLIC_ISSUER)')
    .option('--rotate-keys-every <days>', 'rotate the signing key automatically at this age (env LATCHKEY_KEY_ROTATION_DAYS; default off)')
    .action(async (opts: { port?: string; host?: string; issuer?: string; db?: string; demo?: boolean; demoOnPublicIssuer?: boolean; rotateKeysEvery?: string }) => {
      let config: Config
      try {
        if (opts.demoOnPublicIssuer && !opts.demo) throw new Error(`${DEMO_FORCE_FLAG} only applies with --demo`)
        config = loadConfig({
          port: opts.port,
          host: opts.host,
          issuer: opts.issuer,
          db: opts.db,
          keyRotationDays: opts.rotateKeysEvery,
          demo: opts.demo === true,
          demoOnPublicIssuer: opts.demoOnPublicIssuer,
        })
      } catch (err) {
        console.error(`latchkey: ${(err as Error).message}`)
        process.exit(2)
      }
      const log = createLogger(config.logLevel)
      if (config.demoOnPublicIssuer) log.warn({ issuer: config.issuer, demoUser: DEMO.email }, demoOnPublicIssuerWarning(config.issuer, DEMO.email))
      let running: RunningServer
      const store = await openAndMigrate(config.db)
      try {
        // A database that ran the demo keeps its user: a server others reach must not open with it.
        if (!config.demo && !isLocalIssuer(config.issuer) && (await demoAccountOpen(store))) throw new DemoAccountOpen(config.issuer)
        // The demo is registered before the server listens, so the first request already finds it.
        if (config.demo) await seedDemo(store, systemClock, config.issuer, { allowPublicIssuer: config.demoOnPublicIssuer })
        running = await startServer(config, { log, store })
      } catch (err) {
        await store.close().catch(() => {})
        // A missing or wrong key-encryption secret, or the demo user on a public issuer: one clear line, no stack trace.
        if (!(err instanceof KeyEncryptionError || err instanceof DemoAccountOpen)) throw err
        console.error(`latchkey: ${err.message}`)
        process.exit(2)
      }
      handleSignals(running, log)
      log.info({ issuer: config.issuer, port: running.port, db: config.db.replace(/\/\/[^@]*@/, '//***@'), ...(running.metricsUrl ? { metrics: running.metricsUrl } : {}) }, 'listening')
      if (config.demo && (await running.deps.store.applications.get(DEMO.clientId)))
        process.stdout.write(demoInstructions(config.issuer, { publicIssuer: config.demoOnPublicIssuer, devOutbox: config.email.devOutbox }))
    })
}

class DemoAccountOpen extends Error {
  constructor(issuer: string) {
    super(
      `refusing to serve ${issuer}: this database holds the demo user ${DEMO.email} with the password published in the README ` +
        `(left by npm start), and anyone could log in with it. Delete it first: latchkey users delete ${DEMO.email} --force (with the same --db).`,
    )
  }
}
