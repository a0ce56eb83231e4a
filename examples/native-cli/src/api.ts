/**
 * Calls to the Appointments API (examples/api) with the access token: the SDK's `fetchWithAuth`
 * refreshes an expired token first, and once more on a 401 `invalid_token`. Error answers become an
 * `ApiError` with the API's own description.
 */
import type { LatchkeyClient } from '@latchkey/client'
import type { Config } from './config.js'
import { ApiError, LOGIN_HINT } from './errors.js'
import type { Appointment } from './format.js'

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isAppointment(value: unknown): value is Appointment {
  return isObject(value) && typeof value.id === 'string' && typeof value.title === 'string' && typeof value.startsAt === 'string'
}

async function readJson(res: Response, url: URL): Promise<unknown> {
  const type = res.headers.get('content-type') ?? ''
  if (!/^application\/(?:[\w.+-]+\+)?json(?:;|$)/i.test(type)) {
    await res.body?.cancel()
    throw new ApiError(res.status, undefined, `Unexpected answer from ${url.href}: ${res.status} ${type || 'without a content type'} (is API_URL the Appointments API?).`)
  }
  try {
    return await res.json()
  } catch {
    throw new ApiError(res.status, undefined, `Unexpected answer from ${url.href}: ${res.status} with a body that is not JSON.`)
  }
}

async function failure(res: Response, url: URL): Promise<ApiError> {
  const body = await readJson(res, url).catch((err: unknown) => err)
  if (body instanceof ApiError) return body
  const error = isObject(body) && typeof body.error === 'string' ? body.error : undefined
  const description = isObject(body) && typeof body.error_description === 'string' ? body.error_description : undefined
  const issues = isObject(body) && Array.isArray(body.issues) ? body.issues.filter(isObject).map((i) => `${String(i.path) || 'body'}: ${String(i.message)}`) : []
  // e.g. `(400 invalid_request): The appointment is not valid: … [startsAt: Invalid ISO datetime].`
  const said = `(${res.status}${error ? ` ${error}` : ''})${description ? `: ${description.replace(/\.$/, '')}` : ''}${issues.length > 0 ? ` [${issues.join('; ')}]` : ''}.`
  if (res.status === 401) return new ApiError(401, error, `The Appointments API did not accept the access token ${said} ${LOGIN_HINT}`)
  if (res.status === 403) return new ApiError(403, error, `The Appointments API refused: the token lacks a scope ${said} ${LOGIN_HINT}`)
  return new ApiError(res.status, error, `The Appointments API refused the request ${said}`)
}

export async function listAppointments(client: LatchkeyClient, config: Config): Promise<Appointment[]> {
  const url = new URL('api/appointments', config.apiUrl)
  const res = await client.fetchWithAuth(url, { headers: { accept: 'application/json' } })
  if (!res.ok) throw await failure(res, url)
  const body = await readJson(res, url)
  if (!isObject(body) || !Array.isArray(body.appointments) || !body.appointments.every(isAppointment)) {
    throw new ApiError(res.status, undefined, `Unexpected answer from ${url.href}: no list of appointments.`)
  }
  return body.appointments
}

export async function bookAppointment(client: LatchkeyClient, config: Config, input: { title: string; startsAt: string }): Promise<Appointment> {
  const url = new URL('api/appointments', config.apiUrl)
  const res = await client.fetchWithAuth(url, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ title: input.title, startsAt: input.startsAt }),
  })
  if (!res.ok) throw await failure(res, url)
  const body = await readJson(res, url)
  if (!isAppointment(body)) throw new ApiError(res.status, undefined, `Unexpected answer from ${url.href}: not an appointment.`)
  return body
}
