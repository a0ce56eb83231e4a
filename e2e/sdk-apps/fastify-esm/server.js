// An API on Fastify in ESM, written as an app outside Latchkey's repository writes it.
// ISSUER and AUDIENCE come from the environment; the port it listens on is printed as JSON.
import { auth, requireScopes } from '@latchkey/resource-server/fastify'
import Fastify from 'fastify'

const app = Fastify()
const verify = auth({ issuer: process.env.ISSUER, audience: process.env.AUDIENCE })

app.get('/api/appointments', { preHandler: [verify, requireScopes('read:appointments')] }, async (request) => ({
  sub: request.auth.sub,
  scope: request.auth.scope,
  resolved: import.meta.resolve('@latchkey/resource-server/fastify'),
}))

await app.listen({ port: 0, host: '127.0.0.1' })
console.log(JSON.stringify({ port: app.server.address().port }))
