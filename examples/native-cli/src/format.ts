/** How users, times and appointments are written on the terminal. */
import type { User } from '@latchkey/client'

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined)

/** `Demo User <demo@example.com>`, or whatever the claims allow. */
export function userLine(user: User): string {
  const name = text(user.name)
  const email = text(user.email)
  if (name && email && name !== email) return `${name} <${email}>`
  return email ?? name ?? text(user.nickname) ?? user.sub
}

/** `in 45 s`, `in 59 min`, `in 23 h 59 min`, `in 3 d 2 h`, `2 min ago`. */
export function relative(ms: number): string {
  const abs = Math.abs(ms)
  const s = Math.round(abs / 1000)
  const parts =
    s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : s < 172_800 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`
  return ms >= 0 ? `in ${parts}` : `${parts} ago`
}

export interface Appointment {
  readonly id: string
  readonly title: string
  readonly startsAt: string
}

export function appointmentLine(a: Appointment): string {
  return `${a.startsAt}  ${a.title}  (${a.id})`
}
