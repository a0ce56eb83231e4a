/**
 * Auth0's job objects ↔ Latchkey's JobRecord: the request bodies of users-imports (multipart
 * fields, all strings) and users-exports (JSON), and the job as GET /jobs/{id} answers it.
 */
import type { JobRecord, JobSummary } from '@latchkey/storage'
import { z } from 'zod'
import { EXPORTABLE_FIELDS, MAX_EXPORT_FIELDS } from '../../migration/export-users.js'

/** The largest users file an import job takes (Auth0 takes 500 KB; larger files: `latchkey import users`). */
export const MAX_IMPORT_FILE_BYTES = 5 * 1024 * 1024
/** The whole multipart body: the file and the few other fields. */
export const MAX_IMPORT_BODY_BYTES = MAX_IMPORT_FILE_BYTES + 64 * 1024

const JOB_ID = /^job_[A-Za-z0-9]{16}$/
export const jobParams = z.object({ id: z.string().max(64).describe('The job (job_…).') })
export const isJobId = (id: string) => JOB_ID.test(id)

/** A multipart boolean: `true` or `false`. */
const formBoolean = z.enum(['true', 'false'], { error: 'Expected true or false' }).transform((v) => v === 'true')

export const importJobBody = z
  .strictObject({
    users: z.union([z.instanceof(File), z.string()], { error: 'users must be a file: the JSON array of users (multipart/form-data)' }).describe(`The users file (Auth0's bulk-import JSON array), at most ${MAX_IMPORT_FILE_BYTES / 1024 / 1024} MiB.`),
    connection_id: z.string().min(1).max(64).describe('The connection to import into (con_…): the database connection, or an upstream one.'),
    upsert: formBoolean.optional().describe('Update users that already exist (true) instead of reporting them (false, the default).'),
    external_id: z.string().max(255).optional().describe("The caller's own id for this job, answered back."),
    send_completion_email: formBoolean.optional().describe('Accepted for compatibility: no email is sent (Latchkey keeps no administrators\' addresses); poll GET /jobs/{id}.'),
  })
  .describe('A users import job.')
export type ImportJobBody = z.output<typeof importJobBody>

const exportField = z.strictObject({
  name: z.string().min(1).max(200).describe(`A user field (${EXPORTABLE_FIELDS.join(', ')}) or a path into one: app_metadata.plan, identities[0].connection.`),
  export_as: z.string().min(1).max(200).optional().describe('The column (CSV) or key (JSON) it is written as.'),
})

export const exportJobBody = z
  .strictObject({
    connection_id: z.string().min(1).max(64).optional().describe("Only this connection's users (con_…); every user by default."),
    format: z.enum(['json', 'csv']).optional().describe('csv (the default; a header row) or json (one JSON object a line).'),
    limit: z.number().int().min(1).optional().describe('At most this many users.'),
    fields: z.array(exportField).max(MAX_EXPORT_FIELDS).optional().describe('The fields exported; a predefined set by default.'),
  })
  .describe('A users export job.')
export type ExportJobBody = z.output<typeof exportJobBody>

export const jobSchema = z
  .looseObject({
    status: z.enum(['pending', 'processing', 'completed', 'failed']),
    type: z.enum(['users_import', 'users_export']),
    created_at: z.string(),
    id: z.string(),
    connection_id: z.string().optional(),
    connection: z.string().optional(),
    external_id: z.string().optional(),
    upsert: z.boolean().optional(),
    send_completion_email: z.boolean().optional(),
    format: z.enum(['json', 'csv']).optional(),
    limit: z.number().int().optional(),
    fields: z.array(exportField).optional(),
    summary: z.object({ failed: z.number().int(), updated: z.number().int(), inserted: z.number().int(), total: z.number().int() }).optional(),
    status_details: z.string().optional(),
    location: z.string().optional().describe('A completed export: where to download the gzip file; works for 60 seconds (read the job again for a new link).'),
  })
  .describe('A job.')

export const jobErrorsSchema = z.union([
  z.array(z.object({ user: z.record(z.string(), z.unknown()), errors: z.array(z.object({ code: z.string(), message: z.string(), path: z.string().optional() })) })),
  jobSchema,
])

function summaryOf(summary: JobSummary): { failed: number; updated: number; inserted: number; total: number } {
  return { failed: summary.failed, updated: summary.updated, inserted: summary.inserted, total: summary.total }
}

/** The job in Auth0's shape; `location` for a completed export (see job-files.ts). */
export function presentJob(job: JobRecord, extra: { connection?: string; location?: string } = {}): Record<string, unknown> {
  const options = job.options
  return {
    status: job.status,
    type: job.type,
    created_at: new Date(job.createdAt).toISOString(),
    id: job.id,
    ...(job.connectionId !== null ? { connection_id: job.connectionId } : {}),
    ...(extra.connection !== undefined ? { connection: extra.connection } : {}),
    ...(job.externalId !== null ? { external_id: job.externalId } : {}),
    ...(job.type === 'users_import' ? { upsert: options.upsert === true, send_completion_email: options.send_completion_email !== false } : {}),
    ...(job.type === 'users_export'
      ? { format: options.format, ...(typeof options.limit === 'number' ? { limit: options.limit } : {}), ...(Array.isArray(options.fields) ? { fields: options.fields } : {}) }
      : {}),
    ...(job.summary ? { summary: summaryOf(job.summary) } : {}),
    ...(job.statusDetails !== null ? { status_details: job.statusDetails } : {}),
    ...(extra.location !== undefined ? { location: extra.location } : {}),
  }
}

/** What an import entry may not carry into an errors answer: its password hashes and factor secrets. */
const SECRET_KEYS = ['password_hash', 'custom_password_hash', 'mfa_factors', 'password']

/** An imported entry as the errors answer shows it, its secrets removed. */
export function withoutSecrets(user: unknown): Record<string, unknown> {
  if (user === null || typeof user !== 'object' || Array.isArray(user)) return {}
  return Object.fromEntries(Object.entries(user).filter(([key]) => !SECRET_KEYS.includes(key)))
}
