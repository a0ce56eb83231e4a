/** Reads the settings the server publishes at `/config.json` (issuer, client id, audience, scope, API URL). */
import type { AppSettings } from '../settings.js'

const FIELDS = ['issuer', 'clientId', 'audience', 'scope', 'apiUrl'] as const

export async function loadSettings(): Promise<AppSettings> {
  const res = await fetch('/config.json', { cache: 'no-store' })
  if (!res.ok) throw new Error(`could not read /config.json (HTTP ${res.status})`)
  const body: unknown = await res.json()
  if (typeof body !== 'object' || body === null) throw new Error('/config.json is not an object')
  const record = body as Record<string, unknown>
  for (const field of FIELDS) {
    if (typeof record[field] !== 'string' || record[field] === '') throw new Error(`/config.json has no ${field}`)
  }
  return record as unknown as AppSettings
}
