/**
 * `latchkey orgs …`: organizations (Auth0's Organizations), their members and invitations, like
 * `auth0 orgs`. Organizations are named by id (`org_…`) or name; users by id or email. An invitation
 * prints its link once (only the ticket's hash is kept); the app it names must use organizations
 * (`apps update --organization-usage allow|require`). Roles are given by name or id and must exist
 * (`latchkey roles create`); members and invitations keep their ids, and listings show their names.
 * Every change goes to the audit log.
 */
import {
  checkRoles,
  createInvitation,
  createOrganization,
  DEFAULT_INVITATION_TTL_SECONDS,
  findOrganization,
  type InvitationRecord,
  type OrganizationInput,
  type OrganizationMemberRecord,
  type OrganizationRecord,
  organizationLabel,
  updateOrganization,
  type UserRecord,
} from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { type Command, InvalidArgumentError } from 'commander'
import { cliActor } from '../../audit.js'
import { databaseConnectionId, invitationBody, invitationStatus, memberBody, organizationBody } from '../../organizations/shape.js'
import { recordAdminChange } from '../audit.js'
import { fields, iso, table } from '../present.js'
import { CliError, type CommonOptions, confirm, defined, group, leaf, list, listAll, notFound, print, run } from '../run.js'
import { resolveRoles, roleNames } from './roles.js'

interface OrgOptions extends CommonOptions {
  name?: string
  displayName?: string
  logoUrl?: string
  primaryColor?: string
  pageBackgroundColor?: string
  metadata?: Record<string, string | null>
  force?: boolean
}

interface MemberOptions extends CommonOptions {
  user?: string[]
  roles?: string[]
}

interface InviteOptions extends CommonOptions {
  email?: string
  client?: string
  inviter?: string
  roles?: string[]
  ttl?: number
}

const FLAGS = {
  name: '--name',
  displayName: '--display-name',
  'branding.logoUrl': '--logo-url',
  'branding.primaryColor': '--primary-color',
  'branding.pageBackgroundColor': '--page-background-color',
  metadata: '--metadata',
  email: '--email',
  clientId: '--client',
  inviterName: '--inviter',
  ttlSeconds: '--ttl',
}

