/** `npm run example:spa`'s settings, from the environment (every default matches `npm start`'s demo). */
import { z } from 'zod'
import { DEFAULT_SETTINGS, type AppSettings } from './settings.js'

const httpUrl = z.url({ protocol: /^https?$/ })

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).optional(),
  LATCHKEY_ISSUER: httpUrl.default(DEFAULT_SETTINGS.issuer),
  CLIENT_ID: z.string().min(1).default(DEFAULT_SETTINGS.clientId),
  API_AUDIENCE: z.string().min(1).default(DEFAULT_SETTINGS.audience),
  API_URL: httpUrl.default(DEFAULT_SETTINGS.apiUrl),
})

export interface Config extends AppSettings {
  readonly port: number
  readonly host: string | undefined
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env)
  if (!parsed.success) throw new Error(`invalid configuration: ${z.prettifyError(parsed.error)}`)
  const c = parsed.data
  return {
    port: c.PORT,
    host: c.HOST,
    // Latchkey's issuer always ends with a slash, and the SDKs compare it exactly.
    issuer: c.LATCHKEY_ISSUER.endsWith('/') ? c.LATCHKEY_ISSUER : `${c.LATCHKEY_ISSUER}/`,
    clientId: c.CLIENT_ID,
    audience: c.API_AUDIENCE,
    scope: DEFAULT_SETTINGS.scope,
    apiUrl: c.API_URL.replace(/\/+$/, ''),
  }
}
