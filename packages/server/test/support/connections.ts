/**
 * Upstream connections for tests, stored as the Management API stores them: created by the core
 * function, the upstream client secret sealed with the server's key-encryption key.
 */
import { type ConnectionInput, type ConnectionRecord, createConnection } from '@latchkey/core'
import type { TestServer } from './harness.js'

/** Creates `input` on `server`; returns the record as stored (its client secret sealed). */
export async function addConnection(server: TestServer, input: ConnectionInput): Promise<ConnectionRecord> {
  const { record, clientSecret } = createConnection(input, Date.now())
  const sealed = { ...record, sealedClientSecret: clientSecret ? await server.running.deps.keys.encryption.encrypt(clientSecret) : null }
  await server.store.connections.insert(sealed)
  return sealed
}

/** The options of an `oidc` connection to `issuer` as `client`, with any `extra` options. */
export function oidcOptions(issuer: string, client: { clientId: string; clientSecret: string }, extra: NonNullable<ConnectionInput['options']> = {}): NonNullable<ConnectionInput['options']> {
  return { issuer, client_id: client.clientId, client_secret: client.clientSecret, ...extra }
}
