/** `npm run example:api`: the Appointments API on PORT (4000), trusting LATCHKEY_ISSUER. */
import { serve } from '@hono/node-server'
import { createApi } from './app.js'
import { loadConfig, type Config } from './config.js'

let config: Config
let api: ReturnType<typeof createApi>
try {
  config = loadConfig(process.env)
  api = createApi(config)
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err))
  process.exit(1)
}
const { app, verifier } = api

const server = serve({ fetch: app.fetch, port: config.port, ...(config.host ? { hostname: config.host } : {}) }, (info) => {
  console.log(`Appointments API listening on http://localhost:${info.port}/api/`)
  console.log(`  issuer   ${config.issuer}`)
  console.log(`  audience ${config.audience}`)
  console.log(`  CORS     ${config.corsOrigins.join(', ')}`)
})

verifier.discover().then(
  (metadata) => console.log(`  keys     ${metadata.jwksUri.href} (${metadata.algorithms.join(', ')})`),
  (err: unknown) =>
    console.warn(`  warning: could not read Latchkey's metadata yet (${err instanceof Error ? err.message : String(err)}); it is retried on the next request`),
)

const stop = () => server.close(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
