/** `latchkey serve`: run the server in the foreground, logging to stdout. */
import { systemClock } from '@latchkey/core'
import { openAndMigrate } from '@latchkey/storage'
import type { Command } from 'commander'
import { loadConfig, type Config } from '../../config.js'
import { DEMO, demoInstructions, seedDemo } from '../../demo.js'
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
    .option('--demo', 'register the demo apps, API and user where missing, and serve the /playground')
    .option('--rotate-keys-every <days>', 'rotate the signing key automatically at this age (env LATCHKEY_KEY_ROTATION_DAYS; default off)')
    .action(async (opts: { port?: string; host?: string; issuer?: string; db?: string; demo?: boolean; rotateKeysEvery?: string }) => {
      let config: Config
      try {
        config = loadConfig({ port: opts.port, host: opts.host, issuer: opts.issuer, db: opts.db, keyRotationDays: opts.rotateKeysEvery, demo: opts.demo === true })
      } catch (err) {
        console.error(`latchkey: ${(err as Error).message}`)
        process.exit(2)
      }
      const log = createLogger(config.logLevel)
      let running: RunningServer
      const store = await openAndMigrate(config.db)
      try {
        // The demo is registered before the server listens, so the first request already finds it.
        if (opts.demo) await seedDemo(store, systemClock, config.issuer)
        running = await startServer(config, { log, store })
      } catch (err) {
        await store.close().catch(() => {})
        // A missing or wrong key-encryption secret: one clear line, no stack trace.
        if (!(err instanceof KeyEncryptionError)) throw err
        console.error(`latchkey: ${err.message}`)
        process.exit(2)
      }
      handleSignals(running, log)
      log.info({ issuer: config.issuer, port: running.port, db: config.db.replace(/\/\/[^@]*@/, '//***@'), ...(running.metricsUrl ? { metrics: running.metricsUrl } : {}) }, 'listening')
      if (opts.demo && (await running.deps.store.applications.get(DEMO.clientId))) process.stdout.write(demoInstructions(config.issuer))
    })
}