/** `key=value` pairs, comma-separated or repeated; `key=` removes the key on update. */
function metadata(value: string, previous: Record<string, string | null> | undefined): Record<string, string | null> {
  const out = { ...previous }
  for (const pair of value.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got ${JSON.stringify(pair)}`)
    const v = pair.slice(eq + 1).trim()
    out[pair.slice(0, eq).trim()] = v === '' ? null : v
  }
  return out
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** A duration: seconds, or a number with s, m, h or d (`7d`, `12h`). */
export function duration(value: string): number {
  const match = /^(\d{1,7})\s*([smhd]?)$/.exec(value.trim().toLowerCase())
  if (!match?.[1]) throw new InvalidArgumentError('expected a duration such as 7d, 12h, 30m or 3600 (seconds)')
  return Number(match[1]) * (UNITS[match[2] || 's'] ?? 1)
}

function orgInput(o: OrgOptions): Partial<OrganizationInput> {
  const branding = defined({ logoUrl: o.logoUrl, primaryColor: o.primaryColor, pageBackgroundColor: o.pageBackgroundColor })
  return defined({
    name: o.name,
    displayName: o.displayName,
    branding: Object.keys(branding).length ? branding : undefined,
    metadata: o.metadata,
  })
}

function withOrgOptions(cmd: Command): Command {
  return cmd
    .option('-d, --display-name <name>', 'the name the login page shows (default: the name)')
    .option('--logo-url <url>', 'logo (https URL)')
    .option('--primary-color <hex>', 'primary color, e.g. #0059d6')
    .option('--page-background-color <hex>', 'page background color, e.g. #000000')
    .option('-m, --metadata <key=value>', 'metadata, comma-separated or repeated (on update, key= removes a key)', metadata)
}

/** By id (`org_…`) or name. */
async function findOrg(store: Store, idOrName: string): Promise<OrganizationRecord> {
  const org = await findOrganization(store.organizations, idOrName.trim())
  if (!org) throw notFound('organization with id or name', idOrName)
  return org
}

/** By user_id (`auth0|…`), or by email. */
async function findUser(store: Store, idOrEmail: string): Promise<UserRecord> {
  const user = (await store.users.get(idOrEmail)) ?? (await store.users.findByEmail(idOrEmail.trim()))
  if (!user) throw notFound('user with id or email', idOrEmail)
  return user
}

function orgFields(org: OrganizationRecord, members?: number): string {
  return fields([
    ['id', org.id],
    ['name', org.name],
    ['display name', org.displayName],
    ['logo', org.branding?.logoUrl ?? null],
    ['colors', [org.branding?.primaryColor, org.branding?.pageBackgroundColor].filter((c): c is string => c !== undefined)],
    ['metadata', Object.entries(org.metadata).map(([k, v]) => `${k}=${v}`)],
    ...(members === undefined ? [] : ([['members', members]] as const)),
    ['created', iso(org.createdAt)],
    ['updated', iso(org.updatedAt)],
  ])
}

function invitationRow(inv: InvitationRecord, now: number, names: ReadonlyMap<string, string>) {
  return [inv.id, inv.inviteeEmail, invitationStatus(inv, now), inv.clientId, inv.roles.map((id) => names.get(id) ?? id), iso(inv.expiresAt)] as const
}

/** Role ids (as given, or by name) of existing roles: the ids a membership or an invitation keeps. */
async function roleIds(store: Store, idsOrNames: readonly string[] | undefined): Promise<string[]> {
  return (await resolveRoles(store, checkRoles(idsOrNames))).map((r) => r.id)
}

/** Auth0's member object, its roles with their names. */
function memberJson(member: OrganizationMemberRecord, user: UserRecord | null, names: ReadonlyMap<string, string>) {
  return { ...memberBody(member, user), roles: member.roles.map((id) => ({ id, name: names.get(id) ?? id })) }
}

export function registerOrgs(program: Command): void {
  const orgs = group(program, 'orgs', 'Manage organizations, their members and invitations').alias('organizations')

  leaf(orgs, 'create', 'Create an organization', (cmd) =>
    withOrgOptions(cmd.requiredOption('-n, --name <name>', 'unique name: 3–50 lower-case letters, digits, - or _ (used at /authorize)')),
  ).action((opts: OrgOptions) =>
    run(
      opts,
      async (store) => {
        const org = createOrganization({ ...orgInput(opts), name: opts.name ?? '' }, Date.now())
        await store.organizations.insert(org)
        await recordAdminChange(store, { action: 'organization.created', details: { org_id: org.id, name: org.name } })
        print(opts, organizationBody(org), () => `Created organization ${org.name}\n${orgFields(org)}`)
      },
      FLAGS,
    ),
  )

  leaf(orgs, 'list', 'List organizations')
    .alias('ls')
    .action((opts: CommonOptions) =>
      run(opts, async (store) => {
        const all = await listAll((page) => store.organizations.list(page))
        print(opts, all.map(organizationBody), () =>
          all.length === 0
            ? 'No organizations yet: latchkey orgs create --name NAME'
            : table(
                ['ID', 'NAME', 'DISPLAY NAME'],
                all.map((o) => [o.id, o.name, o.displayName]),
              ),
        )
      }),
    )

  leaf(orgs, 'show <org>', 'Show an organization (by id or name)').action((idOrName: string, opts: CommonOptions) =>
    run(opts, async (store) => {
      const org = await findOrg(store, idOrName)
      const members = await store.organizations.countMembers(org.id)
      print(opts, organizationBody(org), () => orgFields(org, members))
    }),
  )

  leaf(orgs, 'update <org>', 'Change an organization', (cmd) => withOrgOptions(cmd.option('-n, --name <name>', 'new name'))).action(
    (idOrName: string, opts: OrgOptions) =>
      run(
        opts,
        async (store) => {
          const input = orgInput(opts)
          if (Object.keys(input).length === 0) throw new CliError('nothing to update: pass at least one option (see --help)', 2)
          const current = await findOrg(store, idOrName)
          const next = updateOrganization(current, { ...input, ...(input.branding ? { branding: { ...current.branding, ...input.branding } } : {}) }, Date.now())
          const { id, createdAt: _createdAt, ...patch } = next
          const updated = (await store.organizations.update(id, patch)) ?? next
          await recordAdminChange(store, { action: 'organization.updated', details: { org_id: id, name: updated.name, fields: Object.keys(input) } })
          print(opts, organizationBody(updated), () => `Updated organization ${updated.name}\n${orgFields(updated)}`)
        },
        FLAGS,
      ),
  )

  leaf(orgs, 'delete <org>', 'Delete an organization, its memberships and invitations (the users stay)', (cmd) =>
    cmd.alias('rm').option('--force', 'do not ask for confirmation'),
  ).action((idOrName: string, opts: OrgOptions) =>
    run(opts, async (store) => {
      const org = await findOrg(store, idOrName)
      await confirm(`Delete organization ${org.name} (${org.id}), its memberships, invitations and the refresh tokens issued for it?`, opts.force)
      if (!(await store.organizations.delete(org.id))) throw notFound('organization with id or name', idOrName)
      await recordAdminChange(store, { action: 'organization.deleted', details: { org_id: org.id, name: org.name } })
      print(opts, { id: org.id, deleted: true }, () => `Deleted organization ${org.name} (${org.id})`)
    }),
  )

  const members = orgs.command('members').description('Manage the members of an organization')

  leaf(members, 'add <org>', 'Add users to an organization (a member already there gains the roles)', (cmd) =>
    cmd.requiredOption('-u, --user <ids-or-emails>', 'users, by id or email, comma-separated', list).option('-r, --roles <roles>', 'roles (names or ids), comma-separated; each must exist (latchkey roles create)', list),
  ).action((idOrName: string, opts: MemberOptions) =>
    run(opts, async (store) => {
      const org = await findOrg(store, idOrName)
      const roles = await roleIds(store, opts.roles)
      const users = await Promise.all((opts.user ?? []).map((u) => findUser(store, u)))
      if (users.length === 0) throw new CliError('name at least one user with --user', 2)
      const results: { user: UserRecord; member: OrganizationMemberRecord; added: boolean }[] = []
      for (const user of users) {
        const { member, added } = await store.organizations.addMember(org.id, user.id, roles, Date.now())
        await recordAdminChange(store, { action: 'organization.member_added', userId: user.id, details: { org_id: org.id, user_name: user.email, roles: [...member.roles], added } })
        results.push({ user, member, added })
      }
      const names = await roleNames(store, results.flatMap((r) => r.member.roles))
      print(opts, results.map((r) => memberJson(r.member, r.user, names)), () =>
        results
          .map((r) => `${r.added ? 'Added' : 'Already a member:'} ${r.user.email} (${r.user.id}) to ${org.name}${r.member.roles.length ? ` with roles ${r.member.roles.map((id) => names.get(id) ?? id).join(', ')}` : ''}`)
          .join('\n'),
      )
    }),
  )

  leaf(members, 'list <org>', 'List the members of an organization')
    .alias('ls')
    .action((idOrName: string, opts: CommonOptions) =>
      run(opts, async (store) => {
        const org = await findOrg(store, idOrName)
        const all = await listAll((page) => store.organizations.listMembers(org.id, page))
        const users = await Promise.all(all.map((m) => store.users.get(m.userId)))
        const names = await roleNames(store, all.flatMap((m) => m.roles))
        print(opts, all.map((m, i) => memberJson(m, users[i] ?? null, names)), () =>
          all.length === 0
            ? `${org.name} has no members yet: latchkey orgs members add ${org.name} --user EMAIL, or latchkey orgs invite ${org.name} --email EMAIL --client CLIENT_ID`
            : table(
                ['USER_ID', 'EMAIL', 'ROLES', 'SINCE'],
                all.map((m, i) => [m.userId, users[i]?.email ?? null, m.roles.map((id) => names.get(id) ?? id), iso(m.createdAt)]),
              ),
        )
      }),
    )

  leaf(members, 'remove <org>', 'Remove users from an organization (their refresh tokens for it stop working)', (cmd) =>
    cmd.alias('rm').requiredOption('-u, --user <ids-or-emails>', 'users, by id or email, comma-separated', list),
  ).action((idOrName: string, opts: MemberOptions) =>
    run(opts, async (store) => {
      const org = await findOrg(store, idOrName)
      const users = await Promise.all((opts.user ?? []).map((u) => findUser(store, u)))
      const removed: UserRecord[] = []
      for (const user of users) {
        if (!(await store.organizations.removeMember(org.id, user.id))) throw new CliError(`${user.email} is not a member of ${org.name}`)
        await recordAdminChange(store, { action: 'organization.member_removed', userId: user.id, details: { org_id: org.id, user_name: user.email } })
        removed.push(user)
      }
      print(opts, removed.map((u) => ({ user_id: u.id, removed: true })), () => removed.map((u) => `Removed ${u.email} (${u.id}) from ${org.name}`).join('\n'))
    }),
  )

  leaf(orgs, 'invite <org>', 'Invite someone to an organization: prints the invitation link (once)', (cmd) =>
    cmd
      .requiredOption('-e, --email <email>', "the invitee's email address")
      .requiredOption('-c, --client <client_id>', 'the application the invitation link opens (its login URI, or its first callback\'s origin)')
      .option('-i, --inviter <name>', 'who invites, as the invitee sees it (default: your user name)')
      .option('-r, --roles <roles>', 'roles (names or ids) the invitee gets, comma-separated; each must exist (latchkey roles create)', list)
      .option('--ttl <duration>', `how long the link works: 7d, 12h, 3600 (default ${DEFAULT_INVITATION_TTL_SECONDS / 86_400}d; 30d the longest)`, duration),
  ).action((idOrName: string, opts: InviteOptions) =>
    run(
      opts,
      async (store) => {
        const org = await findOrg(store, idOrName)
        const app = await store.applications.get(opts.client ?? '')
        if (!app) throw notFound('application with client_id', opts.client ?? '')
        const inviterName = opts.inviter ?? cliActor().os_user ?? 'An administrator'
        const roles = opts.roles === undefined ? undefined : await roleIds(store, opts.roles)
        const { record, ticket, url } = createInvitation(
          defined({ email: opts.email ?? '', clientId: app.clientId, inviterName, roles, ttlSeconds: opts.ttl }) as Parameters<typeof createInvitation>[0],
          org,
          app,
          Date.now(),
        )
        await store.invitations.insert(record)
        await recordAdminChange(store, {
          action: 'invitation.created',
          clientId: app.clientId,
          details: { org_id: org.id, invitation_id: record.id, invitee: record.inviteeEmail, roles: [...record.roles] },
        })
        print(opts, invitationBody(record, await databaseConnectionId(store), { url, ticket }), () =>
          [
            `Invited ${record.inviteeEmail} to ${organizationLabel(org)} (${record.id}), valid until ${iso(record.expiresAt)}:`,
            '',
            `  ${url}`,
            '',
            'Send this link to the invitee: it is shown only now.',
          ].join('\n'),
        )
      },
      FLAGS,
    ),
  )

  const invitations = orgs.command('invitations').alias('invs').description('Manage the invitations of an organization')

  leaf(invitations, 'list <org>', 'List the invitations of an organization (pending, accepted, expired)')
    .alias('ls')
    .action((idOrName: string, opts: CommonOptions) =>
      run(opts, async (store) => {
        const org = await findOrg(store, idOrName)
        const all = await listAll((page) => store.invitations.listForOrganization(org.id, page))
        const now = Date.now()
        const databaseId = await databaseConnectionId(store)
        const names = await roleNames(store, all.flatMap((inv) => inv.roles))
        print(opts, all.map((inv) => ({ ...invitationBody(inv, databaseId), status: invitationStatus(inv, now) })), () =>
          all.length === 0
            ? `No invitations for ${org.name}: latchkey orgs invite ${org.name} --email EMAIL --client CLIENT_ID`
            : table(['ID', 'EMAIL', 'STATUS', 'CLIENT_ID', 'ROLES', 'EXPIRES'], all.map((inv) => invitationRow(inv, now, names))),
        )
      }),
    )

  leaf(invitations, 'revoke <org> <invitation_id>', 'Revoke (delete) an invitation: its link stops working', (cmd) => cmd.alias('delete')).action(
    (idOrName: string, invitationId: string, opts: CommonOptions) =>
      run(opts, async (store) => {
        const org = await findOrg(store, idOrName)
        const invitation = await store.invitations.get(invitationId)
        if (!invitation || invitation.orgId !== org.id) throw notFound(`invitation of ${org.name} with id`, invitationId)
        if (!(await store.invitations.delete(invitation.id))) throw notFound(`invitation of ${org.name} with id`, invitationId)
        await recordAdminChange(store, { action: 'invitation.revoked', clientId: invitation.clientId, details: { org_id: org.id, invitation_id: invitation.id, invitee: invitation.inviteeEmail } })
        print(opts, { id: invitation.id, deleted: true }, () => `Revoked invitation ${invitation.id} for ${invitation.inviteeEmail}`)
      }),
  )
}
