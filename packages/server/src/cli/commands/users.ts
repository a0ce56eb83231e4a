/**
 * `latchkey users …`: users of Latchkey's own database, like `auth0 users` on the
 * Username-Password-Authentication connection. Blocking, deleting or changing a password ends the
 * user's sessions and revokes their refresh tokens.
 */
import { checkPassword, createUser, type Permission, type UserInput, type UserPermission, type UserRecord, updateUser } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Command } from 'commander'
import { hashPassword } from '../../passwords.js'
import { recordAdminChange } from '../audit.js'
import { registerUserMfa } from './mfa.js'
import { findRole, type PermissionOptions, permissionsFrom, presentPermission, presentRole, resolveRoles, withPermissionOptions } from './roles.js'
import { presentUser, table, userFields } from '../present.js'
import { CliError, type CommonOptions, confirm, defined, group, leaf, listAll, notFound, print, run } from '../run.js'

/** The only connection Latchkey has; accepted for Auth0 CLI compatibility. */
const CONNECTION = 'Username-Password-Authentication'

interface UserOptions extends CommonOptions {
  email?: string
  password?: string
  name?: string
  emailVerified?: boolean
  connection?: string
  connectionName?: string
  force?: boolean
}

const FLAGS = { email: '--email', name: '--name', password: '--password' }

/** By user_id (`auth0|…`), or by email. */
async function findUser(store: Store, idOrEmail: string): Promise<UserRecord> {
  const user = (await store.users.get(idOrEmail)) ?? (await store.users.findByEmail(idOrEmail.trim()))
  if (!user) throw notFound('user with id or email', idOrEmail)
  return user
}

/** Ends every session and revokes every refresh token of the user, in the caller's transaction. */
async function signOutEverywhere(store: Store, userId: string, now: number): Promise<void> {
  await store.sessions.endAllForUser(userId, now)
  await store.refreshTokens.revokeForUser(userId, now)
}

async function hashChecked(password: string): Promise<string> {
  checkPassword(password)
  return hashPassword(password)
}

function save(store: Store, record: UserRecord): Promise<UserRecord | null> {
  const { id, createdAt: _createdAt, ...patch } = record
  return store.users.update(id, patch)
}

