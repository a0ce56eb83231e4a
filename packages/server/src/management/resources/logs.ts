/**
 * /logs and /users/{id}/logs: the audit log, as Auth0's log events. Offset paging newest first
 * (`page`, `per_page`, `include_totals`) with a search (`q`, see mappings/logs.ts), or checkpoint
 * paging for export: `from=<log_id>&take=N` gives the N events after that one, oldest first, as
 * Auth0 does (then `q` and the other parameters do not apply).
 */
import type { AuditLogFilter } from '@latchkey/storage'
import { z } from 'zod'
import { notFound } from '../errors.js'
import { logSchema, parseLogQuery, presentLog } from '../mappings/logs.js'
import { MAX_PER_PAGE, pageAnswer, pagedSchema, pageWindow } from '../paging.js'
import { fieldParams, integerParam, pagingParams, selectFields } from '../query.js'
import { type Resource, route } from '../route.js'

const sort = z
  .literal('date:-1', { error: 'Latchkey lists log events newest first: sort may only be date:-1' })
  .optional()
  .describe('date:-1 only (the order of the list).')

const listQuery = z.strictObject({
  ...pagingParams,
  ...fieldParams,
  sort,
  q: z.string().max(2000).optional().describe('Search: type, user_id, client_id and date, e.g. type:(s OR fp) AND date:[2026-01-01 TO *].'),
  search: z.string().max(2000).optional().describe('The same as q (the name some SDKs send).'),
  from: z.string().min(1).max(64).optional().describe('Checkpoint: the log_id after which to read, oldest first.'),
  take: integerParam(1, MAX_PER_PAGE).optional().describe(`Checkpoint: how many events (at most ${MAX_PER_PAGE}; 50 by default).`),
})
const userLogsQuery = z.strictObject({ ...pagingParams, sort })
const idParams = z.strictObject({ id: z.string().min(1).max(64).describe('The log_id.') })
const userParams = z.strictObject({ id: z.string().min(1).max(256).describe('The user_id, URL-encoded.') })

export const logs: Resource = {
  tag: 'logs',
  description: 'The audit log: logins, tokens, revocations, key rotations and management changes.',
  routes: [
    route({
      method: 'get',
      path: '/logs',
      summary: 'Search log events',
      scopes: ['read:logs'],
      query: listQuery,
      answer: { status: 200, description: 'The events, newest first (oldest first after a checkpoint).', schema: pagedSchema('logs', logSchema) },
      async handle({ deps, query }) {
        const present = (e: Parameters<typeof presentLog>[0]) => selectFields(presentLog(e), query)
        if (query.from !== undefined) {
          const events = await deps.store.logs.listAfter(query.from, query.take ?? 50)
          return { status: 200, body: events.map(present) }
        }
        const text = query.q ?? query.search
        const filter: AuditLogFilter = text !== undefined && text.trim() !== '' ? parseLogQuery(text) : {}
        const { page, perPage } = query.take !== undefined && query.per_page === undefined ? { page: 0, perPage: query.take } : pageWindow(query)
        const events = await deps.store.logs.list({ ...filter, page, perPage })
        return pageAnswer('logs', { ...query, page, per_page: perPage }, events.map(present), () => deps.store.logs.count(filter))
      },
    }),
    route({
      method: 'get',
      path: '/logs/:id',
      summary: 'Get a log event',
      scopes: ['read:logs'],
      params: idParams,
      answer: { status: 200, description: 'The event.', schema: logSchema },
      errors: { 404: 'No event with this id (inexistent_log).' },
      async handle({ deps, params }) {
        const event = await deps.store.logs.get(params.id)
        if (!event) throw notFound('The log event does not exist.', 'inexistent_log')
        return { status: 200, body: presentLog(event) }
      },
    }),
    route({
      method: 'get',
      path: '/users/:id/logs',
      summary: "Get a user's log events",
      scopes: ['read:logs', 'read:logs_users'],
      params: userParams,
      query: userLogsQuery,
      answer: { status: 200, description: "The user's events, newest first.", schema: pagedSchema('logs', logSchema) },
      async handle({ deps, params, query }) {
        const filter = { userId: params.id }
        const { page, perPage } = pageWindow(query)
        const events = await deps.store.logs.list({ ...filter, page, perPage })
        return pageAnswer('logs', query, events.map(presentLog), () => deps.store.logs.count(filter))
      },
    }),
  ],
}
