/**
 * The Kysely view of Latchkey's tables: snake_case names, one interface per table.
 *
 * Column mapping, the same on SQLite and PostgreSQL:
 * - times are epoch milliseconds in `bigint` columns, read back as JS numbers (PostgreSQL's int8 is
 *   parsed by the pool, see `postgres.ts`);
 * - booleans are `integer` 0/1 ({@link Flag});
 * - arrays and objects are JSON text ({@link JsonText}), (de)serialised inside the repos.
 */
import type {
  AppType,
  AuthenticatorType,
  ConnectionStrategy,
  EmailTemplateName,
  MfaPolicy,
  OrganizationRequireBehavior,
  OrganizationUsage,
  OutboxStatus,
  RefreshTokenExpiration,
  RefreshTokenRotation,
  SigningKeyAlg,
  TicketKind,
  TokenDialect,
  TokenEndpointAuthMethod,
} from '@latchkey/core'

/** Epoch milliseconds. */
export type Millis = number
/** A boolean stored as integer 0 or 1. */
export type Flag = number
/** JSON text of an array or object. */
export type JsonText = string

export interface ApplicationsTable {
  client_id: string
  name: string
  app_type: AppType
  token_endpoint_auth_method: TokenEndpointAuthMethod
  client_secret_hash: string | null
  callbacks: JsonText
  allowed_logout_urls: JsonText
  web_origins: JsonText
  allowed_origins: JsonText
  grant_types: JsonText
  is_first_party: Flag
  refresh_token_reuse_interval_seconds: number
  refresh_token_idle_lifetime_seconds: number
  refresh_token_absolute_lifetime_seconds: number
  /** Migration 0023: Auth0's rotation_type, expiration_type and infinite_* switches. */
  refresh_token_rotation: RefreshTokenRotation
  refresh_token_expiration: RefreshTokenExpiration
  refresh_token_infinite_idle_lifetime: Flag
  refresh_token_infinite_lifetime: Flag
  /** Default 'deny' (migration 0006). */
  organization_usage: OrganizationUsage
  /** Default 'no_prompt' (migration 0006). */
  organization_require_behavior: OrganizationRequireBehavior
  initiate_login_uri: string | null
  created_at: Millis
  updated_at: Millis
  /** The public JWK Set of a `private_key_jwt` application, or null. */
  jwks: JsonText | null
  /** The ID tokens' signing algorithm; default 'RS256' (migration 0009). */
  id_token_alg: SigningKeyAlg
  /** The app's own MFA policy; null: the deployment's (migration 0016). */
  mfa_policy: MfaPolicy | null
}

export interface ApisTable {
  id: string
  name: string
  identifier: string
  scopes: JsonText
  allow_offline_access: Flag
  token_lifetime: number
  skip_consent_for_first_party: Flag
  signing_alg: SigningKeyAlg
  /** 1 for the Management API (migration 0008); 0 otherwise. */
  is_system: Flag
  /** Auth0's enforce_policies (migration 0020). */
  enforce_policies: Flag
  token_dialect: TokenDialect
  created_at: Millis
  updated_at: Millis
}

/** Actions (migration 0021): the draft, and the version last deployed (what runs). */
export interface ActionsTable {
  id: string
  name: string
  trigger: string
  code: string
  dependencies: JsonText
  secret_names: JsonText
  sealed_secrets: string | null
  on_failure: string
  deployed_version: number | null
  deployed_code: string | null
  deployed_sealed_secrets: string | null
  deployed_at: Millis | null
  created_at: Millis
  updated_at: Millis
}

/** The actions bound to each trigger, in the order they run. */
export interface ActionBindingsTable {
  trigger: string
  position: number
  action_id: string
  display_name: string
}

/** Roles (migration 0020): Auth0's `rol_…` objects. */
export interface RolesTable {
  id: string
  name: string
  description: string
  created_at: Millis
  updated_at: Millis
}

/** The permissions a role gives: one scope of one API (by its identifier). */
export interface RolePermissionsTable {
  role_id: string
  api_identifier: string
  permission_name: string
  created_at: Millis
}

/** The roles a user has outside any organization. */
export interface UserRolesTable {
  user_id: string
  role_id: string
  created_at: Millis
}

/** Permissions given to a user directly. */
export interface UserPermissionsTable {
  user_id: string
  api_identifier: string
  permission_name: string
  created_at: Millis
}

export interface UsersTable {
  id: string
  /** Normalised (normalizeEmail); unique among the users of the database connection (migration 0011). */
  email: string
  email_verified: Flag
  name: string | null
  nickname: string | null
  picture: string | null
  given_name: string | null
  family_name: string | null
  /** JSON objects, '{}' by default (migration 0008). */
  user_metadata: JsonText
  app_metadata: JsonText
  /** Null for users without a password (those of upstream connections; migration 0011). */
  password_hash: string | null
  /** The name of the user's primary connection; 'Username-Password-Authentication' by default (migration 0011). */
  connection: string
  blocked: Flag
  last_login_at: Millis | null
  /** Migration 0021: Auth0's logins_count. */
  logins_count: number
  /** Migration 0024: when the old Auth0 tenant checked this user's first login here (trickle migration); null otherwise. */
  migrated_at: Millis | null
  created_at: Millis
  updated_at: Millis
}

