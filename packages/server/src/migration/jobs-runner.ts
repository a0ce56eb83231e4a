/**
 * Running Management API jobs. The node that accepted a job runs it in the background, right away:
 * it claims the job (pending → processing: only one claim wins, whichever node tries), does the
 * work, and records the outcome (processing → completed or failed). A clean shutdown waits for
 * the jobs it runs (`jobsSettled`, within the shutdown's 10 seconds); a node that dies mid-job
 * leaves it processing; the sweeper fails it after STALE_JOB_MS (see sweeper.ts), and never re-runs
 * it: an import may have written part of its users, and running it again is the administrator's
 * choice (with upsert, it completes the rest).
 *
 * - users_import: `importUsers` with the uploaded file (TOTP secrets sealed with the key-encryption
 *   key, each imported user audited with the job's creator as the actor); the summary and the
 *   per-entry errors (which name an entry by its email and user_id only) are kept, the file dropped.
 * - users_export: checks the connection still exists; the file itself is written when it is
 *   downloaded (job-files.ts), from the users as they are then.
 */
import type { JobOutcome, JobRecord, Store } from '@latchkey/storage'
import type { Deps } from '../deps.js'
import { errorSummary } from '../http/json-answer.js'
import { withoutSecrets } from '../management/mappings/jobs.js'
import { importUsers } from './import-users.js'

const UNEXPECTED = 'The job stopped on an unexpected error (see the server log).'

async function runImport(deps: Deps, job: JobRecord): Promise<JobOutcome> {
  const connection = job.connectionId === null ? null : await deps.store.connections.get(job.connectionId)
  if (!connection) return { status: 'failed', statusDetails: 'The connection was deleted before the job ran.' }
  const actor = typeof job.options.actor_client_id === 'string' ? job.options.actor_client_id : null
  const report = await importUsers(
    deps.store,
    {
      connection,
      upsert: job.options.upsert === true,
      encryption: deps.keys.encryption,
      now: () => deps.clock.now(),
      // As the Management API audits its changes: the caller that created the job is the actor.
      audit: (change) =>
        deps.audit.record(undefined, {
          type: 'sapi',
          clientId: actor,
          userId: change.userId,
          details: { action: change.action, description: change.description, ...change.details, job_id: job.id, actor: 'management_api' },
        }),
    },
    job.input ?? '',
  )
  if (!report.ok) return { status: 'failed', statusDetails: `${report.error.code}: ${report.error.message}` }
  return {
    status: 'completed',
    // Auth0's four counts: users already as the file says (upsert) count as updated.
    summary: { total: report.total, inserted: report.inserted, updated: report.updated + report.unchanged, failed: report.failed },
    errors: report.errors.map((e) => ({
      user: withoutSecrets(e.user),
      errors: e.errors.map(({ code, message, path }) => ({ code, message, ...(path ? { path } : {}) })),
    })),
  }
}

async function runExport(deps: Deps, job: JobRecord): Promise<JobOutcome> {
  if (job.connectionId !== null && !(await deps.store.connections.get(job.connectionId)))
    return { status: 'failed', statusDetails: 'The connection was deleted before the job ran.' }
  return { status: 'completed' }
}

/** Claims and runs the job if it is still pending; its finished record, or null when another caller had it. */
export async function runJob(deps: Deps, id: string): Promise<JobRecord | null> {
  const job = await deps.store.jobs.claim(id, deps.clock.now())
  if (!job) return null
  let outcome: JobOutcome
  try {
    outcome = job.type === 'users_import' ? await runImport(deps, job) : await runExport(deps, job)
  } catch (err) {
    deps.log.error({ err: errorSummary(err), job: job.id, type: job.type }, 'job failed')
    outcome = { status: 'failed', statusDetails: UNEXPECTED }
  }
  const finished = await deps.store.jobs.finish(id, outcome, deps.clock.now())
  deps.log.info({ job: id, type: job.type, status: outcome.status, summary: outcome.summary ?? undefined }, 'job finished')
  return finished
}

/** The jobs this process is running, per store, so a clean shutdown can wait for them. */
const running = new WeakMap<Store, Set<Promise<void>>>()

/** Runs the job in the background; failures are logged, never thrown. */
export function startJob(deps: Deps, id: string): void {
  const jobs = running.get(deps.store) ?? new Set<Promise<void>>()
  running.set(deps.store, jobs)
  const run: Promise<void> = runJob(deps, id)
    .then(() => undefined)
    .catch((err: unknown) => deps.log.error({ err: errorSummary(err), job: id }, 'job could not be run'))
    .finally(() => jobs.delete(run))
  jobs.add(run)
}

/** Settles once the jobs this process started on `store` have finished (a clean shutdown waits for them before closing the store). */
export async function jobsSettled(store: Store): Promise<void> {
  await Promise.all([...(running.get(store) ?? [])])
}
