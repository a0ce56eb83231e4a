import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import Fastify from 'fastify'
import { createVerifier } from '../src/index.js'
import { auth, latchkeyAuth, requireAnyScope, requireClaim, requirePermissions, requireScopes } from '../src/adapters/fastify.js'
import { adapterContract } from './support/adapter-contract.js'
import { AUDIENCE, Latchkey } from './support/latchkey.js'

adapterContract('Fastify (preHandler hooks)', async (verifier) => {
  const app = Fastify()
  // parse forms, to show that a token in the body is ignored even when the body is read
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  const checkJwt = auth(verifier)
  app.get('/public', async () => ({ ok: true }))
  app.get('/api/me', { preHandler: checkJwt }, async (request) => ({ sub: request.auth?.sub }))
  app.get('/api/read', { preHandler: [checkJwt, requireScopes('read:appointments')] }, async (request) => ({ sub: request.auth?.sub }))
  app.post('/api/write', { preHandler: [checkJwt, requireScopes('write:appointments')] }, async (request) => ({ sub: request.auth?.sub }))
  app.get('/api/any', { preHandler: [checkJwt, requireAnyScope('admin', 'read:appointments')] }, async (request) => ({ sub: request.auth?.sub }))
  app.get('/api/org', { preHandler: [checkJwt, requireClaim('org_id', 'org_42')] }, async (request) => ({ sub: request.auth?.sub }))
  app.get('/api/permitted', { preHandler: [checkJwt, requirePermissions('read:appointments')] }, async (request) => ({ sub: request.auth?.sub }))
  app.post('/api/permitted', { preHandler: [checkJwt, requirePermissions('read:appointments', 'write:appointments')] }, async (request) => ({ sub: request.auth?.sub }))
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url: `${url}/`, close: () => app.close() }
})

adapterContract('Fastify (plugin)', async (verifier) => {
  const app = Fastify()
  app.get('/public', async () => ({ ok: true }))
  await app.register(async (api) => {
    await api.register(latchkeyAuth, { verifier })
    api.get('/api/me', async (request) => ({ sub: request.auth?.sub }))
    api.get('/api/read', { preHandler: requireScopes('read:appointments') }, async (request) => ({ sub: request.auth?.sub }))
    api.post('/api/write', { preHandler: requireScopes('write:appointments') }, async (request) => ({ sub: request.auth?.sub }))
    api.get('/api/any', { preHandler: requireAnyScope('admin', 'read:appointments') }, async (request) => ({ sub: request.auth?.sub }))
    api.get('/api/org', { preHandler: requireClaim('org_id', 'org_42') }, async (request) => ({ sub: request.auth?.sub }))
    api.get('/api/permitted', { preHandler: requirePermissions('read:appointments') }, async (request) => ({ sub: request.auth?.sub }))
    api.post('/api/permitted', { preHandler: requirePermissions('read:appointments', 'write:appointments') }, async (request) => ({ sub: request.auth?.sub }))
  })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url: `${url}/`, close: () => app.close() }
})

describe('Fastify plugin options', () => {
  let latchkey: Latchkey
  before(async () => {
    latchkey = await Latchkey.start()
  })
  after(() => latchkey.close())

  it('takes verifier options directly', async () => {
    const app = Fastify()
    await app.register(latchkeyAuth, { issuer: latchkey.issuer, audience: AUDIENCE })
    app.get('/api/me', async (request) => ({ sub: request.auth?.sub }))
    const token = await latchkey.accessToken('read:appointments')
    const ok = await app.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } })
    assert.equal(ok.statusCode, 200)
    assert.equal(ok.json().sub, latchkey.user.id)
    const missing = await app.inject({ url: '/api/me' })
    assert.equal(missing.statusCode, 401)
    assert.equal(missing.headers['www-authenticate'], `Bearer realm="${AUDIENCE}"`)
    await app.close()
  })

  it('shares one verifier between hooks', () => {
    const verifier = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE })
    assert.equal(auth(verifier).verifier, verifier)
  })
})