export interface SsoSessionsTable {
  id_hash: string
  sid: string
  user_id: string
  auth_time: Millis
  created_at: Millis
  idle_expires_at: Millis
  expires_at: Millis
  ended_at: Millis | null
  /** Migration 0013: the upstream connection of the login that started the session, and its sealed ID token. */
  upstream_connection_id: string | null
  upstream_id_token: string | null
  /** Migration 0017: the session's `amr` (JSON list). */
  amr: JsonText | null
  /** Migration 0027: the user agent and IP address of the login that started it, and the browser's last return. */
  initial_user_agent: string | null
  initial_ip: string | null
  last_interacted_at: Millis | null
}

export interface InteractionsTable {
  id: string
  csrf_hash: string
  /** `request.clientId`, kept as a column so deleting an application can find its interactions. */
  client_id: string
  /** Where the login stands (`InteractionStep`): the only page that answers. */
  step: string
  request: JsonText
  user_id: string | null
  session_sid: string | null
  auth_time: Millis | null
  /** The upstream login under way (JSON `UpstreamAttempt` without its state hash), or null. */
  upstream: JsonText | null
  /** SHA-256 of the upstream `state`: how `{issuer}login/callback` finds the transaction. */
  upstream_state_hash: string | null
  created_at: Millis
  expires_at: Millis
  /** Migration 0014: the upstream account waiting to be linked (JSON `PendingLink`), or null. */
  link: JsonText | null
}

export interface ConsentsTable {
  user_id: string
  client_id: string
  audience: string
  scopes: JsonText
  created_at: Millis
  updated_at: Millis
}

export interface AuthorizationCodesTable {
  code_hash: string
  grant_id: string
  client_id: string
  user_id: string
  redirect_uri: string
  redirect_uri_provided: Flag
  scope: JsonText
  audience: string | null
  code_challenge: string | null
  code_challenge_method: 'S256' | null
  nonce: string | null
  auth_time: Millis
  sid: string | null
  organization: string | null
  created_at: Millis
  expires_at: Millis
  consumed_at: Millis | null
  /** RFC 9449 §10 key thumbprint, or null. */
  dpop_jkt: string | null
  /** Migration 0021: what post-login actions changed in the tokens (JSON), or null. */
  token_changes: JsonText | null
  /** Migration 0017: the login's `amr` (JSON list) and satisfied `acr`. */
  amr: JsonText | null
  acr: string | null
}

export interface RefreshTokensTable {
  token_hash: string
  /** Migration 0018: the one id of the grant (it was also `family_id` before). */
  grant_id: string
  client_id: string
  user_id: string
  scope: JsonText
  audience: string | null
  auth_time: Millis
  sid: string | null
  organization: string | null
  created_at: Millis
  expires_at: Millis
  grant_expires_at: Millis
  rotated_at: Millis | null
  revoked_at: Millis | null
  /** RFC 9449 §5 key thumbprint the token is bound to, or null. */
  dpop_jkt: string | null
  /** Migration 0017: the login's `amr` (JSON list) and satisfied `acr`. */
  amr: JsonText | null
  acr: string | null
}

export interface SigningKeysTable {
  kid: string
  alg: SigningKeyAlg
  public_jwk: string
  private_jwk: string
  created_at: Millis
  activates_at: Millis
}

export interface RevocationsTable {
  /** 'grant' (migration 0018 made every 'family' marker its grant's). */
  kind: 'grant'
  id: string
  revoked_at: Millis
}

export interface AuditEventsTable {
  /** Sortable: the time in hex, then random hex. */
  id: string
  time: Millis
  type: string
  client_id: string | null
  user_id: string | null
  ip: string | null
  user_agent: string | null
  /** A small JSON object; never secrets. */
  details: JsonText
}

export interface ClientGrantsTable {
  /** `cgr_…` */
  id: string
  client_id: string
  /** The API identifier. */
  audience: string
  scope: JsonText
  created_at: Millis
  updated_at: Millis
}

/** One-time keys (DPoP proof jtis), each remembered until `expires_at`. */
export interface ReplayGuardTable {
  key: string
  expires_at: Millis
}

export interface OrganizationsTable {
  /** `org_…` */
  id: string
  /** Unique, lower-case. */
  name: string
  display_name: string | null
  /** JSON object, or null. */
  branding: JsonText | null
  metadata: JsonText
  created_at: Millis
  updated_at: Millis
}

export interface OrganizationMembersTable {
  org_id: string
  user_id: string
  /** JSON array of role names. */
  roles: JsonText
  created_at: Millis
}

/** The connections enabled for an organization (both references cascade on delete). */
export interface OrganizationConnectionsTable {
  organization_id: string
  connection_id: string
  assign_membership_on_login: Flag
  show_as_button: Flag
  created_at: Millis
}

export interface InvitationsTable {
  /** `uinv_…` */
  id: string
  org_id: string
  client_id: string
  inviter_name: string
  /** Lower-cased. */
  invitee_email: string
  roles: JsonText
  /** SHA-256 of the ticket; unique. */
  ticket_hash: string
  created_at: Millis
  expires_at: Millis
  consumed_at: Millis | null
}

