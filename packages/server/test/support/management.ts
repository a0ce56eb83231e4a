/**
 * Calling the Management API in tests as a machine-to-machine app would: an app granted `scope` on
 * `{issuer}api/v2/`, its client_credentials token, a JSON request, and the last change it audited.
 */
import assert from 'node:assert/strict'
import { type ApplicationRecord, createClientGrant } from '@latchkey/core'
import { addApp, type TestServer } from './harness.js'
import { tokenRequest } from './oauth.js'

export interface Answer {
  readonly status: number
  readonly json: any
  readonly text: string
}

/** A new m2m app granted `scope` on the Management API, with its client_credentials token. */
export async function m2m(server: TestServer, scope: readonly string[]): Promise<{ app: ApplicationRecord; secret: string; token: string }> {
  const audience = `${server.issuer}api/v2/`
  const { app, secret } = await addApp(server.store, { name: 'Automation', type: 'm2m', grants: ['client_credentials'] })
  const api = await server.store.apis.findByIdentifier(audience)
  await server.store.clientGrants.insert(createClientGrant({ clientId: app.clientId, audience, scope: [...scope] }, { application: app, api }, Date.now()))
  const r = await tokenRequest(server, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: secret as string, audience })
  assert.equal(r.status, 200, JSON.stringify(r.json))
  return { app, secret: secret as string, token: r.json.access_token as string }
}

/** `method /api/v2/{path}` with `bearer`, a JSON body (a string is sent as it is). */
export async function managementCall(server: TestServer, bearer: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${server.url}api/v2/${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text), text }
}

/** The newest Management change in the audit log (`sapi`). */
export async function lastChange(server: TestServer) {
  const [event] = await server.store.logs.list({ type: 'sapi', perPage: 1 })
  assert.ok(event, 'a sapi event was recorded')
  return event
}
