/** `book <when> <what...>`: POST {API}/api/appointments with `{ title, startsAt }`; the API checks both. */
import { bookAppointment } from '../api.js'
import { CliError } from '../errors.js'
import { appointmentLine } from '../format.js'
import { openClient, type Command } from '../session.js'

export async function book(command: Command, when: string, what: readonly string[]): Promise<void> {
  const title = what.join(' ').trim()
  if (title === '') throw new CliError('Say what the appointment is, e.g.: book 2026-12-01T09:30:00Z Dentist')
  const client = await openClient(command)
  const appointment = await bookAppointment(client, command.config, { title, startsAt: when })
  command.runtime.stdout(`Booked: ${appointmentLine(appointment)}\n`)
}
