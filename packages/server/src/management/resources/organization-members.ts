/**
 * /organizations/{id}/members and their roles, and /users/{id}/organizations, as Auth0 serves them.
 * Latchkey's roles are names given per membership (no role objects): a role's id is its name.
 * Removing a member stops the refresh tokens they hold for the organization (refresh checks
 * membership). Every change goes to the audit log.
 */
import { checkRoles, type OrganizationMemberRecord } from '@latchkey/core'
import { z } from 'zod'
import { memberBody, organizationBody } from '../../organizations/shape.js'
import { notFound, registration } from '../errors.js'
import { memberSchema, membersBody, ORGANIZATION_FIELD_NAMES, organizationSchema, roleSchema, rolesBody } from '../mappings/organizations.js'
import { checkpointSchema, pageAnswer, pagedSchema, pageWindow, slicePage } from '../paging.js'
import { fieldParams, pagingParams, selectFields } from '../query.js'
import { type Resource, route } from '../route.js'
import { findOrg, idParams, listQuery } from './organizations.js'

const memberParams = z.strictObject({ id: idParams.shape.id, user_id: z.string().min(1).max(256).describe('The user_id (auth0|…), URL-encoded.') })
const userParams = z.strictObject({ id: z.string().min(1).max(256).describe('The user_id (auth0|…), URL-encoded.') })
const membersQuery = z.strictObject({ ...listQuery.shape, ...fieldParams })

const NOT_A_MEMBER = () => notFound('The user is not a member of the organization.', 'inexistent_member')
const NO_USER = (id: string) => notFound(`The user ${JSON.stringify(id.slice(0, 256))} does not exist.`, 'inexistent_user')
const ERRORS_404 = { 404: 'No such organization, user or membership.' }

function rolesOf(member: OrganizationMemberRecord) {
  return member.roles.map((role) => ({ id: role, name: role, description: '' }))
}

export const organizationMembers: Resource = {
  tag: 'organization-members',
  description: 'The members of organizations and the role names they hold there.',
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
          const users = await Promise.all(members.map((m) => deps.store.users.get(m.userId)))
          return members.map((m, i) => selectFields(memberBody(m, users[i] ?? null), query))
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
      answer: { status: 200, description: 'The roles (a role\'s id is its name).', schema: pagedSchema('roles', roleSchema) },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        const org = await findOrg(deps.store, params.id)
        const member = await deps.store.organizations.getMember(org.id, params.user_id)
        if (!member) throw NOT_A_MEMBER()
        const roles = rolesOf(member)
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
      errors: ERRORS_404,
      async handle({ deps, params, body, audit }) {
        const org = await findOrg(deps.store, params.id)
        const member = await deps.store.organizations.getMember(org.id, params.user_id)
        if (!member) throw NOT_A_MEMBER()
        const roles = registration(ORGANIZATION_FIELD_NAMES, () => checkRoles([...member.roles, ...body.roles]))
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
