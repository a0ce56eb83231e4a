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

export async function verifyUserinfoToken(deps: Deps, token: string): Promise<JWTPayload> {
  const jwks = await deps.keys.verificationKeys()
  try {
    const { payload } = await jwtVerify(token, jwks, {
      issuer: deps.config.issuer,
      audience: userinfoAudience(deps.config.issuer),
      typ: 'at+jwt',
      algorithms: [...SIGNING_ALGS],
      currentDate: new Date(deps.clock.now()),
      clockTolerance: 5,
    })
    if (typeof payload.sub !== 'string') throw new InvalidToken('The access token has no subject.')
    return payload
  } catch (err) {
    if (err instanceof InvalidToken) throw err
    throw new InvalidToken('The access token is invalid or expired.')
  }
}
