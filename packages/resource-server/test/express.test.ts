import express, { type ErrorRequestHandler } from 'express'
import type { AddressInfo } from 'node:net'
import { auth, requireAnyScope, requireClaim, requirePermissions, requireScopes } from '../src/adapters/express.js'
import { adapterContract } from './support/adapter-contract.js'

adapterContract('Express', async (verifier) => {
  const app = express()
  const checkJwt = auth(verifier)
  app.get('/public', (_req, res) => {
    res.json({ ok: true })
  })
  app.get('/api/me', checkJwt, (req, res) => {
    res.json({ sub: req.auth?.sub })
  })
  app.get('/api/read', checkJwt, requireScopes('read:appointments'), (req, res) => {
    res.json({ sub: req.auth?.sub })
  })
  app.post('/api/write', checkJwt, requireScopes('write:appointments'), (req, res) => {
    res.json({ sub: req.auth?.sub })
  })
  app.get('/api/any', checkJwt, requireAnyScope('admin', 'read:appointments'), (req, res) => {
    res.json({ sub: req.auth?.sub })
  })
  app.get('/api/org', checkJwt, requireClaim('org_id', 'org_42'), (req, res) => {
    res.json({ sub: req.auth?.sub })
  })
  app.get('/api/permitted', checkJwt, requirePermissions('read:appointments'), (req, res) => {
    res.json({ sub: req.auth?.sub })
  })
  app.post('/api/permitted', checkJwt, requirePermissions('read:appointments', 'write:appointments'), (req, res) => {
    res.json({ sub: req.auth?.sub })
  })
  const onError: ErrorRequestHandler = (err: { status?: number }, _req, res, _next) => {
    res.status(err.status ?? 500).json({ error: 'server_error' })
  }
  app.use(onError)
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
})
