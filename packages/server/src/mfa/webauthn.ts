/**
 * WebAuthn ceremonies (issue 15), with @simplewebauthn/server: security keys and platform
 * authenticators as a second factor, passkeys (discoverable credentials) as a first factor.
 *
 * - The relying party is the issuer: RP ID = its hostname (a domain; browsers refuse IP addresses, so
 *   development uses `http://localhost:PORT/`), expected origin = its origin.
 * - The user handle is opaque and stable: a hash of the user id under a fixed label, never the email.
 * - The challenge is kept by the server without a table: 16 random bytes, an expiry and a MAC (a key
 *   derived from the key-encryption key) over them, the ceremony, the login transaction and the user.
 *   A response is accepted only for a challenge this server made for that ceremony of that
 *   transaction (and user), before it expires, and once: the replay guard records it as used.
 */
import { type AuthenticatorRecord, type AuthenticatorType, randomAlphanumeric, type UserRecord, type WebAuthnCredential } from '@latchkey/core'
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server'
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Deps } from '../deps.js'

/** What a challenge is for: it is good for nothing else. */
export type Ceremony = 'register-key' | 'register-passkey' | 'second-factor' | 'passkey-login'

/** How long the browser has to answer (the options' `timeout`, and the challenge's life). */
const CEREMONY_MS = 5 * 60_000
const NONCE = 16
const MAC = 32
const CHALLENGE_BYTES = NONCE + 8 + MAC

export class WebAuthnRefused extends Error {}

export function relyingParty(deps: Deps): { readonly id: string; readonly origin: string; readonly name: string } {
  const url = new URL(deps.config.issuer)
  return { id: url.hostname, origin: url.origin, name: url.host }
}

/** The WebAuthn user handle of a user: opaque, stable, not the email (32 bytes). */
export function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(`latchkey webauthn user handle v1\0${userId}`).digest())
}

function challengeKey(deps: Deps): Buffer {
  return Buffer.from(hkdfSync('sha256', deps.keys.encryption.current.key, 'latchkey', 'latchkey webauthn challenge v1', 32))
}

function challengeMac(deps: Deps, ceremony: Ceremony, interactionId: string, userId: string | null, head: Uint8Array): Buffer {
  return createHmac('sha256', challengeKey(deps)).update(`${ceremony}\0${interactionId}\0${userId ?? ''}\0`).update(head).digest()
}

function newChallenge(deps: Deps, ceremony: Ceremony, interactionId: string, userId: string | null): Uint8Array<ArrayBuffer> {
  const head = Buffer.alloc(NONCE + 8)
  randomBytes(NONCE).copy(head)
  head.writeBigUInt64BE(BigInt(deps.clock.now() + CEREMONY_MS), NONCE)
  return new Uint8Array(Buffer.concat([head, challengeMac(deps, ceremony, interactionId, userId, head)]))
}

/** The expiry of a challenge this server made for this ceremony, transaction and user; null for any other. */
function challengeExpiry(deps: Deps, challenge: string, ceremony: Ceremony, interactionId: string, userId: string | null): number | null {
  if (challenge.length > 128) return null
  const bytes = Buffer.from(challenge, 'base64url')
  if (bytes.length !== CHALLENGE_BYTES) return null
  const head = bytes.subarray(0, NONCE + 8)
  if (!timingSafeEqual(bytes.subarray(NONCE + 8), challengeMac(deps, ceremony, interactionId, userId, head))) return null
  const expiresAt = Number(head.readBigUInt64BE(NONCE))
  return expiresAt > deps.clock.now() ? expiresAt : null
}

/** A checker for the library that also spends the challenge: the second use of one is refused. */
function spendChallenge(deps: Deps, ceremony: Ceremony, interactionId: string, userId: string | null) {
  return async (challenge: string): Promise<boolean> => {
    const expiresAt = challengeExpiry(deps, challenge, ceremony, interactionId, userId)
    if (expiresAt === null) return false
    return deps.store.replayGuard.use(`webauthn:${createHash('sha256').update(challenge).digest('base64url')}`, deps.clock.now(), expiresAt)
  }
}

const WEBAUTHN_TYPES: readonly AuthenticatorType[] = ['webauthn-roaming', 'webauthn-platform', 'passkey']

/** The user's confirmed WebAuthn authenticators (security keys, platform authenticators, passkeys). */
export async function webAuthnFactors(deps: Deps, userId: string): Promise<AuthenticatorRecord[]> {
  return (await deps.store.authenticators.listForUser(userId)).filter((a) => a.confirmed && a.credential !== null && WEBAUTHN_TYPES.includes(a.type))
}

const descriptor = (credential: WebAuthnCredential) => ({ id: credential.credentialId, transports: credential.transports as AuthenticatorTransportFuture[] })

export interface RegistrationInput {
  readonly interactionId: string
  readonly user: UserRecord
  /** A passkey (a discoverable credential, user verification required), or a security key / this device as a second factor. */
  readonly passkey: boolean
}

export async function registrationOptions(deps: Deps, input: RegistrationInput): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const rp = relyingParty(deps)
  const existing = (await deps.store.authenticators.listForUser(input.user.id)).flatMap((a) => (a.credential ? [descriptor(a.credential)] : []))
  const name = input.user.email || input.user.id
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: userHandle(input.user.id),
    userName: name,
    userDisplayName: input.user.name ?? name,
    challenge: newChallenge(deps, input.passkey ? 'register-passkey' : 'register-key', input.interactionId, input.user.id),
    timeout: CEREMONY_MS,
    attestationType: 'none',
    excludeCredentials: existing,
    authenticatorSelection: input.passkey ? { residentKey: 'required', userVerification: 'required' } : { residentKey: 'discouraged', userVerification: 'preferred' },
  })
}

