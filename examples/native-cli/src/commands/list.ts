/** `list`: GET {API}/api/appointments with the access token, refreshed through rotation when it has expired. */
import { listAppointments } from '../api.js'
import { appointmentLine } from '../format.js'
import { openClient, type Command } from '../session.js'

export async function list(command: Command): Promise<void> {
  const client = await openClient(command)
  const appointments = await listAppointments(client, command.config)
  const print = (line: string) => command.runtime.stdout(`${line}\n`)
  if (appointments.length === 0) {
    print('No appointments yet. Book one with: npm run example:cli -- book 2026-12-01T09:30:00Z Dentist')
    return
  }
  for (const appointment of appointments) print(appointmentLine(appointment))
}
