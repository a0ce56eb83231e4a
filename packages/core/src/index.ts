// The public surface of @latchkey/core: protocol logic with no HTTP and no database.
export type * from './records.js'
export type * from './ports.js'

export {
  OAuthError,
  InvalidRequest,
  InvalidClient,
  InvalidGrant,
  UnauthorizedClient,
  UnsupportedGrantType,
  UnsupportedResponseType,
  InvalidScope,
  InvalidTarget,
  AccessDenied,
  LoginRequired,
  ConsentRequired,
  InteractionRequired,
  InvalidToken,
  UnsupportedTokenType,
  ServerError,
  InvalidDpopProof,
  UseDpopNonce,
  quoteValue,
} from './errors.js'
export type { OAuthErrorCode } from './errors.js'

export { systemClock, toSeconds } from './clock.js'
export type { Clock } from './clock.js'
export { isValidVerifier, isValidS256Challenge, s256Challenge, verifyS256 } from './pkce.js'
export { randomToken, pooledRandomBytes, randomAlphanumeric, randomId, sha256, matchesHash } from './opaque.js'
export { parseScope, formatScope, hasScope } from './scope.js'
export { emailField, normalizeEmail } from './email.js'
export { FREE_TEXT_FIELDS, MAX_SEARCH_TERMS, MAX_SEARCH_VALUE, parseUserSearch, USER_SEARCH_FIELDS } from './user-search.js'
export type { UserSearch, UserSearchField, UserSearchResult, UserSearchTerm } from './user-search.js'
export { isTicketValue, MAX_TICKET_TTL_SECONDS, newTicket, TICKET_PATHS, TICKET_TTL_SECONDS, ticketHash, ticketUrl } from './account/tickets.js'
export type { NewTicket, TicketInput } from './account/tickets.js'
export { paramsFrom, paramsFromObject, repeatedNames, single, MAX_PARAM_LENGTH } from './params.js'
export type { RawParams } from './params.js'
export { isRegisteredRedirectUri, resolveRedirectUri, checkRegisteredUrl, originOf } from './redirect-uri.js'

export { parseAuthorizeRequest } from './authorize/parse-request.js'
export type { AuthorizeParseResult, AuthorizeLookups } from './authorize/parse-request.js'
export { grantableScopes, allowsOfflineAccess } from './authorize/grantable-scopes.js'
export { consentSkippable, nextStep, needsLogin, needsConsent } from './authorize/next-step.js'
export { INTERACTION_STEPS, isInteractionStep, mayChooseOrganization, NOT_AT_THIS_STEP } from './authorize/interaction-step.js'
export type { NextStep, NextStepInput } from './authorize/next-step.js'
export { issueCode, CODE_LIFETIME_MS } from './authorize/issue-code.js'

export { grants } from './grants/registry.js'
export { authorizationCode, INVALID_CODE, FAILED_VERIFIER } from './grants/authorization-code.js'
export { refreshToken, INVALID_REFRESH_TOKEN } from './grants/refresh-token.js'
export { clientCredentials, clientSubject, NO_AUDIENCE } from './grants/client-credentials.js'
export { tokenGrant } from './grants/grant.js'
export type { Grant, GrantActions, GrantContext, GrantResult, ParsedGrant, TokenGrant, TokenResponse } from './grants/grant.js'
export { bindingRefusal } from './grants/refresh-token-binding.js'
export { NEVER_EXPIRES, idleLifetimeSeconds, absoluteLifetimeSeconds } from './grants/refresh-token-policy.js'
export type { AuthorizationCodeRequest } from './grants/authorization-code.js'
export type { RefreshTokenRequest } from './grants/refresh-token.js'
export type { ClientCredentialsRequest } from './grants/client-credentials.js'
export { ReuseDetected } from './grants/reuse-detected.js'
export type { ReuseFacts } from './grants/reuse-detected.js'

