/**
 * /organizations/{id}/members and their roles, and /users/{id}/organizations, as Auth0 serves them.
 * A member's roles within an organization are roles (/roles) named by id on the membership; a role
 * since deleted no longer shows or counts. Removing a member stops the refresh tokens they hold for
 * the organization (refresh checks membership). Every change goes to the audit log.
 */
import { MAX_ROLES, type OrganizationMemberRecord } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { z } from 'zod'
import { memberBody, memberRoles, organizationBody } from '../../organizations/shape.js'
import { conflict, notFound } from '../errors.js'
import { memberSchema, membersBody, organizationSchema, rolesBody } from '../mappings/organizations.js'
import { presentRole, roleSchema } from '../mappings/roles.js'
import { checkpointSchema, pageAnswer, pagedSchema, pageWindow, slicePage } from '../paging.js'
import { fieldParams, pagingParams, selectFields } from '../query.js'
import { type Resource, route } from '../route.js'
import { findOrg, idParams, listQuery } from './organizations.js'
import { findRoles } from './roles.js'

const memberParams = z.strictObject({ id: idParams.shape.id, user_id: z.string().min(1).max(256).describe('The user_id (auth0|…), URL-encoded.') })
const userParams = z.strictObject({ id: z.string().min(1).max(256).describe('The user_id (auth0|…), URL-encoded.') })
const membersQuery = z.strictObject({ ...listQuery.shape, ...fieldParams })

const NOT_A_MEMBER = () => notFound('The user is not a member of the organization.', 'inexistent_member')
const NO_USER = (id: string) => notFound(`The user ${JSON.stringify(id.slice(0, 256))} does not exist.`, 'inexistent_user')
const ERRORS_404 = { 404: 'No such organization, user or membership.' }

/** The member's roles that exist, in the order given. */
async function rolesOf(store: Store, member: OrganizationMemberRecord) {
  return (await store.roles.getMany(member.roles)).map(presentRole)
}

