/**
 * The Appointments API: Hono, with access tokens verified by @latchkey/resource-server.
 *
 *   GET  /api/public         no token needed
 *   GET  /api/appointments   permission and scope read:appointments   → { appointments: Appointment[] } (the caller's)
 *   POST /api/appointments   permission and scope write:appointments  { title, startsAt } → 201 Appointment
 *
 * The permission (the `permissions` claim, from the user's roles in Latchkey: the API has RBAC) says
 * the user may do it; the scope says the app asked for it and the user consented. Either missing is
 * 403 insufficient_scope.
 */
import { auth, requirePermissions, requireScopes, type AuthEnv } from '@latchkey/resource-server/hono'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { HTTPException } from 'hono/http-exception'
import { AppointmentBook, NewAppointment } from './appointments.js'
import type { Config } from './config.js'

export interface ApiOptions extends Pick<Config, 'issuer' | 'audience' | 'corsOrigins'> {
  readonly book?: AppointmentBook
  /** Where unexpected errors go (default: stderr). */
  readonly logError?: (err: unknown) => void
}

const invalid = (description: string) => ({ error: 'invalid_request', error_description: description })

export function createApi(options: ApiOptions) {
  const book = options.book ?? new AppointmentBook()
  const logError = options.logError ?? ((err: unknown) => console.error(err))
  const checkJwt = auth({ issuer: options.issuer, audience: options.audience })
  const app = new Hono<AuthEnv>()

  app.use(
    '/api/*',
    cors({
      origin: [...options.corsOrigins],
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['authorization', 'content-type'],
      exposeHeaders: ['WWW-Authenticate'],
      maxAge: 600,
    }),
  )

  app.get('/api/public', (c) => c.json({ message: 'Hello from a public endpoint! You do not need a token to see this.' }))

  app.get('/api/appointments', checkJwt, requirePermissions('read:appointments'), requireScopes('read:appointments'), (c) =>
    c.json({ appointments: book.list(c.get('auth').sub) }, 200, { 'Cache-Control': 'no-store' }),
  )

  app.post(
    '/api/appointments',
    checkJwt,
    requirePermissions('write:appointments'),
    requireScopes('write:appointments'),
    bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.json(invalid('The body is larger than 16 KB.'), 413) }),
    async (c) => {
      if (!/^application\/json(?:;|$)/i.test(c.req.header('content-type') ?? '')) {
        return c.json(invalid('Send the appointment as application/json.'), 415)
      }
      let body: unknown
      try {
        body = await c.req.json()
      } catch {
        return c.json(invalid('The body is not valid JSON.'), 400)
      }
      const parsed = NewAppointment.safeParse(body)
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
        return c.json({ ...invalid('The appointment is not valid: it needs a title (1 to 200 characters) and startsAt (an ISO 8601 date-time with a time zone).'), issues }, 400)
      }
      return c.json(book.add(c.get('auth').sub, parsed.data), 201, { 'Cache-Control': 'no-store' })
    },
  )

  app.notFound((c) => c.json({ error: 'not_found', error_description: 'No such endpoint.' }, 404))
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      // the verifier could not reach Latchkey (503): say so in the log, answer what the adapter prepared
      logError(err.cause ?? err)
      return err.getResponse()
    }
    logError(err)
    return c.json({ error: 'server_error', error_description: 'Something went wrong.' }, 500)
  })

  return { app, verifier: checkJwt.verifier, book }
}