export { AUDIT_EVENT_TYPES, auditEventId, isAuditEventType, tokenEventType } from './audit/events.js'
export type { AuditDetail, AuditEventInput, AuditEventRecord, AuditEventType } from './audit/events.js'

export { mintAccessToken, accessTokenAudience, userinfoAudience, USERINFO_ONLY_LIFETIME_SECONDS } from './tokens/access-token.js'
export { mintIdToken, profileClaims, ID_TOKEN_LIFETIME_SECONDS } from './tokens/id-token.js'
export type { SigningKey, TokenContext } from './tokens/signer.js'
export { generateSigningKey, keyStatuses, currentKey, publicJwks, SIGNING_ALGS } from './keys/keyset.js'

export { DPOP_SIGNING_ALGS, isJwkThumbprint } from './dpop/algorithms.js'
export { DpopNonces, DPOP_NONCE_STEP_MS } from './dpop/nonce.js'
export { verifyDpopProof, DPOP_IAT_PAST_SECONDS, DPOP_IAT_FUTURE_SECONDS, DPOP_REPLAY_WINDOW_MS } from './dpop/proof.js'
export type { DpopPolicy, DpopProof, DpopRequest } from './dpop/proof.js'
export type { KeyState, KeyStatus } from './keys/keyset.js'

export {
  createApplication,
  updateApplication,
  rotateClientSecret,
  RegistrationError,
  DEFAULT_REFRESH_POLICY,
  GIVEN_CLIENT_ID,
} from './registration/applications.js'
export type { ApplicationInput, GivenCredentials } from './registration/applications.js'
export { createApi, updateApi, checkApiChangeable, DEFAULT_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME } from './registration/apis.js'
export type { ApiInput } from './registration/apis.js'
export { createClientGrant, updateClientGrant, newClientGrantId, clientGrantInput } from './registration/client-grants.js'
export type { ClientGrantInput, ClientGrantTargets, ClientGrantUpdate } from './registration/client-grants.js'
export { checkClientJwks, CLIENT_ASSERTION_ALGS, MAX_CLIENT_KEYS } from './registration/client-jwks.js'

export {
  assertionClientId,
  verifyClientAssertion,
  CLIENT_ASSERTION_TYPE,
  MAX_CLIENT_ASSERTION_LIFETIME_SECONDS,
  CLIENT_ASSERTION_CLOCK_SKEW_SECONDS,
} from './client-auth/private-key-jwt.js'
export type { ClientAssertionCheck } from './client-auth/private-key-jwt.js'
export {
  createUser,
  userRecordOf,
  type UserProfileFields,
  updateUser,
  createConnectionUser,
  connectionUserFields,
  checkPassword,
  MIN_PASSWORD_LENGTH,
  MAX_METADATA_BYTES,
} from './registration/users.js'
export type { UserInput, ConnectionUserProfile } from './registration/users.js'
export {
  createConnection,
  updateConnection,
  connectionInput,
  connectionLabel,
  connectionUserId,
  newConnectionId,
  isConnectionId,
  isConnectionStrategy,
  isDatabaseConnection,
  isPublicProviderStrategy,
  isSocialStrategy,
  DATABASE_CONNECTION,
  CONNECTION_STRATEGIES,
  PUBLIC_PROVIDER_STRATEGIES,
  SOCIAL_STRATEGIES,
  CONNECTION_NAME,
  MAX_CONNECTION_NAME_LENGTH,
  MAX_CONNECTION_DISPLAY_NAME_LENGTH,
  MAX_CONNECTION_METADATA_KEYS,
  MAX_CONNECTION_OPTIONS_BYTES,
  MAX_ENABLED_CLIENTS,
} from './registration/connections.js'
export type { ConnectionInput, ConnectionUpdate, ConnectionOptionsCheck } from './registration/connections.js'