export const organizationMembers: Resource = {
  tag: 'organization-members',
  description: 'The members of organizations and the roles they have there.',
  routes: [
    route({
      method: 'get',
      path: '/organizations/:id/members',
      summary: 'List the members of an organization',
      scopes: ['read:organization_members'],
      params: idParams,
      query: membersQuery,
      answer: {
        status: 200,
        description: 'Offset paging: oldest membership first. Checkpoint paging (from/take): by user id, with `next` while more remain.',
        schema: z.union([pagedSchema('members', memberSchema), checkpointSchema('members', memberSchema)]),
      },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        const org = await findOrg(deps.store, params.id)
        const present = async (members: OrganizationMemberRecord[]) => {
          const [users, roles] = await Promise.all([Promise.all(members.map((m) => deps.store.users.get(m.userId))), memberRoles(deps.store, members)])
          return members.map((m, i) => selectFields(memberBody(m, users[i] ?? null, roles), query))
        }
        if (query.from !== undefined || query.take !== undefined) {
          const page = await deps.store.organizations.listMembersFrom(org.id, { ...(query.from ? { from: query.from } : {}), take: query.take ?? 50 })
          return { status: 200, body: { members: await present(page.items), ...(page.next ? { next: page.next } : {}) } }
        }
        const rows = await deps.store.organizations.listMembers(org.id, pageWindow(query))
        return pageAnswer('members', query, await present(rows), () => deps.store.organizations.countMembers(org.id))
      },
    }),
    route({
      method: 'post',
      path: '/organizations/:id/members',
      summary: 'Add members to an organization',
      scopes: ['create:organization_members'],
      params: idParams,
      body: membersBody,
      answer: { status: 204, description: 'Added (users already members stay as they are).' },
      errors: ERRORS_404,
      async handle({ deps, params, body, audit }) {
        const org = await findOrg(deps.store, params.id)
        const users = await Promise.all(body.members.map(async (id) => (await deps.store.users.get(id)) ?? Promise.reject(NO_USER(id))))
        for (const user of users) {
          const { added } = await deps.store.organizations.addMember(org.id, user.id, [], deps.clock.now())
          if (added)
            await audit.change({ action: 'organization.member_added', description: 'Add a member to an organization', userId: user.id, details: { org_id: org.id, user_name: user.email } })
        }
        return { status: 204 }
      },
    }),
    route({
      method: 'delete',
      path: '/organizations/:id/members',
      summary: 'Remove members from an organization (their refresh tokens for it stop working)',
      scopes: ['delete:organization_members'],
      params: idParams,
      body: membersBody,
      answer: { status: 204, description: 'Removed (users who were not members are ignored, as Auth0 does).' },
      errors: ERRORS_404,
      async handle({ deps, params, body, audit }) {
        const org = await findOrg(deps.store, params.id)
        for (const userId of new Set(body.members)) {
          if (await deps.store.organizations.removeMember(org.id, userId))
            await audit.change({ action: 'organization.member_removed', description: 'Remove a member from an organization', userId, details: { org_id: org.id } })
        }
        return { status: 204 }
      },
    }),
    route({
      method: 'get',
      path: '/organizations/:id/members/:user_id/roles',
      summary: 'List the roles of a member',
      scopes: ['read:organization_member_roles'],
      params: memberParams,
      query: z.strictObject(pagingParams),
      answer: { status: 200, description: 'The roles the member has in the organization (deleted roles left out).', schema: pagedSchema('roles', roleSchema) },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        const org = await findOrg(deps.store, params.id)
        const member = await deps.store.organizations.getMember(org.id, params.user_id)
        if (!member) throw NOT_A_MEMBER()
        const roles = await rolesOf(deps.store, member)
        return pageAnswer('roles', query, slicePage(roles, query), async () => roles.length)
      },
    }),
    route({
      method: 'post',
      path: '/organizations/:id/members/:user_id/roles',
      summary: 'Give a member roles',
      scopes: ['create:organization_member_roles'],
      params: memberParams,
      body: rolesBody,
      answer: { status: 204, description: 'The roles were added to the member\'s.' },
      errors: { ...ERRORS_404, 400: 'A role does not exist (inexistent_role).', 409: `The member would have more than ${MAX_ROLES} roles (too_many_roles).` },
      async handle({ deps, params, body, audit }) {
        const org = await findOrg(deps.store, params.id)
        const member = await deps.store.organizations.getMember(org.id, params.user_id)
        if (!member) throw NOT_A_MEMBER()
        const added = await findRoles(deps.store, body.roles, 400)
        const roles = [...new Set([...member.roles, ...added.map((r) => r.id)])]
        if (roles.length > MAX_ROLES) throw conflict(`No more roles can be assigned to this organization member: at most ${MAX_ROLES}.`, 'too_many_roles')
        await deps.store.organizations.setMemberRoles(org.id, member.userId, roles)
        await audit.change({ action: 'organization.member_roles_updated', description: 'Give a member roles', userId: member.userId, details: { org_id: org.id, roles } })
        return { status: 204 }
      },
    }),
    route({
      method: 'delete',
      path: '/organizations/:id/members/:user_id/roles',
      summary: 'Take roles from a member',
      scopes: ['delete:organization_member_roles'],
      params: memberParams,
      body: rolesBody,
      answer: { status: 204, description: 'The roles were removed from the member\'s.' },
      errors: ERRORS_404,
      async handle({ deps, params, body, audit }) {
        const org = await findOrg(deps.store, params.id)
        const member = await deps.store.organizations.getMember(org.id, params.user_id)
        if (!member) throw NOT_A_MEMBER()
        const roles = member.roles.filter((role) => !body.roles.includes(role))
        await deps.store.organizations.setMemberRoles(org.id, member.userId, roles)
        await audit.change({ action: 'organization.member_roles_updated', description: 'Take roles from a member', userId: member.userId, details: { org_id: org.id, roles } })
        return { status: 204 }
      },
    }),
    route({
      method: 'get',
      path: '/users/:id/organizations',
      summary: 'List the organizations a user belongs to',
      scopes: ['read:organizations', 'read:users'],
      params: userParams,
      query: z.strictObject(pagingParams),
      answer: { status: 200, description: 'The user\'s organizations, oldest membership first.', schema: pagedSchema('organizations', organizationSchema) },
      errors: { 404: 'No such user (inexistent_user).' },
      async handle({ deps, params, query }) {
        if (!(await deps.store.users.get(params.id))) throw NO_USER(params.id)
        const all = (await deps.store.organizations.listForUser(params.id)).map(organizationBody)
        return pageAnswer('organizations', query, slicePage(all, query), async () => all.length)
      },
    }),
  ],
}