export interface ConnectionsTable {
  /** `con_…` */
  id: string
  /** Unique, compared exactly. */
  name: string
  display_name: string | null
  strategy: ConnectionStrategy
  /** JSON object (Auth0's options, without the client secret). */
  options: JsonText
  /** A compact JWE sealed by the server, or null. */
  sealed_client_secret: string | null
  is_domain_connection: Flag
  /** JSON object of strings. */
  metadata: JsonText
  created_at: Millis
  updated_at: Millis
}

/** Which applications a connection is enabled for: one row each (primary key: both). */
export interface ConnectionClientsTable {
  connection_id: string
  client_id: string
}

/** Upstream accounts and the users they log in as; the primary key is (connection_id, provider_user_id). */
export interface IdentitiesTable {
  connection_id: string
  provider_user_id: string
  user_id: string
  provider: ConnectionStrategy
  is_social: Flag
  /** JSON object. */
  profile_data: JsonText
  created_at: Millis
  updated_at: Millis
}

/** The durable email outbox (migration 0015). */
export interface OutboxEmailsTable {
  /** `em_…` */
  id: string
  template: EmailTemplateName
  to_address: string
  user_id: string | null
  /** JSON `{ subject, text, html }` sealed with the key-encryption key; null once settled. */
  sealed_message: string | null
  status: OutboxStatus
  attempts: number
  next_attempt_at: Millis
  /** While `sending`: when the claim lapses. */
  locked_until: Millis | null
  last_error: string | null
  created_at: Millis
  sent_at: Millis | null
}

/** Single-use email tickets, by the SHA-256 of their value (migration 0015). */
export interface TicketsTable {
  id_hash: string
  kind: TicketKind
  user_id: string
  email: string
  client_id: string | null
  result_url: string | null
  created_at: Millis
  expires_at: Millis
  used_at: Millis | null
}

/** A user's second factors and passkeys (migration 0016). */
export interface AuthenticatorsTable {
  /** `{type}|dev_…` */
  id: string
  user_id: string
  type: AuthenticatorType
  name: string | null
  confirmed: Flag
  /** TOTP: the secret sealed with the key-encryption key. */
  sealed_secret: string | null
  /** TOTP: the last accepted time step. */
  last_used_step: number | null
  /** WebAuthn: the credential id (base64url), unique. */
  credential_id: string | null
  /** WebAuthn: JSON `{ publicKey, transports, deviceType, aaguid }`. */
  credential: JsonText | null
  /** WebAuthn: the signature counter last seen. */
  counter: number | null
  /** WebAuthn: the credential's backup state, last seen. */
  backed_up: Flag | null
  created_at: Millis
  last_used_at: Millis | null
}

/** Recovery codes by the SHA-256 of each (migration 0016). */
export interface RecoveryCodesTable {
  user_id: string
  code_hash: string
  created_at: Millis
  used_at: Millis | null
}

/** When a user's "remember this browser" markers were last voided (migration 0016). */
export interface MfaRememberRevocationsTable {
  user_id: string
  revoked_at: Millis
}

/** Deployment-wide settings changed at run time (migration 0016). */
export interface SettingsTable {
  key: string
  value: string
  updated_at: Millis
}

/** Management API jobs (migration 0022). */
export interface JobsTable {
  id: string
  type: 'users_import' | 'users_export'
  status: 'pending' | 'processing' | 'completed' | 'failed'
  connection_id: string | null
  external_id: string | null
  options: JsonText
  input: string | null
  summary: JsonText | null
  errors: JsonText | null
  status_details: string | null
  download_hash: string | null
  download_expires_at: Millis | null
  created_at: Millis
  claimed_at: Millis | null
  finished_at: Millis | null
}

export interface Database {
  applications: ApplicationsTable
  apis: ApisTable
  users: UsersTable
  sso_sessions: SsoSessionsTable
  interactions: InteractionsTable
  consents: ConsentsTable
  authorization_codes: AuthorizationCodesTable
  refresh_tokens: RefreshTokensTable
  signing_keys: SigningKeysTable
  revocations: RevocationsTable
  replay_guard: ReplayGuardTable
  audit_events: AuditEventsTable
  organizations: OrganizationsTable
  organization_members: OrganizationMembersTable
  organization_connections: OrganizationConnectionsTable
  invitations: InvitationsTable
  client_grants: ClientGrantsTable
  connections: ConnectionsTable
  connection_clients: ConnectionClientsTable
  identities: IdentitiesTable
  outbox_emails: OutboxEmailsTable
  tickets: TicketsTable
  authenticators: AuthenticatorsTable
  recovery_codes: RecoveryCodesTable
  mfa_remember_revocations: MfaRememberRevocationsTable
  settings: SettingsTable
  roles: RolesTable
  role_permissions: RolePermissionsTable
  user_roles: UserRolesTable
  user_permissions: UserPermissionsTable
  actions: ActionsTable
  action_bindings: ActionBindingsTable
  jobs: JobsTable
}
