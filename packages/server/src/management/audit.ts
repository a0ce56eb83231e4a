/**
 * Changes made through the Management API go to the audit log as Auth0 logs them: type `sapi`
 * ("Successful management operation"), `client_id` the machine-to-machine application that called
 * (the actor; with an administrator's token, the admin console's app, and the administrator in
 * `details.actor_user_id`), and in the details the action, the request's method and path, what names the target
 * (`target_client_id`, `api_id`, …) and the names of the changed fields, never their values. The user
 * a change is about goes in `user_id`. Written after the change succeeded; a failed write never fails
 * the request (see ../audit.ts).
 */
import type { AuditDetail, AuditEventInput } from '@latchkey/core'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import type { Caller } from './route.js'

export interface ManagementChange {
  /** `<resource>.<verb>`, as the CLI names its changes: `application.created`, `user.blocked`, … */
  readonly action: string
  /** For people: `Create an application`. */
  readonly description: string
  /** The user the change is about. */
  readonly userId?: string
  /** What names the target, and the names of changed fields; never secrets or values of secrets. */
  readonly details?: Readonly<Record<string, AuditDetail | undefined>>
}

export class ManagementAudit {
  readonly #c: Context
  readonly #deps: Deps
  readonly #caller: Caller

  constructor(c: Context, deps: Deps, caller: Caller) {
    this.#c = c
    this.#deps = deps
    this.#caller = caller
  }

  /** Records a `sapi` event. Never throws. */
  change(change: ManagementChange): Promise<void> {
    return this.event({
      type: 'sapi',
      userId: change.userId ?? null,
      details: { action: change.action, description: change.description, ...change.details },
    })
  }

  /** Records any other event (a key rotation) with the caller as its actor. Never throws. */
  event(event: AuditEventInput): Promise<void> {
    const c = this.#c
    return this.#deps.audit.record(c, {
      ...event,
      clientId: this.#caller.clientId,
      details: {
        ...event.details,
        actor: 'management_api',
        ...(this.#caller.userId === undefined ? {} : { actor_user_id: this.#caller.userId }),
        method: c.req.method,
        path: c.req.path,
      },
    })
  }
}
