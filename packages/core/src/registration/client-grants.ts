/**
 * Registering a client grant (Auth0's `client-grant`): a machine-to-machine application may get
 * access tokens for one API with the client_credentials grant, limited to some of the API's scopes.
 * The CLI and the Management API validate here and get a complete record back; they look up the
 * application and the API first and pass what they found (null when nothing).
 */
import { randomInt } from 'node:crypto'
import { z } from 'zod'
import type { ApiRecord, ApplicationRecord, ClientGrantRecord } from '../records.js'
import { parseInput, RegistrationError } from './applications.js'

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

export const clientGrantInput = z.object({
  clientId: z.string().trim().min(1, 'client_id is required').max(256),
  audience: z.string().trim().min(1, 'audience is required').max(600),
  scope: z.array(z.string().max(280)).max(1000),
})
export type ClientGrantInput = z.input<typeof clientGrantInput>

export const clientGrantUpdate = z.object({ scope: z.array(z.string().max(280)).max(1000) })
export type ClientGrantUpdate = z.input<typeof clientGrantUpdate>

/** `cgr_` and 16 random letters and digits, the shape of Auth0's client grant ids. */
export function newClientGrantId(): string {
  let id = 'cgr_'
  for (let i = 0; i < 16; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)]
  return id
}

/** The scopes, trimmed and without repeats, each one the API defines. */
function checkScope(scope: readonly string[], api: ApiRecord): string[] {
  const defined = new Set(api.scopes.map((s) => s.value))
  const unique = [...new Set(scope.map((s) => s.trim()).filter((s) => s !== ''))]
  const unknown = unique.filter((s) => !defined.has(s))
  if (unknown.length > 0) {
    const known = defined.size > 0 ? `its scopes are ${[...defined].join(', ')}` : 'it defines no scopes'
    throw new RegistrationError(`scope: ${unknown.map((s) => JSON.stringify(s)).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not defined by the API ${api.identifier} (${known})`)
  }
  return unique
}

export interface ClientGrantTargets {
  /** The application named by `clientId`, or null when there is none. */
  readonly application: ApplicationRecord | null
  /** The API named by `audience`, or null when there is none. */
  readonly api: ApiRecord | null
}

export function createClientGrant(input: ClientGrantInput, targets: ClientGrantTargets, now: number): ClientGrantRecord {
  const data = parseInput(clientGrantInput, input)
  const { application, api } = targets
  if (!application || application.clientId !== data.clientId) throw new RegistrationError(`client_id: no application with client_id ${JSON.stringify(data.clientId)}`)
  if (!api || api.identifier !== data.audience) throw new RegistrationError(`audience: no API with identifier ${JSON.stringify(data.audience)}`)
  if (application.appType !== 'non_interactive')
    throw new RegistrationError(`client_id: client grants are for machine-to-machine applications; ${JSON.stringify(application.name)} is a ${application.appType} application`)
  return {
    id: newClientGrantId(),
    clientId: application.clientId,
    audience: api.identifier,
    scope: checkScope(data.scope, api),
    createdAt: now,
    updatedAt: now,
  }
}

/** A new scope for an existing grant (the whole list is replaced), checked against the API. */
export function updateClientGrant(current: ClientGrantRecord, input: ClientGrantUpdate, api: ApiRecord | null, now: number): ClientGrantRecord {
  const data = parseInput(clientGrantUpdate, input)
  if (!api || api.identifier !== current.audience) throw new RegistrationError(`audience: no API with identifier ${JSON.stringify(current.audience)}`)
  return { ...current, scope: checkScope(data.scope, api), updatedAt: now }
}
