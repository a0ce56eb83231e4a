/**
 * `latchkey admins …`: who may administer Latchkey in the admin console (and so call the Management
 * API as themselves). An administrator is a user holding one of the two built-in roles (see
 * management/admins.ts): `admin` (every Management API scope) or `read-only` (its read scopes).
 * Users are named by email (or user_id). Every change goes to the audit log.
 */
import type { ApiRecord, UserRecord } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { type Command, Option } from 'commander'
import { ADMIN_KINDS, ADMIN_ROLES, type AdminKind, listAdministrators, makeAdministrator, removeAdministrator } from '../../management/admins.js'
import { ensureManagementApi } from '../../management/system-api.js'
import { recordAdminChange } from '../audit.js'
import { table } from '../present.js'
import { CliError, type CommonOptions, group, issuerRules, leaf, notFound, print, run } from '../run.js'

interface AddOptions extends CommonOptions {
  role: AdminKind
}

async function findUser(store: Store, emailOrId: string): Promise<UserRecord> {
  const user = (await store.users.findByEmail(emailOrId.trim())) ?? (await store.users.get(emailOrId.trim()))
  if (!user) throw notFound('user with email or id', emailOrId)
  return user
}

/** The Management API's record: the server keeps it at start; on a database no server has opened yet, made here. */
async function managementApi(store: Store): Promise<ApiRecord> {
  const api = await store.apis.findSystem()
  if (api) return api
  const { issuer } = issuerRules({})
  if (issuer === undefined) throw new CliError('the Management API is not registered yet: start the server once (latchkey serve), or set LATCHKEY_ISSUER')
  return ensureManagementApi(store, issuer, Date.now())
}

const present = (user: UserRecord, role: AdminKind) => ({ user_id: user.id, email: user.email, role })

export function registerAdmins(program: Command): void {
  const admins = group(program, 'admins', 'Manage who administers Latchkey (the admin console and the Management API as a user)')

  leaf(admins, 'add <email>', 'Make a user an administrator (or change their role)', (cmd) =>
    cmd.addOption(new Option('-r, --role <role>', 'admin (every change) or read-only (sees everything, changes nothing)').choices(ADMIN_KINDS).default('admin')),
  ).action((email: string, opts: AddOptions) =>
    run(opts, async (store) => {
      const user = await findUser(store, email)
      const now = Date.now()
      await makeAdministrator(store, await managementApi(store), user, opts.role, now)
      await recordAdminChange(store, { action: 'user.roles_assigned', userId: user.id, details: { roles: [ADMIN_ROLES[opts.role].name] } })
      print(opts, present(user, opts.role), () => `${user.email} is now an administrator (${opts.role}): role ${JSON.stringify(ADMIN_ROLES[opts.role].name)}`)
    }),
  )

  leaf(admins, 'list', 'List the administrators and their role')
    .alias('ls')
    .action((opts: CommonOptions) =>
      run(opts, async (store) => {
        const all = await listAdministrators(store)
        print(opts, all.map((a) => present(a.user, a.role)), () =>
          all.length === 0
            ? 'No administrators yet: latchkey admins add EMAIL'
            : table(
                ['EMAIL', 'USER ID', 'ROLE'],
                all.map((a) => [a.user.email, a.user.id, a.role]),
              ),
        )
      }),
    )

  leaf(admins, 'remove <email>', 'Take administration away from a user (the user stays)')
    .alias('rm')
    .action((email: string, opts: CommonOptions) =>
      run(opts, async (store) => {
        const user = await findUser(store, email)
        if (!(await removeAdministrator(store, user))) throw new CliError(`${user.email} is not an administrator`)
        await recordAdminChange(store, { action: 'user.roles_removed', userId: user.id, details: { roles: ADMIN_KINDS.map((k) => ADMIN_ROLES[k].name) } })
        print(opts, { user_id: user.id, email: user.email, removed: true }, () => `${user.email} is no longer an administrator`)
      }),
    )
}
