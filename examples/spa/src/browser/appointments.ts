/**
 * The Appointments API, called with the access token (see examples/api):
 * `GET /api/appointments` → `{ appointments }`, `POST /api/appointments` `{ title, startsAt }` → 201.
 */

export interface Appointment {
  readonly id: string
  readonly title: string
  readonly startsAt: string
  readonly createdAt: string
}

export interface NewAppointment {
  readonly title: string
  /** ISO 8601 with a time zone, e.g. `2026-12-01T09:30:00.000Z`. */
  readonly startsAt: string
}

/** `fetch` that adds `Authorization: Bearer <access token>`. */
export type AuthorizedFetch = (url: string, init?: RequestInit) => Promise<Response>

/** The API answered with an error (`{ error, error_description }`, RFC 6750 for 401/403). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description)
    this.name = 'ApiError'
  }
}

async function json(res: Response): Promise<unknown> {
  let body: unknown
  try {
    body = await res.json()
  } catch {
    body = undefined
  }
  if (res.ok) return body
  const b = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; error_description?: unknown }
  const error = typeof b.error === 'string' ? b.error : `http_${res.status}`
  const description = typeof b.error_description === 'string' ? b.error_description : `The API answered ${res.status}.`
  throw new ApiError(res.status, error, description)
}

export class AppointmentsApi {
  constructor(
    readonly baseUrl: string,
    readonly fetchWithToken: AuthorizedFetch,
  ) {}

  async list(): Promise<Appointment[]> {
    const body = (await json(await this.fetchWithToken(`${this.baseUrl}/api/appointments`))) as { appointments?: Appointment[] }
    return body.appointments ?? []
  }

  async book(appointment: NewAppointment): Promise<Appointment> {
    const res = await this.fetchWithToken(`${this.baseUrl}/api/appointments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(appointment),
    })
    return (await json(res)) as Appointment
  }
}
