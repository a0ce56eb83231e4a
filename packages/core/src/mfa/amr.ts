/**
 * The `amr` claim (OIDC Core §2; values from RFC 8176's registry) and the `acr` claim of a login.
 *
 * | how the user got in                         | amr                                   |
 * | ------------------------------------------- | ------------------------------------- |
 * | password (login or sign-up)                 | `pwd`                                 |
 * | upstream connection                         | `fed`                                 |
 * | upstream connection trusted for MFA         | `fed` + the upstream's own amr values |
 * | passkey bound to one authenticator          | `hwk`                                 |
 * | synced passkey (WebAuthn `multiDevice`)     | `swk`                                 |
 * | passkey with user verification (PIN, bio)   | … + `user` + `mfa`                    |
 * | then a TOTP code                            | … + `otp` + `mfa`                     |
 * | then a security key                         | … + `hwk` (or `swk` if synced) + `mfa`|
 * | then a recovery code                        | … + `otp` + `mfa`                     |
 *
 * `fed` is not in RFC 8176's registry; it is what Microsoft Entra ID says for a federated login, and
 * the clearest word for "another provider authenticated this user". A recovery code is a single-use
 * code the user holds, so `otp` (RFC 8176 has no value for backup codes); the audit log tells it
 * apart (`gd_recovery_succeed`). A login counts as multi-factor exactly when its amr holds `mfa`.
 *
 * `acr` is set only when the app sent `acr_values` (OIDC Core §3.1.2.1: the class satisfied is
 * returned): Auth0's multi-factor URI when the login was multi-factor, nothing otherwise.
 */
import { ACR_MULTI_FACTOR } from './policy.js'

/** The RFC 8176 values Latchkey itself asserts, and `fed`. An upstream may add others. */
export type AmrValue = 'pwd' | 'otp' | 'hwk' | 'swk' | 'user' | 'mfa' | 'fed'

export type FirstFactorKind = 'password' | 'signup' | 'connection' | 'passkey'
export type SecondFactorKind = 'otp' | 'hwk' | 'swk' | 'recovery'

export interface FirstFactorFacts {
  /** connection: the upstream ID token's `amr`, if any. */
  readonly upstreamAmr?: readonly unknown[] | null
  /** connection: the connection trusts the upstream's MFA; without it the upstream's values are dropped. */
  readonly trustUpstreamMfa?: boolean
  /** passkey: the assertion had the UV flag (PIN or biometric on the authenticator). */
  readonly userVerified?: boolean
  /** passkey: the credential's WebAuthn device type; `multiDevice` (synced) gives `swk`, else `hwk`. */
  readonly deviceType?: 'singleDevice' | 'multiDevice'
}

/** An amr value as RFC 8176 spells them: short, case-sensitive, no spaces. Upstream junk is dropped. */
const AMR_VALUE = /^[A-Za-z0-9_.-]{1,32}$/
const MAX_UPSTREAM_AMR = 16

/** The amr of the first factor of a login. */
export function firstFactorAmr(kind: FirstFactorKind, facts: FirstFactorFacts = {}): string[] {
  switch (kind) {
    case 'password':
    case 'signup':
      return ['pwd']
    case 'connection': {
      if (!facts.trustUpstreamMfa || !Array.isArray(facts.upstreamAmr)) return ['fed']
      const upstream = facts.upstreamAmr.filter((v): v is string => typeof v === 'string' && AMR_VALUE.test(v))
      return union(['fed'], upstream.slice(0, MAX_UPSTREAM_AMR))
    }
    case 'passkey': {
      const key = facts.deviceType === 'multiDevice' ? 'swk' : 'hwk'
      return facts.userVerified === true ? [key, 'user', 'mfa'] : [key]
    }
  }
}

/** The amr after a second factor: the first factor's values, the second's, and `mfa`. */
export function withSecondFactor(amr: readonly string[], factor: SecondFactorKind): string[] {
  return union(amr, [factor === 'recovery' ? 'otp' : factor, 'mfa'])
}

export function isMultiFactor(amr: readonly string[] | null | undefined): boolean {
  return Array.isArray(amr) && amr.includes('mfa')
}

/**
 * The `acr` claim: ACR_MULTI_FACTOR when the app sent acr_values and the login was multi-factor;
 * null (no claim) otherwise.
 */
export function acrFor(amr: readonly string[] | null | undefined, requestedAcr: string | null | undefined): string | null {
  if (typeof requestedAcr !== 'string' || requestedAcr.trim() === '') return null
  return isMultiFactor(amr) ? ACR_MULTI_FACTOR : null
}

/** Values in first-seen order, each once. */
function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])]
}
