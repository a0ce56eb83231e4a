/**
 * Auth0's bulk user jobs (issue 18): `POST /jobs/users-imports` (multipart: the users file and the
 * connection), `POST /jobs/users-exports`, `GET /jobs/{id}` and `GET /jobs/{id}/errors`. Jobs are
 * stored (store.jobs) and run in the background by the node that accepted them (jobs-runner.ts);
 * a completed export's `location` is a 60-second download link (job-files.ts).
 */
import { randomAlphanumeric } from '@latchkey/core'
import type { JobRecord } from '@latchkey/storage'
import type { Deps } from '../../deps.js'
import { fieldsProblem } from '../../migration/export-users.js'
import { startJob } from '../../migration/jobs-runner.js'
import { badRequest, ManagementError, notFound } from '../errors.js'
import { downloadLocation } from '../job-files.js'
import { exportJobBody, importJobBody, isJobId, jobErrorsSchema, jobParams, jobSchema, MAX_IMPORT_BODY_BYTES, MAX_IMPORT_FILE_BYTES, presentJob } from '../mappings/jobs.js'
import { type Resource, route } from '../route.js'

const newJobId = () => `job_${randomAlphanumeric(16)}`
const decoder = new TextDecoder('utf-8', { fatal: true })

async function connectionOf(deps: Deps, id: string) {
  const connection = await deps.store.connections.get(id)
  if (!connection) throw notFound('The connection does not exist', 'inexistent_connection')
  return connection
}

async function jobOf(deps: Deps, id: string): Promise<JobRecord> {
  const job = isJobId(id) ? await deps.store.jobs.get(id) : null
  if (!job) throw notFound('The job does not exist', 'inexistent_job')
  return job
}

/** The file's text: UTF-8, within the size limit (a part sent without a filename arrives as text). */
async function fileText(file: File | string): Promise<string> {
  const size = typeof file === 'string' ? Buffer.byteLength(file) : file.size
  if (size > MAX_IMPORT_FILE_BYTES) throw new ManagementError(413, 'payload_too_large', `The users file is larger than ${MAX_IMPORT_FILE_BYTES / 1024 / 1024} MiB: split it, or use latchkey import users.`)
  if (size === 0) throw badRequest('The users file is empty.', 'invalid_body')
  if (typeof file === 'string') return file
  try {
    return decoder.decode(await file.arrayBuffer())
  } catch {
    throw badRequest('The users file is not UTF-8 text.', 'invalid_body')
  }
}

function newJob(deps: Deps, fields: Pick<JobRecord, 'type' | 'connectionId' | 'externalId' | 'options' | 'input'>): JobRecord {
  return { id: newJobId(), status: 'pending', summary: null, errors: null, statusDetails: null, downloadHash: null, downloadExpiresAt: null, createdAt: deps.clock.now(), claimedAt: null, finishedAt: null, ...fields }
}

export const jobs: Resource = {
  tag: 'jobs',
  description: 'Bulk user imports and exports, run in the background.',
  routes: [
    route({
      method: 'post',
      path: '/jobs/users-imports',
      summary: 'Create import users job',
      scopes: ['create:users'],
      body: importJobBody,
      bodyType: 'multipart',
      maxBodyBytes: MAX_IMPORT_BODY_BYTES,
      answer: { status: 201, description: 'The job, pending; it runs in the background (poll GET /jobs/{id}).', schema: jobSchema },
      errors: { 404: 'The connection does not exist.', 413: 'The users file is too large.' },
      async handle({ deps, caller, body, audit }) {
        const connection = await connectionOf(deps, body.connection_id)
        const input = await fileText(body.users)
        const job = newJob(deps, {
          type: 'users_import',
          connectionId: connection.id,
          externalId: body.external_id ?? null,
          options: { upsert: body.upsert ?? false, send_completion_email: body.send_completion_email ?? true, actor_client_id: caller.clientId },
          input,
        })
        await deps.store.jobs.insert(job)
        await audit.change({ action: 'job.users_import.created', description: 'Create an import users job', details: { job_id: job.id, connection_id: connection.id, connection: connection.name } })
        startJob(deps, job.id)
        return { status: 201, body: presentJob(job, { connection: connection.name }) }
      },
    }),
    route({
      method: 'post',
      path: '/jobs/users-exports',
      summary: 'Create export users job',
      scopes: ['read:users'],
      body: exportJobBody,
      answer: { status: 201, description: 'The job, pending; once completed, GET /jobs/{id} answers its download location.', schema: jobSchema },
      errors: { 404: 'The connection does not exist.' },
      async handle({ deps, body, audit }) {
        const connection = body.connection_id === undefined ? null : await connectionOf(deps, body.connection_id)
        const problem = body.fields ? fieldsProblem(body.fields) : null
        if (problem) throw badRequest(`Payload validation error: '${problem}' on property fields.`)
        const job = newJob(deps, {
          type: 'users_export',
          connectionId: connection?.id ?? null,
          externalId: null,
          options: { format: body.format ?? 'csv', ...(body.limit !== undefined ? { limit: body.limit } : {}), ...(body.fields ? { fields: body.fields } : {}) },
          input: null,
        })
        await deps.store.jobs.insert(job)
        await audit.change({ action: 'job.users_export.created', description: 'Create an export users job', details: { job_id: job.id, connection_id: connection?.id, connection: connection?.name } })
        startJob(deps, job.id)
        return { status: 201, body: presentJob(job, connection ? { connection: connection.name } : {}) }
      },
    }),
    route({
      method: 'get',
      path: '/jobs/:id',
      summary: 'Get a job',
      scopes: ['create:users', 'read:users'],
      params: jobParams,
      answer: { status: 200, description: 'The job; a completed export carries its 60-second download location.', schema: jobSchema },
      errors: { 404: 'The job does not exist (or was removed a week after it finished).' },
      async handle({ deps, params }) {
        const job = await jobOf(deps, params.id)
        const location = job.type === 'users_export' && job.status === 'completed' ? await downloadLocation(deps, job) : undefined
        return { status: 200, body: presentJob(job, location !== undefined ? { location } : {}) }
      },
    }),
    route({
      method: 'get',
      path: '/jobs/:id/errors',
      summary: 'Get job error details',
      scopes: ['create:users', 'read:users'],
      params: jobParams,
      answer: { status: 200, description: "A completed import's per-user errors (the users without their password hashes); the job itself while it runs or once it failed; 204 when it completed without errors.", schema: jobErrorsSchema },
      errors: { 404: 'The job does not exist.' },
      async handle({ deps, params }) {
        const job = await jobOf(deps, params.id)
        if (job.status !== 'completed') return { status: 200, body: presentJob(job) }
        if (!job.errors || job.errors.length === 0) return { status: 204 }
        return { status: 200, body: job.errors }
      },
    }),
  ],
}
