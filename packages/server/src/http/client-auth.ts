/**
 * Client authentication at the token and revocation endpoints (RFC 6749 §2.3): `client_secret_basic`,
 * `client_secret_post`, or `none` for public clients identified by `client_id`. One method per request;
 * secrets are compared through their SHA-256 in constant time.
 */
import { InvalidClient, InvalidRequest, matchesHash, single, type ApplicationRecord, type RawParams } from '@latchkey/core'
import type { Store } from '@latchkey/storage'

export interface AuthenticatedClient {
  readonly client: ApplicationRecord
  readonly method: 'client_secret_basic' | 'client_secret_post' | 'none'
}

/** Thrown for a failed Basic authentication, so the answer carries `WWW-Authenticate` (§5.2). */
export class InvalidBasicClient extends InvalidClient {}

export function parseBasic(header: string): { id: string; secret: string } | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim())
  if (!match?.[1]) return null
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return null
  try {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '))
    return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) }
  } catch {
    return null
  }
}

export async function authenticateClient(store: Store, params: RawParams, authorization: string | undefined): Promise<AuthenticatedClient> {
  const bodyId = single(params, 'client_id')
  const bodySecret = single(params, 'client_secret')
  if (authorization && /^basic /i.test(authorization.trim())) {
    const basic = parseBasic(authorization)
    if (!basic) throw new InvalidBasicClient('Malformed Basic authorization header.')
    if (bodySecret !== undefined) throw new InvalidRequest('Use only one client authentication method.')
    if (bodyId !== undefined && bodyId !== basic.id) throw new InvalidRequest('client_id does not match the authenticated client.')
    const client = await store.applications.get(basic.id)
    if (!client || client.clientSecretHash === null || !matchesHash(basic.secret, client.clientSecretHash))
      throw new InvalidBasicClient('Client authentication failed.')
    return { client, method: 'client_secret_basic' }
  }
  if (bodyId === undefined) throw new InvalidRequest('Missing required parameter: client_id')
  const client = bodyId.length <= 256 ? await store.applications.get(bodyId) : null
  if (!client) throw new InvalidClient('Unknown client or client authentication failed.')
  if (client.tokenEndpointAuthMethod === 'none') {
    if (bodySecret !== undefined) throw new InvalidClient('This application is public: send no client_secret.')
    return { client, method: 'none' }
  }
  if (bodySecret === undefined) throw new InvalidClient('Client authentication is required (client_secret_basic or client_secret_post).')
  if (client.clientSecretHash === null || !matchesHash(bodySecret, client.clientSecretHash))
    throw new InvalidClient('Unknown client or client authentication failed.')
  return { client, method: 'client_secret_post' }
}
