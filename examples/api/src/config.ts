/** The API's settings, from the environment (every one has a default that matches `npm start`'s demo). */
import { z } from 'zod'

const origins = z
  .string()
  .transform((value) => value.split(',').map((o) => o.trim()).filter((o) => o !== ''))
  .pipe(z.array(z.url()))

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  HOST: z.string().min(1).optional(),
  LATCHKEY_ISSUER: z.url().default('http://localhost:3000/'),
  API_AUDIENCE: z.string().min(1).default('https://api.example.com/appointments'),
  // the SPA sample (:8080) and Latchkey's demo playground (:3000/playground)
  CORS_ORIGINS: origins.default(['http://localhost:8080', 'http://localhost:3000']),
})

export interface Config {
  readonly port: number
  readonly host: string | undefined
  /** Latchkey's issuer, with its trailing slash. */
  readonly issuer: string
  /** This API's identifier, as registered in Latchkey (the `audience` apps ask for). */
  readonly audience: string
  /** Browser origins allowed to call the API (CORS). */
  readonly corsOrigins: readonly string[]
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env)
  if (!parsed.success) throw new Error(`invalid configuration: ${z.prettifyError(parsed.error)}`)
  const c = parsed.data
  return { port: c.PORT, host: c.HOST, issuer: c.LATCHKEY_ISSUER, audience: c.API_AUDIENCE, corsOrigins: c.CORS_ORIGINS }
}
