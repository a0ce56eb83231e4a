/**
 * A user's second factors as Auth0's Management API lists them (`GET /users/{id}/authentication-methods`):
 * each confirmed authenticator (`totp`, `webauthn-roaming`, `webauthn-platform`, `passkey`) with its
 * id, name and times, the WebAuthn ones with their credential's public facts (`key_id`, `public_key`,
 * `relying_party_identifier`; passkeys also `credential_device_type`, `credential_backed_up`,
 * `transports`, `aaguid`), and one `recovery-code` method for the user's recovery codes while some
 * are unused. Never a TOTP secret or a code. Enrolments not yet confirmed are not listed (the
 * sweeper removes them after a day). The recovery-code method's id is derived from the user and when
 * the set was issued, so a new set has a new id. The CLI prints the same shape with `--json`.
 */
import { createHash } from 'node:crypto'
import type { AuthenticatorRecord, AuthenticatorType } from '@latchkey/core'
import type { RecoveryCodeSummary, Store } from '@latchkey/storage'
import { z } from 'zod'

export const RECOVERY_CODE = 'recovery-code'
const AUTHENTICATOR_TYPES = ['totp', 'webauthn-roaming', 'webauthn-platform', 'passkey'] as const satisfies readonly AuthenticatorType[]

export const authenticationMethodSchema = z
  .object({
    id: z.string().describe('`{type}|dev_…`; the recovery-code method is `recovery-code|dev_…`.'),
    type: z.enum([...AUTHENTICATOR_TYPES, RECOVERY_CODE]),
    confirmed: z.boolean().describe('Always true: enrolments not yet confirmed are not listed.'),
    name: z.string().optional().describe('What the user called it, when they did.'),
    created_at: z.string(),
    last_auth_at: z.string().optional().describe('The last time it passed a login (for recovery codes: the last code used).'),
    key_id: z.string().optional().describe('WebAuthn: the credential id (base64url).'),
    public_key: z.string().optional().describe('WebAuthn: the COSE public key (base64url).'),
    relying_party_identifier: z.string().optional().describe("WebAuthn: the RP ID (the issuer's host)."),
    credential_device_type: z.enum(['single_device', 'multi_device']).optional().describe('Passkeys: bound to one device, or synced.'),
    credential_backed_up: z.boolean().optional().describe('Passkeys: whether the credential is backed up.'),
    transports: z.array(z.string()).optional().describe('WebAuthn: how browsers reach the authenticator.'),
    aaguid: z.string().optional().describe("Passkeys: the authenticator model's AAGUID, when it told one."),
  })
  .describe("One of a user's authentication methods (no secrets).")

export type AuthenticationMethod = z.output<typeof authenticationMethodSchema>

const iso = (ms: number) => new Date(ms).toISOString()

/** `rpId`: the issuer's host; null where it is not known (the CLI), and then not shown. */
export function presentAuthenticator(record: AuthenticatorRecord, rpId: string | null): AuthenticationMethod {
  const credential = record.credential
  const passkey = record.type === 'passkey'
  return {
    id: record.id,
    type: record.type,
    confirmed: record.confirmed,
    ...(record.name === null ? {} : { name: record.name }),
    created_at: iso(record.createdAt),
    ...(record.lastUsedAt === null ? {} : { last_auth_at: iso(record.lastUsedAt) }),
    ...(credential === null
      ? {}
      : {
          key_id: credential.credentialId,
          public_key: credential.publicKey,
          ...(rpId === null ? {} : { relying_party_identifier: rpId }),
          transports: [...credential.transports],
          ...(passkey
            ? {
                credential_device_type: credential.deviceType === 'multiDevice' ? 'multi_device' : 'single_device',
                credential_backed_up: credential.backedUp,
                ...(credential.aaguid === null ? {} : { aaguid: credential.aaguid }),
              }
            : {}),
        }),
  }
}

/** The recovery-code method's id: stable for one set of codes, new for the next. */
export function recoveryCodeMethodId(userId: string, summary: RecoveryCodeSummary): string {
  const digest = createHash('sha256').update(`${userId}\n${summary.createdAt}`).digest('base64url').slice(0, 22)
  return `${RECOVERY_CODE}|dev_${digest}`
}

export function presentRecoveryCodes(userId: string, summary: RecoveryCodeSummary): AuthenticationMethod {
  return {
    id: recoveryCodeMethodId(userId, summary),
    type: RECOVERY_CODE,
    confirmed: true,
    created_at: iso(summary.createdAt),
    ...(summary.lastUsedAt === null ? {} : { last_auth_at: iso(summary.lastUsedAt) }),
  }
}

/** The user's methods, oldest authenticator first, the recovery codes last (while some are unused). */
export async function authenticationMethodsOf(store: Store, userId: string, rpId: string | null): Promise<AuthenticationMethod[]> {
  const [authenticators, codes] = await Promise.all([store.authenticators.listForUser(userId), store.recoveryCodes.summary(userId)])
  const methods = authenticators.filter((a) => a.confirmed).map((a) => presentAuthenticator(a, rpId))
  if (codes !== null && codes.unused > 0) methods.push(presentRecoveryCodes(userId, codes))
  return methods
}

/** Removes every factor of the user (authenticators, confirmed or not, and recovery codes) and voids remembered browsers, in one transaction. */
export async function resetFactors(store: Store, userId: string, now: number): Promise<{ authenticators: number; recoveryCodes: number }> {
  return store.transaction(async (tx) => {
    const authenticators = await tx.authenticators.deleteForUser(userId)
    const recoveryCodes = await tx.recoveryCodes.deleteForUser(userId)
    await tx.authenticators.revokeRememberedBrowsers(userId, now)
    return { authenticators, recoveryCodes }
  })
}