export function registerUsers(program: Command): void {
  const users = group(program, 'users', 'Manage users (the Username-Password-Authentication database)')

  leaf(users, 'create', 'Create a user', (cmd) =>
    cmd
      .requiredOption('-e, --email <email>', 'email address (the login name)')
      .requiredOption('-p, --password <password>', 'password (at least 8 characters)')
      .option('-n, --name <name>', 'full name')
      .option('-c, --connection <name>', `connection (only ${CONNECTION})`)
      .option('--connection-name <name>', `same as --connection (the Auth0 CLI's name)`),
  ).action((opts: UserOptions) =>
    run(
      opts,
      async (store) => {
        for (const connection of [opts.connection, opts.connectionName]) {
          if (connection !== undefined && connection !== CONNECTION)
            throw new CliError(`unknown connection ${JSON.stringify(connection)}: Latchkey has only ${CONNECTION}`)
        }
        const hash = await hashChecked(opts.password ?? '')
        const user = createUser(defined({ email: opts.email ?? '', name: opts.name }) as UserInput, hash, Date.now())
        await store.users.insert(user)
        await recordAdminChange(store, { action: 'user.created', userId: user.id, details: { user_name: user.email } })
        print(opts, presentUser(user), () => `Created user ${user.email}\n${userFields(user)}`)
      },
      FLAGS,
    ),
  )

  leaf(users, 'list', 'List users')
    .alias('ls')
    .action((opts: CommonOptions) =>
      run(opts, async (store) => {
        const all = await listAll((page) => store.users.list(page))
        print(opts, all.map(presentUser), () =>
          all.length === 0
            ? 'No users yet: latchkey users create --email EMAIL --password PASSWORD'
            : table(
                ['USER_ID', 'EMAIL', 'NAME', 'VERIFIED', 'BLOCKED'],
                all.map((u) => [u.id, u.email, u.name, u.emailVerified, u.blocked]),
              ),
        )
      }),
    )

  leaf(users, 'show <id-or-email>', 'Show a user')
    .action((id: string, opts: CommonOptions) =>
      run(opts, async (store) => {
        const user = await findUser(store, id)
        print(opts, presentUser(user), () => userFields(user))
      }),
    )

  leaf(users, 'update <id-or-email>', 'Change a user; a new password signs them out everywhere', (cmd) =>
    cmd
      .option('-e, --email <email>', 'new email address (marks it unverified unless --email-verified is given)')
      .option('-p, --password <password>', 'new password')
      .option('-n, --name <name>', 'full name')
      .option('--email-verified', 'mark the email address verified')
      .option('--no-email-verified', 'mark the email address unverified'),
  ).action((id: string, opts: UserOptions) =>
    run(
      opts,
      async (store) => {
        const input = defined({ email: opts.email, name: opts.name, emailVerified: opts.emailVerified })
        if (Object.keys(input).length === 0 && opts.password === undefined)
          throw new CliError('nothing to update: pass at least one option (see --help)', 2)
        const hash = opts.password === undefined ? null : await hashChecked(opts.password)
        const updated = await store.transaction(async (tx) => {
          const current = await findUser(tx, id)
          const now = Date.now()
          const next = updateUser(current, input, hash, now)
          // As in Auth0: a changed email is unverified until said otherwise.
          const emailChanged = next.email !== current.email
          const record = emailChanged && opts.emailVerified === undefined ? { ...next, emailVerified: false } : next
          const saved = (await save(tx, record)) ?? record
          if (hash !== null) await signOutEverywhere(tx, current.id, now)
          return saved
        })
        const fields = [...Object.keys(input), ...(hash === null ? [] : ['password'])]
        await recordAdminChange(store, { action: 'user.updated', userId: updated.id, details: { user_name: updated.email, fields } })
        print(opts, presentUser(updated), () =>
          [`Updated user ${updated.email}`, userFields(updated), ...(hash ? ['', 'Password changed: sessions ended and refresh tokens revoked.'] : [])].join('\n'),
        )
      },
      FLAGS,
    ),
  )

  leaf(users, 'delete <id-or-email>', 'Delete a user, their sessions, consents and tokens', (cmd) =>
    cmd.alias('rm').option('--force', 'do not ask for confirmation'),
  ).action((id: string, opts: UserOptions) =>
    run(opts, async (store) => {
      const user = await findUser(store, id)
      await confirm(`Delete user ${user.email} (${user.id})?`, opts.force)
      await store.transaction(async (tx) => {
        await signOutEverywhere(tx, user.id, Date.now())
        if (!(await tx.users.delete(user.id))) throw notFound('user with id or email', id)
      })
      await recordAdminChange(store, { action: 'user.deleted', userId: user.id, details: { user_name: user.email } })
      print(opts, { user_id: user.id, deleted: true }, () => `Deleted user ${user.email} (${user.id})`)
    }),
  )

  for (const [name, blocked] of [
    ['block', true],
    ['unblock', false],
  ] as const) {
    leaf(users, `${name} <id-or-email>`, blocked ? 'Block a user: ends their sessions and revokes their refresh tokens' : 'Unblock a user')
      .action((id: string, opts: CommonOptions) =>
        run(opts, async (store) => {
          const updated = await store.transaction(async (tx) => {
            const now = Date.now()
            const record = updateUser(await findUser(tx, id), { blocked }, null, now)
            const saved = (await save(tx, record)) ?? record
            if (blocked) await signOutEverywhere(tx, record.id, now)
            return saved
          })
          await recordAdminChange(store, { action: blocked ? 'user.blocked' : 'user.unblocked', userId: updated.id, details: { user_name: updated.email } })
          print(opts, presentUser(updated), () => `${blocked ? 'Blocked' : 'Unblocked'} user ${updated.email} (${updated.id})`)
        }),
      )
  }

  registerUserMfa(users)
  registerUserRoles(users)
  registerUserPermissions(users)
}

/** `latchkey users roles …`: the roles a user has outside organizations (by role id or name). */
function registerUserRoles(users: Command): void {
  const roles = users.command('roles').description("A user's roles (outside organizations; members' roles there: latchkey orgs members add --roles)")

  const rolesOf = (store: Store, user: UserRecord) => listAll((page) => store.roles.listForUser(user.id, page))
  const rolesText = (user: UserRecord, all: readonly { id: string; name: string; description: string }[]) =>
    all.length === 0
      ? `${user.email} has no roles: latchkey users roles assign ${user.email} ROLE`
      : table(
          ['ID', 'NAME', 'DESCRIPTION'],
          all.map((r) => [r.id, r.name, r.description || null]),
        )

  leaf(roles, 'assign <id-or-email> <roles...>', 'Give a user roles (by id or name; roles they have already stay)', (cmd) => cmd.alias('add')).action(
    (id: string, refs: string[], opts: CommonOptions) =>
      run(opts, async (store) => {
        const user = await findUser(store, id)
        const given = await resolveRoles(store, refs)
        await store.roles.assign([user.id], given.map((r) => r.id), Date.now())
        await recordAdminChange(store, { action: 'user.roles_assigned', userId: user.id, details: { user_name: user.email, roles: given.map((r) => r.id), role_names: given.map((r) => r.name) } })
        const all = await rolesOf(store, user)
        print(opts, all.map(presentRole), () => `Gave ${user.email} the role${given.length === 1 ? '' : 's'} ${given.map((r) => r.name).join(', ')}\n\n${rolesText(user, all)}`)
      }),
  )

  leaf(roles, 'remove <id-or-email> <roles...>', 'Take roles from a user', (cmd) => cmd.alias('rm')).action((id: string, refs: string[], opts: CommonOptions) =>
    run(opts, async (store) => {
      const user = await findUser(store, id)
      const taken = await Promise.all(refs.map((ref) => findRole(store, ref)))
      const before = await rolesOf(store, user)
      const missing = taken.filter((r) => !before.some((b) => b.id === r.id))
      if (missing.length > 0) throw new CliError(`${user.email} does not have the role ${missing.map((r) => r.name).join(', ')}`)
      await store.roles.unassign(user.id, taken.map((r) => r.id))
      await recordAdminChange(store, { action: 'user.roles_removed', userId: user.id, details: { user_name: user.email, roles: taken.map((r) => r.id), role_names: taken.map((r) => r.name) } })
      const all = await rolesOf(store, user)
      print(opts, all.map(presentRole), () => `Took the role${taken.length === 1 ? '' : 's'} ${taken.map((r) => r.name).join(', ')} from ${user.email}\n\n${rolesText(user, all)}`)
    }),
  )

  leaf(roles, 'list <id-or-email>', "List a user's roles")
    .alias('ls')
    .action((id: string, opts: CommonOptions) =>
      run(opts, async (store) => {
        const user = await findUser(store, id)
        const all = await rolesOf(store, user)
        print(opts, all.map(presentRole), () => rolesText(user, all))
      }),
    )
}

