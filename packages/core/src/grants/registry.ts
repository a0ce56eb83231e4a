/** The grants the token endpoint serves, by `grant_type`. */
import { authorizationCode } from './authorization-code.js'
import { clientCredentials } from './client-credentials.js'
import type { GrantHandler } from './grant.js'
import { refreshToken } from './refresh-token.js'

export const grants: ReadonlyMap<string, GrantHandler> = new Map(
  [authorizationCode, refreshToken, clientCredentials].map((grant) => [grant.type, grant]),
)
