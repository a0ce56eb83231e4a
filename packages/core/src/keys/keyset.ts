/**
 * Signing keys whose state follows from time alone, so every node agrees without coordination:
 * a key is published in the JWKS from its creation, signs from `activatesAt` until the next key
 * activates, and stays published until every token it signed has expired. Rotation therefore
 * publishes the next key before it signs (RFC 7517 consumers refetch on an unknown `kid`).
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'
import type { SigningKeyRecord } from '../records.js'

export type KeyState = 'next' | 'current' | 'previous' | 'retired'

export interface KeyStatus {
  readonly key: SigningKeyRecord
  readonly state: KeyState
  /** When it stops being published (null while it signs or waits to). */
  readonly unpublishAt: number | null
}

export async function generateSigningKey(now: number, activatesAt = now): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true })
  const publicJwk = await exportJWK(publicKey)
  const privateJwk = await exportJWK(privateKey)
  const kid = await calculateJwkThumbprint(publicJwk)
  return {
    kid,
    alg: 'RS256',
    publicJwk: JSON.stringify({ ...publicJwk, kid, alg: 'RS256', use: 'sig' }),
    privateJwk: JSON.stringify({ ...privateJwk, kid, alg: 'RS256' }),
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
  const active = ordered.filter((k) => k.activatesAt <= now)
  const current = active.at(-1)
  return ordered.map((key, index) => {
    if (key.activatesAt > now) return { key, state: 'next', unpublishAt: null }
    if (key === current) return { key, state: 'current', unpublishAt: null }
    const successor = ordered[index + 1]
    const unpublishAt = (successor?.activatesAt ?? now) + maxTokenLifetimeMs
    return { key, state: unpublishAt > now ? 'previous' : 'retired', unpublishAt }
  })
}

/** The key that signs at `now`, or undefined when none has activated yet. */
export function currentKey(keys: readonly SigningKeyRecord[], now: number): SigningKeyRecord | undefined {
  return keyStatuses(keys, now, 0).find((s) => s.state === 'current')?.key
}

/** The JWKS document: public keys of every key that is next, current or still published. */
export function publicJwks(
  keys: readonly SigningKeyRecord[],
  now: number,
  maxTokenLifetimeMs: number,
): { keys: JWK[] } {
  return {
    keys: keyStatuses(keys, now, maxTokenLifetimeMs)
      .filter((s) => s.state !== 'retired')
      .sort((a, b) => order(a.state) - order(b.state))
      .map((s) => JSON.parse(s.key.publicJwk) as JWK),
  }
}

const order = (state: KeyState): number => ({ current: 0, next: 1, previous: 2, retired: 3 })[state]
