export type {
  ApiPatch,
  ApiRepo,
  ApplicationPatch,
  ApplicationRepo,
  AuditLogFilter,
  AuditLogRepo,
  AuthorizationCodeRepo,
  ClientGrantFilter,
  ClientGrantPatch,
  ClientGrantRepo,
  ConsentRepo,
  InteractionRepo,
  MigrationStatus,
  Page,
  RefreshTokenRepo,
  SigningKeyRepo,
  SsoSessionRepo,
  Store,
  UserPatch,
  UserRepo,
} from './contract.js'
export { ConflictError } from './contract.js'
export type { DatabaseTarget } from './open.js'
export { openAndMigrate, openStore, parseDatabaseUrl } from './open.js'
