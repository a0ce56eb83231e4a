/**
 * Second factors from the command line (issue 15):
 *
 * - `latchkey users mfa list EMAIL|USER_ID`: the user's factors, as the Management API lists them
 *   (never a secret or a code);
 * - `latchkey users mfa reset EMAIL|USER_ID`: deletes every factor and recovery code and voids
 *   remembered browsers; where MFA is required the user enrols again at their next login;
 * - `latchkey mfa policy [never|optional|always] [--app CLIENT_ID]`: shows or sets the deployment's
 *   policy (the value the Management API's guardian policy sets, which overrides LATCHKEY_MFA), or an
 *   application's own (`inherit`: the application follows the deployment's).
 */
import type { ApplicationRecord, MfaPolicy, UserRecord } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Command } from 'commander'
import { authenticationMethodsOf, resetFactors } from '../../management/mappings/authentication-methods.js'
import { guardianPolicies } from '../../management/resources/guardian.js'
import { MFA_POLICY_SETTING } from '../../mfa/requirement.js'
import { isMfaPolicy, MFA_POLICIES } from '../../mfa/settings.js'
import { recordAdminChange } from '../audit.js'
import { fields, table } from '../present.js'
import { CliError, type CommonOptions, confirm, group, leaf, notFound, print, run } from '../run.js'

/** The word that clears an application's own policy. */
export const INHERIT = 'inherit'

interface ResetOptions extends CommonOptions {
  force?: boolean
}

interface PolicyOptions extends CommonOptions {
  app?: string
}

/** By user_id (`auth0|…`), or by email. */
async function findUser(store: Store, idOrEmail: string): Promise<UserRecord> {
  const user = (await store.users.get(idOrEmail)) ?? (await store.users.findByEmail(idOrEmail.trim()))
  if (!user) throw notFound('user with id or email', idOrEmail)
  return user
}

async function findApp(store: Store, clientId: string): Promise<ApplicationRecord> {
  const app = await store.applications.get(clientId)
  if (!app) throw notFound('application with client_id', clientId)
  return app
}

async function storedPolicy(store: Store): Promise<MfaPolicy | null> {
  const value = await store.settings.get(MFA_POLICY_SETTING)
  return isMfaPolicy(value) ? value : null
}

const deploymentLine = (policy: MfaPolicy | null) => (policy === null ? 'not set: LATCHKEY_MFA applies (never by default)' : policy)

/** `latchkey users mfa …`, under the `users` group. */
export function registerUserMfa(users: Command): void {
  const mfa = users.command('mfa').description("A user's second factors: list them, or reset them when the user lost every one")

  leaf(mfa, 'list <id-or-email>', "List the user's second factors (never a secret)")
    .alias('ls')
    .action((id: string, opts: CommonOptions) =>
      run(opts, async (store) => {
        const user = await findUser(store, id)
        const methods = await authenticationMethodsOf(store, user.id, null)
        const left = methods.some((m) => m.type === 'recovery-code') ? await store.recoveryCodes.countUnused(user.id) : 0
        print(opts, methods, () =>
          methods.length === 0
            ? `${user.email} has no second factor`
            : table(
                ['ID', 'TYPE', 'NAME', 'CREATED', 'LAST USED'],
                methods.map((m) => [m.id, m.type === 'recovery-code' ? `recovery-code (${left} left)` : m.type, m.name ?? null, m.created_at, m.last_auth_at ?? null]),
              ),
        )
      }),
    )

  leaf(mfa, 'reset <id-or-email>', 'Delete all of the user\'s factors and recovery codes and forget remembered browsers', (cmd) =>
    cmd.option('--force', 'do not ask for confirmation'),
  ).action((id: string, opts: ResetOptions) =>
    run(opts, async (store) => {
      const user = await findUser(store, id)
      await confirm(`Delete every second factor of ${user.email} (${user.id})?`, opts.force)
      const removed = await resetFactors(store, user.id, Date.now())
      await recordAdminChange(store, {
        action: 'user.authentication_methods_deleted',
        userId: user.id,
        details: { user_name: user.email, authenticators: removed.authenticators, recovery_codes: removed.recoveryCodes },
      })
      print(opts, { user_id: user.id, authenticators_deleted: removed.authenticators, recovery_codes_deleted: removed.recoveryCodes }, () =>
        [
          `Reset the second factors of ${user.email}: ${removed.authenticators} authenticator(s) and ${removed.recoveryCodes} recovery code(s) deleted, remembered browsers forgotten.`,
          'Where MFA is required (always) they enrol again at their next login.',
        ].join('\n'),
      )
    }),
  )
}

/** `latchkey mfa …`. */
export function registerMfa(program: Command): void {
  const mfa = group(program, 'mfa', 'Multi-factor authentication: the deployment\'s policy and each application\'s')

  leaf(mfa, 'policy [policy]', `Show or set the MFA policy (${MFA_POLICIES.join(', ')}; with --app also ${INHERIT})`, (cmd) =>
    cmd.option('--app <client-id>', `an application's own policy (${INHERIT}: follow the deployment's)`),
  ).action((value: string | undefined, opts: PolicyOptions) =>
    run(opts, async (store) => {
      const word = value?.trim().toLowerCase()
      const allowed: readonly string[] = opts.app === undefined ? MFA_POLICIES : [...MFA_POLICIES, INHERIT]
      if (word !== undefined && !allowed.includes(word)) throw new CliError(`the policy must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`, 2)

      if (opts.app === undefined) {
        if (word !== undefined) {
          await store.settings.set(MFA_POLICY_SETTING, word, Date.now())
          await recordAdminChange(store, { action: 'mfa_policy.updated', details: { policy: word } })
        }
        const policy = await storedPolicy(store)
        print(opts, { policy, guardian_policies: policy === null ? null : guardianPolicies(policy) }, () =>
          word === undefined ? `Deployment MFA policy: ${deploymentLine(policy)}` : `Deployment MFA policy set to ${word} (logins follow within seconds)`,
        )
        return
      }

      let app = await findApp(store, opts.app)
      if (word !== undefined) {
        const mfaPolicy = word === INHERIT ? null : (word as MfaPolicy)
        app = (await store.applications.update(app.clientId, { mfaPolicy, updatedAt: Date.now() })) ?? app
        await recordAdminChange(store, { action: 'application.updated', clientId: app.clientId, details: { fields: ['mfa_policy'], mfa_policy: word } })
      }
      const deployment = await storedPolicy(store)
      const own = app.mfaPolicy ?? INHERIT
      print(opts, { client_id: app.clientId, name: app.name, mfa_policy: own, deployment_policy: deployment }, () =>
        fields([
          ['application', `${app.name} (${app.clientId})`],
          ['policy', own === INHERIT ? `${INHERIT} (the deployment's)` : own],
          ['deployment', deploymentLine(deployment)],
        ]),
      )
    }),
  )
}
