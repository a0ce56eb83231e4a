/**
 * Admin changes made with the CLI go to the audit log, as Auth0 logs Management API calls (`sapi`):
 * what changed (an action and the names of the fields, never their values when secret), on which
 * app, API or user, with `actor: "cli"` and the operating-system user. Recorded after the change
 * succeeded; a failed write is a warning on stderr, since the change itself is done.
 */
import { type AuditEventInput, type AuditDetail, systemClock } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { AuditLog, cliActor } from '../audit.js'
import { warn } from './run.js'

export type AdminAction =
  | 'application.created'
  | 'application.updated'
  | 'application.deleted'
  | 'application.secret_rotated'
  | 'api.created'
  | 'api.updated'
  | 'api.deleted'
  | 'user.created'
  | 'user.updated'
  | 'user.deleted'
  | 'user.blocked'
  | 'user.unblocked'
  | 'organization.created'
  | 'organization.updated'
  | 'organization.deleted'
  | 'organization.member_added'
  | 'organization.member_removed'
  | 'organization.connections_updated'
  | 'invitation.created'
  | 'invitation.revoked'
  | 'client_grant.created'
  | 'client_grant.updated'
  | 'client_grant.deleted'
  | 'connection.created'
  | 'connection.updated'
  | 'connection.deleted'
  | 'connection.clients_updated'
  | 'user.authentication_methods_deleted'
  | 'mfa_policy.updated'
  | 'role.created'
  | 'role.updated'
  | 'role.deleted'
  | 'role.permissions_added'
  | 'role.permissions_removed'
  | 'user.roles_assigned'
  | 'user.roles_removed'
  | 'user.permissions_added'
  | 'user.permissions_removed'
  | 'action.created'
  | 'action.updated'
  | 'action.deployed'
  | 'action.deleted'
  | 'action.bindings_updated'

const DESCRIPTIONS: Record<AdminAction, string> = {
  'application.created': 'Create an application',
  'application.updated': 'Update an application',
  'application.deleted': 'Delete an application',
  'application.secret_rotated': 'Rotate a client secret',
  'api.created': 'Create an API',
  'api.updated': 'Update an API',
  'api.deleted': 'Delete an API',
  'user.created': 'Create a user',
  'user.updated': 'Update a user',
  'user.deleted': 'Delete a user',
  'user.blocked': 'Block a user',
  'user.unblocked': 'Unblock a user',
  'organization.created': 'Create an organization',
  'organization.updated': 'Update an organization',
  'organization.deleted': 'Delete an organization',
  'organization.member_added': 'Add a member to an organization',
  'organization.member_removed': 'Remove a member from an organization',
  'organization.connections_updated': "Change an organization's enabled connections",
  'invitation.created': 'Invite a user to an organization',
  'invitation.revoked': 'Revoke an organization invitation',
  'client_grant.created': 'Create a client grant',
  'client_grant.updated': 'Update a client grant',
  'client_grant.deleted': 'Delete a client grant',
  'connection.created': 'Create a connection',
  'connection.updated': 'Update a connection',
  'connection.deleted': 'Delete a connection',
  'connection.clients_updated': 'Enable or disable a connection for applications',
  'user.authentication_methods_deleted': 'Delete all authentication methods of a user',
  'mfa_policy.updated': 'Update the multi-factor authentication policy',
  'role.created': 'Create a role',
  'role.updated': 'Update a role',
  'role.deleted': 'Delete a role',
  'role.permissions_added': 'Add permissions to a role',
  'role.permissions_removed': 'Remove permissions from a role',
  'user.roles_assigned': 'Assign roles to a user',
  'user.roles_removed': 'Remove roles from a user',
  'user.permissions_added': 'Add permissions to a user',
  'user.permissions_removed': 'Remove permissions from a user',
  'action.created': 'Create an action',
  'action.updated': 'Update an action',
  'action.deployed': 'Deploy an action',
  'action.deleted': 'Delete an action',
  'action.bindings_updated': "Update a trigger's bindings",
}

export interface AdminChange {
  readonly action: AdminAction
  readonly clientId?: string
  readonly userId?: string
  /** Identifying facts and the names of changed fields; never secrets. */
  readonly details?: Readonly<Record<string, AuditDetail | undefined>>
}

function cliAuditLog(store: Store): AuditLog {
  return new AuditLog({
    store,
    clock: systemClock,
    onError: (error) => warn(`the change was made but not written to the audit log (${(error as Error)?.message ?? String(error)})`),
  })
}

/** Records an admin change made from the command line. Never throws. */
export function recordAdminChange(store: Store, change: AdminChange): Promise<void> {
  const event: AuditEventInput = {
    type: 'sapi',
    clientId: change.clientId ?? null,
    userId: change.userId ?? null,
    details: { action: change.action, description: DESCRIPTIONS[change.action], ...cliActor(), ...change.details },
  }
  return cliAuditLog(store).record(undefined, event)
}

/** Records any other event from the command line (a key rotation), with the CLI as the actor. */
export function recordCliEvent(store: Store, event: AuditEventInput): Promise<void> {
  return cliAuditLog(store).record(undefined, { ...event, details: { ...event.details, ...cliActor() } })
}
