/**
 * /stats: Auth0's daily statistics (`/stats/daily`: logins and sign-ups per UTC day) and active
 * users (`/stats/active-users`: users who logged in during the last 30 days), and Latchkey's
 * `/stats/activity`: logins, failed logins, sign-ups, token issuances and refresh-token reuse
 * detections per hour or per day, what the admin console charts. All of them are counted in SQL
 * from the audit log (grouped by period) and the users' last login, never by loading events, so
 * they only see what the audit log still keeps (its retention).
 */
import { z } from 'zod'
import type { Deps } from '../../deps.js'
import { badRequest } from '../errors.js'
import { type Resource, route } from '../route.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const ACTIVE_WINDOW = 30 * DAY
/** The longest daily series (Auth0 keeps a year of stats). */
const MAX_DAYS = 366
/** The most periods one activity answer holds: a month of hours, a year of days. */
const MAX_PERIODS = { hour: 31 * 24, day: MAX_DAYS } as const

/** Which audit event types each series counts (packages/core/src/audit/events.ts). */
const SERIES = {
  logins: ['s'],
  failed_logins: ['f', 'fu', 'fp'],
  signups: ['ss'],
  tokens: ['seacft', 'sertft', 'seccft'],
  reuse_detections: ['ferrt'],
} as const
type SeriesName = keyof typeof SERIES
const SERIES_NAMES = Object.keys(SERIES) as SeriesName[]
const SERIES_OF_TYPE = new Map<string, SeriesName>(SERIES_NAMES.flatMap((name) => SERIES[name].map((type) => [type, name] as const)))

/** `20261207` → midnight UTC of that day, refusing dates that do not exist (20260230). */
const dayParam = z
  .string()
  .regex(/^\d{8}$/, 'Expected a date as YYYYMMDD')
  .transform((v, ctx) => {
    const [y, m, d] = [Number(v.slice(0, 4)), Number(v.slice(4, 6)), Number(v.slice(6, 8))]
    const time = Date.UTC(y, m - 1, d)
    const back = new Date(time)
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) {
      ctx.addIssue({ code: 'custom', message: 'Expected an existing date as YYYYMMDD' })
      return z.NEVER
    }
    return time
  })

const instantParam = z.iso.datetime({ offset: true, message: 'Expected an ISO 8601 date-time, e.g. 2026-12-07T00:00:00Z' }).transform((v) => Date.parse(v))

const dailyQuery = z.strictObject({
  from: dayParam.optional().describe('The first day (inclusive), YYYYMMDD, UTC. 29 days before `to` by default.'),
  to: dayParam.optional().describe('The last day (inclusive), YYYYMMDD, UTC. Today by default.'),
})
const activityQuery = z.strictObject({
  interval: z.enum(['hour', 'day']).optional().describe('The length of each period: hour (the default) or day (UTC days).'),
  from: instantParam.optional().describe('The start (ISO 8601), rounded down to its period. 24 hours (or 30 days) before `to` by default.'),
  to: instantParam.optional().describe('The end (ISO 8601, exclusive), rounded up to its period. Now by default.'),
})

const dailySchema = z.array(
  z.object({
    date: z.string().describe('The day, midnight UTC (ISO 8601).'),
    logins: z.number().int().describe('Successful logins that day.'),
    signups: z.number().int().describe('Successful sign-ups that day.'),
    leaked_passwords: z.number().int().describe('Always 0: Latchkey has no breached-password detection.'),
    updated_at: z.string().describe('When these numbers were computed.'),
    created_at: z.string().describe('The start of the day.'),
  }),
)
const activitySchema = z.object({
  interval: z.enum(['hour', 'day']),
  from: z.string().describe('The start of the first period.'),
  to: z.string().describe('The end of the last period.'),
  series: z.array(
    z.object({
      start: z.string().describe('The start of the period (ISO 8601).'),
      logins: z.number().int(),
      failed_logins: z.number().int(),
      signups: z.number().int(),
      tokens: z.number().int().describe('Access tokens issued (authorization code, refresh token and client credentials exchanges).'),
      reuse_detections: z.number().int().describe('Refresh tokens reused (their family revoked).'),
    }),
  ),
})