const sameDirect = (p: Permission) => (u: UserPermission) => u.apiIdentifier === p.apiIdentifier && u.name === p.name && u.sources.some((s) => s.type === 'DIRECT')

/** Auth0's user permission: the permission and where it comes from (given directly, or by roles). */
function presentUserPermission(p: UserPermission) {
  return {
    ...presentPermission(p),
    sources: p.sources.map((s) => (s.type === 'DIRECT' ? { source_id: '', source_name: '', source_type: 'DIRECT' } : { source_id: s.roleId, source_name: s.roleName, source_type: 'ROLE' })),
  }
}

function userPermissionsText(user: UserRecord, all: readonly UserPermission[]): string {
  return all.length === 0
    ? `${user.email} has no permissions: latchkey users permissions add ${user.email} --api IDENTIFIER --scopes a,b, or latchkey users roles assign ${user.email} ROLE`
    : table(
        ['API', 'PERMISSION', 'FROM'],
        all.map((p) => [p.apiIdentifier, p.name, p.sources.map((s) => (s.type === 'DIRECT' ? 'direct' : `role ${s.roleName}`))]),
      )
}

/** `latchkey users permissions …`: permissions given to a user directly, and all they have (roles' included). */
function registerUserPermissions(users: Command): void {
  const permissions = users.command('permissions').alias('perms').description("A user's permissions: given directly, or through their roles")
  const permissionsOf = (store: Store, user: UserRecord) => listAll((page) => store.permissions.listForUser(user.id, page))

  leaf(permissions, 'add <id-or-email>', "Give a user permissions directly: scopes of one API (each must be one of the API's scopes)", withPermissionOptions).action(
    (id: string, opts: PermissionOptions) =>
      run(
        opts,
        async (store) => {
          const user = await findUser(store, id)
          const added = await permissionsFrom(store, opts, true)
          await store.permissions.add(user.id, added, Date.now())
          await recordAdminChange(store, { action: 'user.permissions_added', userId: user.id, details: { user_name: user.email, api: added[0]?.apiIdentifier ?? null, scopes: added.map((p) => p.name) } })
          const all = await permissionsOf(store, user)
          print(opts, all.map(presentUserPermission), () => `Gave ${user.email} ${added.map((p) => p.name).join(', ')} (${added[0]?.apiIdentifier})\n\n${userPermissionsText(user, all)}`)
        },
      ),
  )

  leaf(permissions, 'remove <id-or-email>', 'Take permissions given directly from a user (those of their roles stay)', (cmd) => withPermissionOptions(cmd.alias('rm'))).action(
    (id: string, opts: PermissionOptions) =>
      run(opts, async (store) => {
        const user = await findUser(store, id)
        const removed = await permissionsFrom(store, opts, false)
        const before = await permissionsOf(store, user)
        const missing = removed.filter((p) => !before.some(sameDirect(p)))
        if (missing.length > 0) throw new CliError(`${user.email} was not given ${missing.map((p) => p.name).join(', ')} (${missing[0]?.apiIdentifier}) directly`)
        await store.permissions.remove(user.id, removed)
        await recordAdminChange(store, { action: 'user.permissions_removed', userId: user.id, details: { user_name: user.email, api: removed[0]?.apiIdentifier ?? null, scopes: removed.map((p) => p.name) } })
        const all = await permissionsOf(store, user)
        print(opts, all.map(presentUserPermission), () => `Took ${removed.map((p) => p.name).join(', ')} (${removed[0]?.apiIdentifier}) from ${user.email}\n\n${userPermissionsText(user, all)}`)
      }),
  )

  leaf(permissions, 'list <id-or-email>', "List a user's permissions, given directly or through roles (outside organizations)")
    .alias('ls')
    .action((id: string, opts: CommonOptions) =>
      run(opts, async (store) => {
        const user = await findUser(store, id)
        const all = await permissionsOf(store, user)
        print(opts, all.map(presentUserPermission), () => userPermissionsText(user, all))
      }),
    )
}
