/**
 * Every migration, by name, handed to Kysely's `Migrator` as code (no directory scanning, so it works
 * the same under tsx, a bundle or a compiled build). Names sort in the order they apply: add new
 * ones as `0002-<what>` and never rename or edit one that has shipped.
 */
import type { Migration, MigrationProvider } from 'kysely'
import { init } from './0001-init.js'
import { revocations } from './0002-revocations.js'
import { dpop } from './0004-dpop.js'
import { auditLog } from './0003-audit-log.js'
import { clientGrants } from './0005-client-grants.js'
import { managementApi } from './0008-management-api.js'
import { organizations } from './0006-organizations.js'
import { housekeepingIndexes } from './0007-housekeeping-indexes.js'
import { signingAlgorithms } from './0009-signing-algorithms.js'
import { interactionSteps } from './0010-interaction-steps.js'
import { upstreamLogins } from './0012-upstream-logins.js'
import { connections } from './0011-connections.js'
import { sessionUpstream } from './0013-session-upstream.js'
import { pendingLinks } from './0014-pending-links.js'
import { emailOutbox } from './0015-email-outbox.js'
import { mfa } from './0016-mfa.js'
import { authenticationMethods } from './0017-authentication-methods.js'
import { oneGrantId } from './0018-one-grant-id.js'
import { unusedCodeIndex } from './0019-unused-code-index.js'
import { roles } from './0020-roles.js'
import { actions } from './0021-actions.js'
import { jobs } from './0022-jobs.js'
import { refreshTokenSettings } from './0023-refresh-token-settings.js'
import { trickleMigration } from './0024-trickle-migration.js'
import { userSearchIndexes } from './0026-user-search-indexes.js'
import { lastLoginIndex } from './0025-last-login-index.js'
import { sessionDevice } from './0027-session-device.js'
import { organizationConnections } from './0028-organization-connections.js'

const migrations: Record<string, Migration> = {
  '0001-init': init,
  '0002-revocations': revocations,
  '0004-dpop': dpop,
  '0003-audit-log': auditLog,
  '0005-client-grants': clientGrants,
  '0008-management-api': managementApi,
  '0006-organizations': organizations,
  '0007-housekeeping-indexes': housekeepingIndexes,
  '0009-signing-algorithms': signingAlgorithms,
  '0010-interaction-steps': interactionSteps,
  '0012-upstream-logins': upstreamLogins,
  '0011-connections': connections,
  '0013-session-upstream': sessionUpstream,
  '0014-pending-links': pendingLinks,
  '0015-email-outbox': emailOutbox,
  '0016-mfa': mfa,
  '0017-authentication-methods': authenticationMethods,
  '0018-one-grant-id': oneGrantId,
  '0019-unused-code-index': unusedCodeIndex,
  '0020-roles': roles,
  '0021-actions': actions,
  '0022-jobs': jobs,
  '0023-refresh-token-settings': refreshTokenSettings,
  '0024-trickle-migration': trickleMigration,
  '0026-user-search-indexes': userSearchIndexes,
  '0025-last-login-index': lastLoginIndex,
  '0027-session-device': sessionDevice,
  '0028-organization-connections': organizationConnections,
}

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations
  },
}
