/**
 * Auth0's grants (a user's consent to an application, for one API) ↔ Latchkey's ConsentRecord.
 * A consent is named by its user, application and audience; the grant id is those three, encoded
 * (base64url JSON), so it needs no column of its own and always finds the same consent. Consents to
 * the OpenID scopes alone (no API) have the audience `{issuer}userinfo`, as their tokens do.
 */
import { type ConsentRecord, userinfoAudience } from '@latchkey/core'
import { z } from 'zod'

export const grantSchema = z
  .object({
    id: z.string(),
    clientID: z.string().describe("The application's client_id (Auth0 spells it clientID here)."),
    user_id: z.string(),
    audience: z.string(),
    scope: z.array(z.string()),
  })
  .describe("A user's consent to an application for an API.")

export interface GrantKey {
  readonly userId: string
  readonly clientId: string
  /** As stored: '' for the OpenID scopes alone. */
  readonly audience: string
}

export function grantId(key: GrantKey): string {
  return Buffer.from(JSON.stringify([key.userId, key.clientId, key.audience])).toString('base64url')
}

/** The consent a grant id names, or null when the id is not one of ours. */
export function parseGrantId(id: string): GrantKey | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'))
    if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'string')) return null
    const [userId, clientId, audience] = value as [string, string, string]
    return grantId({ userId, clientId, audience }) === id ? { userId, clientId, audience } : null
  } catch {
    return null
  }
}

/** The stored audience for an Auth0 `audience` filter: the userinfo audience means OpenID scopes alone. */
export function storedAudience(audience: string, issuer: string): string {
  return audience === userinfoAudience(issuer) ? '' : audience
}

export function presentGrant(consent: ConsentRecord, issuer: string): z.output<typeof grantSchema> {
  return {
    id: grantId(consent),
    clientID: consent.clientId,
    user_id: consent.userId,
    audience: consent.audience === '' ? userinfoAudience(issuer) : consent.audience,
    scope: [...consent.scopes],
  }
}
