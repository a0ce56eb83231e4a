/** The Management API's audience: the identifier of Latchkey's own API, `{issuer}api/v2/` (as Auth0's). */
export const managementAudience = (issuer: string): string => `${issuer}api/v2/`

/** Where the Management API is mounted, under the issuer. */
export const MANAGEMENT_BASE_PATH = '/api/v2'
