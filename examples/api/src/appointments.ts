/** Appointments, kept in memory per user (`sub`), and what a new one must look like. */
import { randomUUID } from 'node:crypto'
import { z } from 'zod'

export const NewAppointment = z.strictObject({
  title: z.string().trim().min(1).max(200),
  /** ISO 8601 date and time with a time zone, such as `2026-12-01T09:30:00Z` or `…+01:00`. */
  startsAt: z.iso.datetime({ offset: true }),
})

export type NewAppointment = z.infer<typeof NewAppointment>

export interface Appointment {
  readonly id: string
  readonly title: string
  readonly startsAt: string
  readonly createdAt: string
}

export class AppointmentBook {
  readonly #byUser = new Map<string, Appointment[]>()

  /** The user's appointments, soonest first. */
  list(sub: string): Appointment[] {
    return [...(this.#byUser.get(sub) ?? [])].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt))
  }

  add(sub: string, input: NewAppointment, now = new Date()): Appointment {
    const appointment: Appointment = { id: randomUUID(), title: input.title, startsAt: input.startsAt, createdAt: now.toISOString() }
    const list = this.#byUser.get(sub)
    if (list) list.push(appointment)
    else this.#byUser.set(sub, [appointment])
    return appointment
  }
}
