// An ESM TypeScript app against the installed declarations. Each @ts-expect-error line must be an
// error: if a declaration went missing or became `any`, the directive itself fails the check.
import { createClient, type LatchkeyClient, LoginRequiredError, memoryStorage, type User } from '@latchkey/client'
import { fileStorage, loginWithLoopback } from '@latchkey/client/node'
import { type AccessTokenClaims, BearerError, createVerifier, requireScopes } from '@latchkey/resource-server'
import { auth as fastifyAuth, requireScopes as fastifyScopes } from '@latchkey/resource-server/fastify'
import { type AuthEnv, auth as honoAuth } from '@latchkey/resource-server/hono'
import { auth as nodeAuth, sendError } from '@latchkey/resource-server/node'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { createServer } from 'node:http'

const issuer = 'https://login.example.com/'
const audience = 'https://api.example.com/appointments'

const client: LatchkeyClient = createClient({ issuer, clientId: 'spa', redirectUri: 'https://app.example.com/callback', storage: memoryStorage() })
const user: User | null = await client.getUser()
const token: string = await client.getAccessToken({ audience })
const details = await client.getAccessToken({ detailedResponse: true })
const expiresAt: number | null = details.expiresAt
// @ts-expect-error: redirectUri is required
createClient({ issuer, clientId: 'spa' })
// @ts-expect-error: handleCallback takes the callback URL
await client.handleCallback(42)
const isLoginRequired: boolean = new LoginRequiredError('login_required', 'nobody is logged in') instanceof Error

const cli = await loginWithLoopback({ issuer, clientId: 'cli', storage: fileStorage('/tmp/tokens.json') })
const cliUser: User = cli.user

const verifier = createVerifier({ issuer, audience })
const claims: AccessTokenClaims = await verifier.verifyAccessToken(token)
const sub: string = claims.sub
// @ts-expect-error: the audience is required
createVerifier({ issuer })
const status: number = new BearerError(401, 'invalid_token', 'The access token expired').status

const fastify = Fastify()
fastify.get('/api', { preHandler: [fastifyAuth({ issuer, audience }), fastifyScopes('read:appointments')] }, async (request) => ({ sub: request.auth?.sub }))

const hono = new Hono<AuthEnv>()
hono.get('/api', honoAuth(verifier), (c) => c.json({ sub: c.get('auth').sub }))

const authenticate = nodeAuth(verifier)
createServer(async (req, res) => {
  try {
    const who = await authenticate(req, requireScopes('read:appointments'))
    res.end(who.sub)
  } catch (err) {
    sendError(res, err)
  }
})

export { cliUser, details, expiresAt, isLoginRequired, status, sub, user }
