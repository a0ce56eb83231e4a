import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import type { AddressInfo } from 'node:net'
import { auth, requireAnyScope, requireClaim, requirePermissions, requireScopes, type AuthEnv } from '../src/adapters/hono.js'
import { adapterContract } from './support/adapter-contract.js'

adapterContract('Hono', async (verifier) => {
  const app = new Hono<AuthEnv>()
  const checkJwt = auth(verifier)
  app.get('/public', (c) => c.json({ ok: true }))
  app.get('/api/me', checkJwt, (c) => c.json({ sub: c.get('auth').sub }))
  app.get('/api/read', checkJwt, requireScopes('read:appointments'), (c) => c.json({ sub: c.get('auth').sub }))
  app.post('/api/write', checkJwt, requireScopes('write:appointments'), (c) => c.json({ sub: c.get('auth').sub }))
  app.get('/api/any', checkJwt, requireAnyScope('admin', 'read:appointments'), (c) => c.json({ sub: c.get('auth').sub }))
  app.get('/api/org', checkJwt, requireClaim('org_id', 'org_42'), (c) => c.json({ sub: c.get('auth').sub }))
  app.get('/api/permitted', checkJwt, requirePermissions('read:appointments'), (c) => c.json({ sub: c.get('auth').sub }))
  app.post('/api/permitted', checkJwt, requirePermissions('read:appointments', 'write:appointments'), (c) => c.json({ sub: c.get('auth').sub }))
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
})
