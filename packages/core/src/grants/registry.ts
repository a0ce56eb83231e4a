/** The grants the token endpoint serves, by `grant_type`. */
import { authorizationCode } from './authorization-code.js'
import { clientCredentials } from './client-credentials.js'
import { type TokenGrant, tokenGrant } from './grant.js'
import { refreshToken } from './refresh-token.js'

export const grants: ReadonlyMap<string, TokenGrant> = new Map([
  ['authorization_code', tokenGrant(authorizationCode)],
  ['refresh_token', tokenGrant(refreshToken)],
  ['client_credentials', tokenGrant(clientCredentials)],
])