/** The response as the browser script posts it: JSON text of the library's response object. */
function parseResponse<T>(text: string | undefined): T {
  if (!text || text.length > 32 * 1024) throw new WebAuthnRefused('no response from the authenticator')
  try {
    const value: unknown = JSON.parse(text)
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object')
    return value as T
  } catch {
    throw new WebAuthnRefused('the authenticator response is not valid')
  }
}

/** Verifies a registration; returns the authenticator to store (confirmed later by the caller), or throws WebAuthnRefused. */
export async function verifyRegistration(deps: Deps, input: RegistrationInput, responseText: string | undefined): Promise<AuthenticatorRecord> {
  const response = parseResponse<RegistrationResponseJSON>(responseText)
  const rp = relyingParty(deps)
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: spendChallenge(deps, input.passkey ? 'register-passkey' : 'register-key', input.interactionId, input.user.id),
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: input.passkey,
    })
  } catch (err) {
    throw new WebAuthnRefused(`registration refused: ${(err as Error).message}`)
  }
  const info = verified.registrationInfo
  if (!verified.verified || !info) throw new WebAuthnRefused('registration refused')
  const type: AuthenticatorType = input.passkey ? 'passkey' : response.authenticatorAttachment === 'platform' ? 'webauthn-platform' : 'webauthn-roaming'
  return {
    id: `${type}|dev_${randomAlphanumeric(20)}`,
    userId: input.user.id,
    type,
    name: null,
    confirmed: false,
    sealedSecret: null,
    lastUsedStep: null,
    credential: {
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: (response.response.transports ?? []).filter((t) => typeof t === 'string').slice(0, 8),
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid && info.aaguid !== '00000000-0000-0000-0000-000000000000' ? info.aaguid : null,
    },
    createdAt: deps.clock.now(),
    lastUsedAt: null,
  }
}

export interface AssertionInput {
  readonly interactionId: string
  /** The user of a second factor; null for a passkey sign-in (discoverable credentials: no list). */
  readonly user: UserRecord | null
}

export async function authenticationOptions(deps: Deps, input: AssertionInput): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allow = input.user ? (await webAuthnFactors(deps, input.user.id)).map((a) => descriptor(a.credential as WebAuthnCredential)) : undefined
  if (allow && allow.length === 0) throw new WebAuthnRefused('no security key is registered for this account')
  return generateAuthenticationOptions({
    rpID: relyingParty(deps).id,
    allowCredentials: allow,
    challenge: newChallenge(deps, input.user ? 'second-factor' : 'passkey-login', input.interactionId, input.user?.id ?? null),
    timeout: CEREMONY_MS,
    userVerification: 'preferred',
  })
}

export interface VerifiedAssertion {
  readonly authenticator: AuthenticatorRecord
  readonly userVerified: boolean
  readonly deviceType: 'singleDevice' | 'multiDevice'
}

/**
 * Verifies an assertion: of one of `input.user`'s authenticators (second factor), or of any known
 * credential (passkey sign-in: the authenticator names its user). The new counter is recorded in
 * one conditional statement: a counter that did not grow (a cloned authenticator, a raced replay) is
 * refused. Throws WebAuthnRefused.
 */
export async function verifyAssertion(deps: Deps, input: AssertionInput, responseText: string | undefined): Promise<VerifiedAssertion> {
  const response = parseResponse<AuthenticationResponseJSON>(responseText)
  if (typeof response.id !== 'string' || response.id.length === 0 || response.id.length > 1024) throw new WebAuthnRefused('the authenticator response is not valid')
  const authenticator = await deps.store.authenticators.findByCredentialId(response.id)
  const credential = authenticator?.credential
  if (!authenticator || !credential || !authenticator.confirmed || !WEBAUTHN_TYPES.includes(authenticator.type)) throw new WebAuthnRefused('unknown credential')
  if (input.user && authenticator.userId !== input.user.id) throw new WebAuthnRefused('the credential is not this user’s')
  // A passkey names its user (the user handle): it must be the authenticator's.
  const handle = response.response?.userHandle
  if (!input.user && typeof handle === 'string' && handle !== Buffer.from(userHandle(authenticator.userId)).toString('base64url')) throw new WebAuthnRefused('the user handle does not match')
  const rp = relyingParty(deps)
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: spendChallenge(deps, input.user ? 'second-factor' : 'passkey-login', input.interactionId, input.user?.id ?? null),
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: credential.credentialId,
        publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')),
        counter: credential.counter,
        transports: credential.transports as AuthenticatorTransportFuture[],
      },
      requireUserVerification: false,
    })
  } catch (err) {
    throw new WebAuthnRefused(`assertion refused: ${(err as Error).message}`)
  }
  const info = verified.authenticationInfo
  if (!verified.verified) throw new WebAuthnRefused('assertion refused')
  if (!(await deps.store.authenticators.recordAssertion(authenticator.id, info.newCounter, info.credentialBackedUp, deps.clock.now())))
    throw new WebAuthnRefused('the signature counter did not grow')
  return { authenticator, userVerified: info.userVerified, deviceType: info.credentialDeviceType }
}
