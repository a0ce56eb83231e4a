/** `npm run example:spa`: the Appointments single-page app on http://localhost:8080 (PORT). */
import { loadConfig, type Config } from './config.js'
import { startSpaServer } from './server.js'

let config: Config
try {
  config = loadConfig(process.env)
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err))
  process.exit(1)
}

try {
  const spa = await startSpaServer(config)
  console.log(`Appointments SPA on ${spa.url}/`)
  console.log(`  ${spa.url}/            with @latchkey/client`)
  console.log(`  ${spa.url}/auth0.html  with @auth0/auth0-spa-js`)
  console.log(`  issuer    ${config.issuer}  (client ${config.clientId})`)
  console.log(`  API       ${config.apiUrl}  (audience ${config.audience})`)
  const stop = () => spa.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
} catch (err) {
  console.error(`could not start: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
}
