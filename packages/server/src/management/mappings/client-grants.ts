/**
 * Auth0's client grants ↔ Latchkey's ClientGrantRecord: which API a machine-to-machine application
 * may get client_credentials tokens for, with which scopes. Shapes here; the rules (an m2m
 * application, an existing API, scopes the API defines) in @latchkey/core's registration.
 */
import type { ClientGrantRecord } from '@latchkey/core'
import { z } from 'zod'

export const createClientGrantBody = z
  .strictObject({
    client_id: z.string().describe('The machine-to-machine application.'),
    audience: z.string().describe('The API identifier.'),
    scope: z.array(z.string()).max(1000).describe('The scopes of the API the application may request.'),
  })
  .describe('A new client grant.')

export const updateClientGrantBody = z
  .strictObject({ scope: z.array(z.string()).max(1000).describe('The scopes, replacing the stored list.') })
  .describe('The scopes of the grant.')

export const clientGrantSchema = z
  .object({ id: z.string(), client_id: z.string(), audience: z.string(), scope: z.array(z.string()) })
  .describe('A client grant.')

export const CLIENT_GRANT_FIELD_NAMES: Readonly<Record<string, string>> = { clientId: 'client_id', audience: 'audience', scope: 'scope' }

export function presentClientGrant(grant: ClientGrantRecord): z.output<typeof clientGrantSchema> {
  return { id: grant.id, client_id: grant.clientId, audience: grant.audience, scope: [...grant.scope] }
}
