/**
 * Verifying Latchkey's own access tokens where the server itself is the resource (/userinfo):
 * the RFC 6750 header only (never the query string), `typ: at+jwt`, the exact issuer, the userinfo
 * audience, any algorithm Latchkey signs with (the key's own, by `kid`), against the keys this server publishes.
 */
import { InvalidRequest, InvalidToken, SIGNING_ALGS, userinfoAudience } from '@latchkey/core'
import { jwtVerify, type JWTPayload } from 'jose'
import type { Deps } from '../deps.js'

export function bearerToken(authorization: string | undefined): string {
  if (!authorization) throw new InvalidToken('Missing access token.')
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim())
  if (!match?.[1]) throw new InvalidRequest('The Authorization header must be "Bearer <token>".')
  return match[1]
}

/**
 * Tokens this node has verified, kept until they expire (at most `MAX_VERIFIED`, oldest dropped
 * first), so an app calling /userinfo again and again costs one signature check, as the
 * resource-server package does for APIs. Only tokens that passed every check get in; an entry
 * counts only against the key set it was verified with, so a key leaving the JWKS (rotation,
 * `keys rotate --delay 0`) drops every token it signed at once. The user, and whether the token's
 * grant was revoked, are still read on every call (routes/userinfo.ts).
 */
const MAX_VERIFIED = 2_000
const verified = new Map<string, { readonly keys: object; readonly payload: JWTPayload; readonly exp: number }>()

function remembered(token: string, keys: object, now: number): JWTPayload | null {
  const entry = verified.get(token)
  if (!entry) return null
  // jose's rule, with the same 5 s tolerance: expired once now - 5 s reaches exp.
  if (entry.keys !== keys || now / 1000 - CLOCK_TOLERANCE_S >= entry.exp) {
    verified.delete(token)
    return null
  }
  return entry.payload
}

function remember(token: string, keys: object, payload: JWTPayload): void {
  if (typeof payload.exp !== 'number') return
  if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value as string)
  verified.set(token, { keys, payload, exp: payload.exp })
}

const CLOCK_TOLERANCE_S = 5

export async function verifyUserinfoToken(deps: Deps, token: string): Promise<JWTPayload> {
  const jwks = await deps.keys.verificationKeys()
  const now = deps.clock.now()
  const known = remembered(token, jwks, now)
  if (known) return known
  try {
    const { payload } = await jwtVerify(token, jwks, {
      issuer: deps.config.issuer,
      audience: userinfoAudience(deps.config.issuer),
      typ: 'at+jwt',
      algorithms: [...SIGNING_ALGS],
      currentDate: new Date(now),
      clockTolerance: CLOCK_TOLERANCE_S,
    })
    if (typeof payload.sub !== 'string') throw new InvalidToken('The access token has no subject.')
    remember(token, jwks, payload)
    return payload
  } catch (err) {
    if (err instanceof InvalidToken) throw err
    throw new InvalidToken('The access token is invalid or expired.')
  }
}
