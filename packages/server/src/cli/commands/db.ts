/**
 * `latchkey db migrate`: applies the database migrations this release lacks, once per release
 * before its nodes start (a Kubernetes Job, a deploy script), and says which. Servers and every CLI
 * command also migrate when they open the database, under the migration lock, so running it is never
 * required; it makes the step explicit and its failure visible before any node rolls out.
 * `latchkey db status` says which migrations are applied and which are pending, changing nothing.
 */
import { openStore, type Store } from '@latchkey/storage'
import type { Command } from 'commander'
import { fields } from '../present.js'
import { CliError, type CommonOptions, databaseUrl, fail, group, leaf, print, run } from '../run.js'

/** The migrations the database lacks now, read without applying any. */
async function pendingNow(opts: CommonOptions): Promise<readonly string[]> {
  let store: Store
  try {
    store = await openStore(databaseUrl(opts))
  } catch (error) {
    throw new CliError(`cannot open the database: ${(error as Error).message}`)
  }
  try {
    return (await store.migrationStatus()).pending
  } finally {
    await store.close()
  }
}

/** pendingNow, or its failure printed as every command prints one (exit 1); null then. */
async function pendingOrFail(opts: CommonOptions): Promise<readonly string[] | null> {
  try {
    return await pendingNow(opts)
  } catch (error) {
    fail(error instanceof CliError ? error.message : `cannot read the migrations: ${(error as Error).message}`)
    return null
  }
}

export function registerDb(program: Command): void {
  const db = group(program, 'db', 'The database: apply the migrations a release needs, or see which are pending')

  leaf(db, 'migrate', 'Apply the migrations this release lacks (once per release, before its nodes start) and say which').action(async (opts: CommonOptions) => {
    const pending = await pendingOrFail(opts)
    if (pending === null) return
    // run() opens the store by applying what is pending, under the migration lock.
    await run(opts, async (store) => {
      const status = await store.migrationStatus()
      const upToDate = `The database is up to date (${status.applied.length} migrations).`
      print(opts, { applied_now: pending, applied: status.applied.length, pending: status.pending }, () =>
        pending.length === 0 ? upToDate : `Applied ${pending.length} migrations: ${pending.join(', ')}. ${upToDate}`,
      )
    })
  })

  leaf(db, 'status', 'Which migrations the database lacks (changes nothing)').action(async (opts: CommonOptions) => {
    const pending = await pendingOrFail(opts)
    if (pending === null) return
    print(opts, { pending }, () => fields([['pending migrations', pending.length === 0 ? 'none' : pending.join(', ')]]))
  })
}
