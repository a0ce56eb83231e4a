/**
 * Which connections lead into an organization (Auth0's organization "enabled connections"): a login
 * to an organization goes through one enabled for it, and one that assigns membership on login makes
 * its user a member. The connection of a login is that of its session: the upstream connection that
 * started it, or else the user's own (the database connection for a password, a sign-up or a passkey).
 * completeLogin refuses a new login through another connection before its session starts; `proceed`
 * treats an older session through another connection as no session (the login page asks again) and
 * assigns membership, so every way into an organization passes here.
 */
import { DATABASE_CONNECTION, type UserRecord } from '@latchkey/core'
import type { OrganizationConnection } from '@latchkey/storage'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { databaseConnectionId } from '../organizations/shape.js'

/** The connection id of a login: `upstreamId` (a login through an upstream connection), else the user's own connection's. */
export async function loginConnectionId(deps: Deps, user: Pick<UserRecord, 'connection'>, upstreamId: string | null): Promise<string | null> {
  if (upstreamId !== null) return upstreamId
  if (user.connection === DATABASE_CONNECTION.name) return databaseConnectionId(deps.store)
  return (await deps.store.connections.findByName(user.connection))?.id ?? null
}

/** The organization's enablement of the connection; null when it is not enabled there. */
export async function organizationConnection(deps: Deps, orgId: string, connectionId: string | null): Promise<OrganizationConnection | null> {
  return connectionId === null ? null : deps.store.organizations.getConnection(orgId, connectionId)
}

/** The message of a login through a connection the organization does not use. */
export const CONNECTION_NOT_ENABLED = 'This organization does not allow logging in this way. Choose another way to log in.'

/**
 * Auto-membership (`assign_membership_on_login`): a user who is not a member becomes one, without
 * roles, audited as a membership is (`via: 'login'`). Returns whether they are a member now.
 */
export async function joinOnLogin(c: Context, deps: Deps, clientId: string, enabled: OrganizationConnection, user: UserRecord): Promise<boolean> {
  const { added } = await deps.store.organizations.addMember(enabled.orgId, user.id, [], deps.clock.now())
  if (added) {
    deps.log.info({ client_id: clientId, user_id: user.id, org_id: enabled.orgId }, 'member added on login')
    await deps.audit.record(c, {
      type: 'organization_member_added',
      clientId,
      userId: user.id,
      details: { user_name: user.email, org_id: enabled.orgId, roles: [], via: 'login', connection: enabled.connection.name },
    })
  }
  return true
}