type Counts = Record<SeriesName, number>
const zeros = (): Counts => ({ logins: 0, failed_logins: 0, signups: 0, tokens: 0, reuse_detections: 0 })

/** Every period of `periodMs` in [since, until), each with its counts (zero when nothing happened). */
async function countSeries(deps: Deps, since: number, until: number, periodMs: number): Promise<{ start: number; counts: Counts }[]> {
  const types = SERIES_NAMES.flatMap((name) => SERIES[name])
  const rows = await deps.store.logs.countByPeriod({ types, since, until, periodMs })
  const periods = new Map<number, Counts>()
  for (let start = since; start < until; start += periodMs) periods.set(start, zeros())
  for (const row of rows) {
    const counts = periods.get(row.start)
    const name = SERIES_OF_TYPE.get(row.type)
    if (counts && name) counts[name] += row.count
  }
  return [...periods].map(([start, counts]) => ({ start, counts }))
}

const iso = (time: number) => new Date(time).toISOString()
const floorTo = (time: number, period: number) => Math.floor(time / period) * period
const ceilTo = (time: number, period: number) => Math.ceil(time / period) * period

export const stats: Resource = {
  tag: 'stats',
  description: 'Statistics counted from the audit log: logins, sign-ups, active users, and activity per hour or day.',
  routes: [
    route({
      method: 'get',
      path: '/stats/daily',
      summary: 'Get daily stats',
      scopes: ['read:stats'],
      query: dailyQuery,
      answer: { status: 200, description: 'One entry per day of the range, oldest first.', schema: dailySchema },
      async handle({ deps, query }) {
        const now = deps.clock.now()
        const to = query.to ?? floorTo(now, DAY)
        const from = query.from ?? to - 29 * DAY
        if (from > to) throw badRequest('from must be on or before to.', 'invalid_query_string')
        if ((to - from) / DAY + 1 > MAX_DAYS) throw badRequest(`The range may span at most ${MAX_DAYS} days.`, 'invalid_query_string')
        const days = await countSeries(deps, from, to + DAY, DAY)
        const updatedAt = iso(now)
        const body = days.map(({ start, counts }) => ({
          date: iso(start),
          logins: counts.logins,
          signups: counts.signups,
          leaked_passwords: 0,
          updated_at: updatedAt,
          created_at: iso(start),
        }))
        return { status: 200, body }
      },
    }),
    route({
      method: 'get',
      path: '/stats/active-users',
      summary: 'Get active users count',
      scopes: ['read:stats'],
      answer: { status: 200, description: 'How many users logged in during the last 30 days.', schema: z.number().int() },
      async handle({ deps }) {
        return { status: 200, body: await deps.store.users.countLoggedInSince(deps.clock.now() - ACTIVE_WINDOW) }
      },
    }),
    route({
      method: 'get',
      path: '/stats/activity',
      summary: 'Get activity per hour or day (Latchkey)',
      scopes: ['read:stats'],
      query: activityQuery,
      answer: { status: 200, description: 'Every period of the range, oldest first, with its counts.', schema: activitySchema },
      async handle({ deps, query }) {
        const interval = query.interval ?? 'hour'
        const period = interval === 'hour' ? HOUR : DAY
        const to = ceilTo(query.to ?? deps.clock.now(), period)
        const from = floorTo(query.from ?? to - (interval === 'hour' ? DAY : 30 * DAY), period)
        if (from >= to) throw badRequest('from must be before to.', 'invalid_query_string')
        const max = MAX_PERIODS[interval]
        if ((to - from) / period > max) throw badRequest(`The range may hold at most ${max} periods of one ${interval}.`, 'invalid_query_string')
        const periods = await countSeries(deps, from, to, period)
        return {
          status: 200,
          body: { interval, from: iso(from), to: iso(to), series: periods.map(({ start, counts }) => ({ start: iso(start), ...counts })) },
        }
      },
    }),
  ],
}
