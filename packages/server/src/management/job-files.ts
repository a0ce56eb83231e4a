/**
 * Downloading a completed users-exports job: `GET /api/v2/jobs/{id}/file?token=…`, the `location`
 * that GET /api/v2/jobs/{id} answers, fetched without a Bearer token (as Auth0's SDKs and scripts
 * fetch Auth0's signed file links). The token is a capability: minted each time the job is read,
 * stored as its SHA-256 (a new one replaces the last), compared in constant time, and good for 60
 * seconds. The file is written as it is sent: users read a page at a time, gzip-compressed (Auth0's
 * export files are gzip), from the users as they are at download time.
 */
import { matchesHash, randomToken, sha256 } from '@latchkey/core'
import type { JobRecord } from '@latchkey/storage'
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { clientIp } from '../http/client-ip.js'
import { errorSummary } from '../http/json-answer.js'
import { type ExportField, exportUsers } from '../migration/export-users.js'
import { managementAudience } from './audience.js'
import { notFound } from './errors.js'

/** How long a download link works after the job was read. */
export const DOWNLOAD_LINK_TTL_MS = 60_000

/** A new download link for a completed export (the previous one stops working). */
export async function downloadLocation(deps: Deps, job: JobRecord): Promise<string> {
  const token = randomToken(32)
  await deps.store.jobs.setDownload(job.id, sha256(token), deps.clock.now() + DOWNLOAD_LINK_TTL_MS)
  return `${managementAudience(deps.config.issuer)}jobs/${encodeURIComponent(job.id)}/file?token=${token}`
}

const unusable = () => notFound('The download link is unknown or has expired: read the job again (GET /api/v2/jobs/{id}) for a new location.', 'inexistent_job_file')

function usable(job: JobRecord | null, token: string, now: number): job is JobRecord {
  if (job?.type !== 'users_export' || job.status !== 'completed') return false
  if (job.downloadHash === null || job.downloadExpiresAt === null || job.downloadExpiresAt <= now) return false
  return matchesHash(token, job.downloadHash)
}

export function mountJobFiles(api: Hono, deps: Deps): void {
  api.get('/jobs/:id/file', async (c) => {
    if (deps.limits.enabled) await deps.limits.perIp('management', clientIp(c, deps.config.trustProxy))
    const token = c.req.query('token') ?? ''
    const job = await deps.store.jobs.get(c.req.param('id'))
    if (!usable(job, token, deps.clock.now())) throw unusable()
    const connection = job.connectionId === null ? null : await deps.store.connections.get(job.connectionId)
    if (job.connectionId !== null && !connection) throw unusable()
    const format = job.options.format === 'json' ? 'ndjson' : 'csv'
    const chunks = exportUsers(deps.store, {
      format,
      fields: job.options.fields as ExportField[] | undefined,
      connection: connection?.name,
      limit: typeof job.options.limit === 'number' ? job.options.limit : undefined,
    })
    const encoder = new TextEncoder()
    const text = new ReadableStream<Uint8Array<ArrayBuffer>>({
      async pull(controller) {
        try {
          const next = await chunks.next()
          if (next.done) controller.close()
          else controller.enqueue(encoder.encode(next.value))
        } catch (err) {
          deps.log.error({ err: errorSummary(err), job: job.id }, 'export download failed')
          controller.error(err)
        }
      },
      async cancel() {
        await chunks.return(undefined)
      },
    })
    await deps.audit.record(c, {
      type: 'sapi',
      details: { action: 'job.users_export.downloaded', description: 'Download a users export', job_id: job.id, actor: 'management_api', method: 'GET', path: c.req.path },
    })
    return new Response(text.pipeThrough(new CompressionStream('gzip')), {
      status: 200,
      headers: {
        'Content-Type': 'application/gzip',
        'Content-Disposition': `attachment; filename="${job.id}.${format === 'csv' ? 'csv' : 'json'}.gz"`,
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
      },
    })
  })
}
