/**
 * The Management API's resources, in the order the OpenAPI document lists them. A new resource is
 * one file in this folder exporting a `Resource`, added to this list; its routes' scopes join the
 * Management API's scopes (system-api.ts) on the next start.
 */
import type { Resource } from '../route.js'
import { actions } from './actions.js'
import { authenticationMethods } from './authentication-methods.js'
import { clientGrants } from './client-grants.js'
import { clients } from './clients.js'
import { connections } from './connections.js'
import { emailProvider } from './email-provider.js'
import { grants } from './grants.js'
import { guardian } from './guardian.js'
import { jobs } from './jobs.js'
import { logs } from './logs.js'
import { organizationInvitations } from './organization-invitations.js'
import { organizationMembers } from './organization-members.js'
import { organizations } from './organizations.js'
import { refreshTokens } from './refresh-tokens.js'
import { resourceServers } from './resource-servers.js'
import { roles } from './roles.js'
import { sessions } from './sessions.js'
import { signingKeys } from './signing-keys.js'
import { stats } from './stats.js'
import { tenants } from './tenant-settings.js'
import { tickets } from './tickets.js'
import { userRoles } from './user-roles.js'
import { users } from './users.js'

export const RESOURCES: readonly Resource[] = [clients, resourceServers, clientGrants, connections, users, userRoles, sessions, refreshTokens, roles, authenticationMethods, guardian, organizations, organizationMembers, organizationInvitations, tickets, jobs, grants, logs, stats, signingKeys, actions, tenants, emailProvider]
