import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { requireAnyScope, requireClaim, requirePermissions, requireScopes } from '../src/index.js'
import { auth, sendError } from '../src/adapters/node.js'
import { adapterContract } from './support/adapter-contract.js'

adapterContract('node:http', async (verifier) => {
  const authenticate = auth(verifier)
  const routes: Record<string, (req: Parameters<typeof authenticate>[0]) => Promise<{ sub: string }>> = {
    'GET /api/me': (req) => authenticate(req),
    'GET /api/read': (req) => authenticate(req, requireScopes('read:appointments')),
    'POST /api/write': (req) => authenticate(req, requireScopes('write:appointments')),
    'GET /api/any': (req) => authenticate(req, requireAnyScope('admin', 'read:appointments')),
    'GET /api/org': (req) => authenticate(req, requireClaim('org_id', 'org_42')),
    'GET /api/permitted': (req) => authenticate(req, requirePermissions('read:appointments')),
    'POST /api/permitted': (req) => authenticate(req, requirePermissions('read:appointments', 'write:appointments')),
  }
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const route = routes[`${req.method} ${path}`]
    try {
      const body = route ? { sub: (await route(req)).sub } : { ok: true }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    } catch (err) {
      sendError(res, err)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
})
