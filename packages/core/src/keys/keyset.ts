/**
 * Signing keys whose state follows from time alone, so every node agrees without coordination:
 * a key is published in the JWKS from its creation, signs from `activatesAt` until the next key
 * of its algorithm activates, and stays published until every token it signed has expired.
 * Rotation therefore publishes the next key before it signs (RFC 7517 consumers refetch on an
 * unknown `kid`). Each algorithm (RS256, ES256, EdDSA) has its own keys and its own current key.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'
import type { SigningKeyAlg, SigningKeyRecord } from '../records.js'

/** What Latchkey signs with: RS256 by default (Auth0, its SPA SDK), ES256 and EdDSA (Ed25519) per API or app. */
export const SIGNING_ALGS: readonly SigningKeyAlg[] = ['RS256', 'ES256', 'EdDSA']

export type KeyState = 'next' | 'current' | 'previous' | 'retired'

export interface KeyStatus {
  readonly key: SigningKeyRecord
  readonly state: KeyState
  /** When it stops being published (null while it signs or waits to). */
  readonly unpublishAt: number | null
}

export async function generateSigningKey(now: number, activatesAt = now, alg: SigningKeyAlg = 'RS256'): Promise<SigningKeyRecord> {
  const options = alg === 'RS256' ? { modulusLength: 2048, extractable: true } : alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true }
  const { publicKey, privateKey } = await generateKeyPair(alg, options)
  const publicJwk = await exportJWK(publicKey)
  const privateJwk = await exportJWK(privateKey)
  const kid = await calculateJwkThumbprint(publicJwk)
  return {
    kid,
    alg,
    publicJwk: JSON.stringify({ ...publicJwk, kid, alg, use: 'sig' }),
    privateJwk: JSON.stringify({ ...privateJwk, kid, alg }),
    createdAt: now,
    activatesAt,
  }
}

/**
 * The state of every key at `now`. `maxTokenLifetimeMs` is the longest lifetime of anything signed
 * (access and ID tokens): how long a superseded key must stay published.
 */
export function keyStatuses(
  keys: readonly SigningKeyRecord[],
  now: number,
  maxTokenLifetimeMs: number,
): KeyStatus[] {
  const ordered = [...keys].sort((a, b) => a.activatesAt - b.activatesAt || a.createdAt - b.createdAt)
  const statuses = new Map<SigningKeyRecord, KeyStatus>()
  for (const alg of new Set(ordered.map((k) => k.alg))) {
    const own = ordered.filter((k) => k.alg === alg)
    const current = own.filter((k) => k.activatesAt <= now).at(-1)
    own.forEach((key, index) => {
      if (key.activatesAt > now) statuses.set(key, { key, state: 'next', unpublishAt: null })
      else if (key === current) statuses.set(key, { key, state: 'current', unpublishAt: null })
      else {
        const successor = own[index + 1]
        const unpublishAt = (successor?.activatesAt ?? now) + maxTokenLifetimeMs
        statuses.set(key, { key, state: unpublishAt > now ? 'previous' : 'retired', unpublishAt })
      }
    })
  }
  return ordered.map((key) => statuses.get(key) as KeyStatus)
}

/** The key of `alg` that signs at `now`, or undefined when none has activated yet. */
export function currentKey(keys: readonly SigningKeyRecord[], now: number, alg: SigningKeyAlg = 'RS256'): SigningKeyRecord | undefined {
  return keyStatuses(
    keys.filter((k) => k.alg === alg),
    now,
    0,
  ).find((s) => s.state === 'current')?.key
}

/** The JWKS document: public keys of every key that is next, current or still published; RS256 first. */
export function publicJwks(
  keys: readonly SigningKeyRecord[],
  now: number,
  maxTokenLifetimeMs: number,
): { keys: JWK[] } {
  return {
    keys: keyStatuses(keys, now, maxTokenLifetimeMs)
      .filter((s) => s.state !== 'retired')
      .sort((a, b) => SIGNING_ALGS.indexOf(a.key.alg) - SIGNING_ALGS.indexOf(b.key.alg) || order(a.state) - order(b.state))
      .map((s) => JSON.parse(s.key.publicJwk) as JWK),
  }
}

const order = (state: KeyState): number => ({ current: 0, next: 1, previous: 2, retired: 3 })[state]
