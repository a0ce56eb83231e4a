/**
 * A user's second factors, as Auth0's Management API manages them (issue 15):
 *
 * - `GET /users/{id}/authentication-methods` (paged as Auth0 pages it: `include_totals` puts them
 *   under `authenticators`) and `GET …/authentication-methods/{authentication_method_id}`;
 * - `DELETE …/authentication-methods` (every factor and the recovery codes) and
 *   `DELETE …/authentication-methods/{authentication_method_id}` (one; the recovery-code method's id
 *   deletes the codes);
 * - `DELETE /users/{id}/authenticators`: Auth0's older "delete all authenticators", the same reset;
 * - `POST /users/{id}/multifactor/actions/invalidate-remember-browser`: every "remember this
 *   browser" marker issued so far is void, so the next login asks for a factor again.
 *
 * Deleting factors also voids remembered browsers. A user left without a factor enrols again at
 * their next login where the policy is `always`. Each change is audited (`sapi`).
 */
import { z } from 'zod'
import type { Deps } from '../../deps.js'
import { notFound } from '../errors.js'
import { type AuthenticationMethod, authenticationMethodSchema, authenticationMethodsOf, RECOVERY_CODE, resetFactors } from '../mappings/authentication-methods.js'
import { pageAnswer, pagedSchema, slicePage } from '../paging.js'
import { pagingParams } from '../query.js'
import { type Resource, route } from '../route.js'
import { findUser } from './users.js'

const idParams = z.strictObject({ id: z.string().min(1).max(256).describe('The user_id (auth0|…), URL-encoded.') })
const methodParams = z.strictObject({
  id: z.string().min(1).max(256).describe('The user_id (auth0|…), URL-encoded.'),
  authentication_method_id: z.string().min(1).max(256).describe('The method id (`totp|dev_…`, `recovery-code|dev_…`), URL-encoded.'),
})
const listQuery = z.strictObject(pagingParams)

const ERRORS_404 = { 404: 'The user does not exist (inexistent_user).' }
const METHOD_NOT_FOUND = () => notFound('The authentication method does not exist.', 'inexistent_authentication_method')

const rpIdOf = (deps: Deps) => new URL(deps.config.issuer).hostname

async function methodOf(deps: Deps, userId: string, methodId: string): Promise<AuthenticationMethod> {
  const method = (await authenticationMethodsOf(deps.store, userId, rpIdOf(deps))).find((m) => m.id === methodId)
  if (!method) throw METHOD_NOT_FOUND()
  return method
}

/** A reset of every factor (Auth0 has it under two paths and two scopes): the same work, its own audit action. */
function resetRoute(r: { path: string; summary: string; scopes: string[]; answer: string; action: string; description: string }) {
  return route({
    method: 'delete',
    path: r.path,
    summary: r.summary,
    scopes: r.scopes,
    params: idParams,
    answer: { status: 204, description: r.answer },
    errors: ERRORS_404,
    async handle({ deps, params, audit }) {
      const user = await findUser(deps.store, params.id)
      const removed = await resetFactors(deps.store, user.id, deps.clock.now())
      await audit.change({
        action: r.action,
        description: r.description,
        userId: user.id,
        details: { user_name: user.email, authenticators: removed.authenticators, recovery_codes: removed.recoveryCodes },
      })
      return { status: 204 as const }
    },
  })
}

export const authenticationMethods: Resource = {
  tag: 'authentication-methods',
  description: "Users' second factors (TOTP, security keys, passkeys, recovery codes) and remembered browsers.",
  routes: [
    route({
      method: 'get',
      path: '/users/:id/authentication-methods',
      summary: 'Get a list of authentication methods',
      scopes: ['read:authentication_methods'],
      params: idParams,
      query: listQuery,
      answer: { status: 200, description: "The user's confirmed factors, oldest first, then the recovery codes while some are unused.", schema: pagedSchema('authenticators', authenticationMethodSchema) },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        const user = await findUser(deps.store, params.id)
        const all = await authenticationMethodsOf(deps.store, user.id, rpIdOf(deps))
        return pageAnswer('authenticators', query, slicePage(all, query), async () => all.length)
      },
    }),
    route({
      method: 'get',
      path: '/users/:id/authentication-methods/:authentication_method_id',
      summary: 'Get an authentication method by ID',
      scopes: ['read:authentication_methods'],
      params: methodParams,
      answer: { status: 200, description: 'The method.', schema: authenticationMethodSchema },
      errors: { 404: 'The user does not exist (inexistent_user), or has no such method (inexistent_authentication_method).' },
      async handle({ deps, params }) {
        const user = await findUser(deps.store, params.id)
        return { status: 200, body: await methodOf(deps, user.id, params.authentication_method_id) }
      },
    }),
    resetRoute({
      path: '/users/:id/authentication-methods',
      summary: 'Delete all authentication methods for the given user',
      scopes: ['delete:authentication_methods'],
      answer: 'Every factor and recovery code removed, remembered browsers void: the user enrols again where MFA is required.',
      action: 'user.authentication_methods_deleted',
      description: 'Delete all authentication methods of a user',
    }),
    route({
      method: 'delete',
      path: '/users/:id/authentication-methods/:authentication_method_id',
      summary: 'Delete an authentication method by ID',
      scopes: ['delete:authentication_methods'],
      params: methodParams,
      answer: { status: 204, description: "Removed (the recovery-code method's id removes every recovery code); remembered browsers void." },
      errors: { 404: 'The user does not exist (inexistent_user), or has no such method (inexistent_authentication_method).' },
      async handle({ deps, params, audit }) {
        const user = await findUser(deps.store, params.id)
        const method = await methodOf(deps, user.id, params.authentication_method_id)
        const now = deps.clock.now()
        await deps.store.transaction(async (tx) => {
          const removed = method.type === RECOVERY_CODE ? (await tx.recoveryCodes.deleteForUser(user.id)) > 0 : await tx.authenticators.delete(user.id, method.id)
          if (!removed) throw METHOD_NOT_FOUND()
          await tx.authenticators.revokeRememberedBrowsers(user.id, now)
        })
        await audit.change({
          action: 'user.authentication_method_deleted',
          description: 'Delete an authentication method of a user',
          userId: user.id,
          details: { user_name: user.email, authentication_method_id: method.id, type: method.type },
        })
        return { status: 204 }
      },
    }),
    resetRoute({
      path: '/users/:id/authenticators',
      summary: 'Delete All Authenticators',
      scopes: ['delete:guardian_enrollments'],
      answer: 'Every factor and recovery code removed, remembered browsers void (the same reset as DELETE …/authentication-methods).',
      action: 'user.authenticators_deleted',
      description: 'Delete all authenticators of a user',
    }),
    route({
      method: 'post',
      path: '/users/:id/multifactor/actions/invalidate-remember-browser',
      summary: 'Invalidate all remembered browsers across all authentication factors for a user',
      scopes: ['update:users'],
      params: idParams,
      answer: { status: 204, description: 'Every "remember this browser" marker issued so far is void.' },
      errors: ERRORS_404,
      async handle({ deps, params, audit }) {
        const user = await findUser(deps.store, params.id)
        await deps.store.authenticators.revokeRememberedBrowsers(user.id, deps.clock.now())
        await audit.change({ action: 'user.remembered_browsers_invalidated', description: 'Invalidate the remembered browsers of a user', userId: user.id, details: { user_name: user.email } })
        return { status: 204 }
      },
    }),
  ],
}