export {
  createOrganization,
  updateOrganization,
  organizationLabel,
  checkRoles,
  createInvitation,
  invitationUrl,
  invitationLoginUri,
  isOrganizationId,
  isTicketShape,
  newOrganizationId,
  newInvitationId,
  ORGANIZATION_NAME,
  DEFAULT_INVITATION_TTL_SECONDS,
  MAX_INVITATION_TTL_SECONDS,
  MAX_ROLES,
} from './registration/organizations.js'
export type { OrganizationInput, InvitationInput } from './registration/organizations.js'
export {
  findOrganization,
  notAMember,
  resolveOrganization,
  NO_ORGANIZATION_FOUND,
  ORGANIZATION_REQUIRED,
  ORGANIZATIONS_NOT_USED,
  INVITATION_INVALID,
} from './authorize/organization.js'
export type { OrganizationLookups, OrganizationResolution } from './authorize/organization.js'
export { organizationClaims } from './tokens/id-token.js'

export {
  newTotpSecret,
  totpUri,
  totpStep,
  verifyTotp,
  totpCode,
  normalizeTotpCode,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  TOTP_SECRET_BYTES,
} from './mfa/totp.js'
export { newRecoveryCodes, recoveryCodeHash, looksLikeRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './mfa/recovery-codes.js'
export { ACR_MULTI_FACTOR, mfaStep, effectivePolicy, requestsMultiFactor } from './mfa/policy.js'
export type { MfaStep, MfaDecisionInput } from './mfa/policy.js'
export { firstFactorAmr, withSecondFactor, isMultiFactor, acrFor } from './mfa/amr.js'
export type { AmrValue, FirstFactorKind, FirstFactorFacts, SecondFactorKind } from './mfa/amr.js'
export { rememberMarker, checkRememberMarker, MAX_REMEMBER_DAYS } from './mfa/remember-browser.js'
export type { RememberKey } from './mfa/remember-browser.js'

export { TOKEN_DIALECTS } from './records.js'
export { authorizedScope, carriesPermissions, needsPermissions, permissionsClaim } from './authorization/rbac.js'
export { ADMIN_CONSOLE_APP_KEPT, ADMIN_CONSOLE_CLIENT_ID, managementApiScope, mayRequestUserToken, MANAGEMENT_API_NOT_FOR_APP, NOT_AN_ADMINISTRATOR } from './authorization/management-api.js'
export { checkPermissions, createRole, updateRole, isRoleId, newRoleId, roleInput, MAX_BATCH as MAX_ROLE_BATCH } from './authorization/roles.js'
export type { RoleInput } from './authorization/roles.js'
export { ACTION_TRIGGERS, HANDLER_OF, isActionTrigger } from './actions/triggers.js'
export type { ActionTrigger } from './actions/triggers.js'
export { applyCommands, EMPTY_OUTCOME, PROTECTED_CLAIMS, scopeAfterActions, tokenChangesOf } from './actions/commands.js'
export type { ActionCommand, ActionOutcome, TokenChanges } from './actions/commands.js'

export {
  importedPasswordHash,
  passwordHashForExport,
  readImportedHash,
  decodedLength,
  IMPORTED_HASH_PREFIX,
  ARGON2_HASH,
  BCRYPT_HASH,
  PBKDF2_HASH,
  LDAP_HASH,
  LDAP_SCHEMES,
  DIGEST_BYTES,
  CUSTOM_HASH_ALGORITHMS,
  HASH_DIGESTS,
  PASSWORD_ENCODINGS,
} from './migration/password-hashes.js'
export type { ImportFieldError, ImportedHash, CustomHashAlgorithm, HashDigest, PasswordEncoding, BinaryEncoding } from './migration/password-hashes.js'

export { planUserImport, parseUserImportText, userIdPrefix, APP_METADATA_RESERVED_KEYS, MAX_IMPORTED_USER_ID_LENGTH } from './migration/user-import.js'
export type {
  UserImportPlan,
  UserImportFailure,
  UserImportEntry,
  UserImportFilePlan,
  UserImportIssue,
  ImportConnection,
  ImportedIdentity,
  ImportedUserChanges,
} from './migration/user-import.js'
