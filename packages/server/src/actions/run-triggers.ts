/**
 * Where the login pipeline and the token endpoint meet the Actions: each trigger's event built from
 * what the caller knows (events.ts), the trigger run (action-runner.ts), what the actions asked of
 * the user (metadata) applied to the store, and the runs summarised for the audit event. With no
 * action bound to a trigger, nothing here reads the store.
 */
import type { ActionOutcome, ApiRecord, ApplicationRecord, AuthorizationRequest, AuditDetail, GrantActions, OrganizationRecord, RoleRecord, UserRecord } from '@latchkey/core'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { clientIp } from '../http/client-ip.js'
import type { ActionReport, TriggerResult } from './action-runner.js'
import { credentialsExchangeEvent, postChangePasswordEvent, postLoginEvent, type PostLoginFacts, preUserRegistrationEvent, type RequestFacts } from './events.js'

const NOTHING: TriggerResult = { outcome: { denied: null, idTokenClaims: {}, accessTokenClaims: {}, addScopes: [], removeScopes: [], appMetadata: {}, userMetadata: {}, multifactor: null }, reports: [] }

/** The runs, as audit details: `actions` (name, result, time) and `action_logs` (their console lines, clipped by the recorder). */
export function actionDetails(reports: readonly ActionReport[]): Record<string, AuditDetail> {
  if (reports.length === 0) return {}
  return {
    actions: reports.map((r) => `${r.actionName} v${r.version}: ${r.ok ? 'ok' : `${r.failure}: ${r.error ?? ''}`} (${r.ms} ms)`),
    action_logs: reports.flatMap((r) => [...r.logs.map((line) => `${r.actionName}: ${line}`), ...r.notes.map((note) => `${r.actionName}: ${note}`)]),
  }
}

/** Keys set by actions merged into metadata (null removes a key). */
function mergeMetadata(current: Readonly<Record<string, unknown>> | undefined, changes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const next: Record<string, unknown> = { ...(current ?? {}) }
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete next[key]
    else next[key] = value
  }
  return next
}

/** What the actions set in the user's metadata, as a patch (empty when nothing). */
function metadataPatch(user: UserRecord, outcome: ActionOutcome): Partial<Pick<UserRecord, 'appMetadata' | 'userMetadata'>> {
  return {
    ...(Object.keys(outcome.appMetadata).length > 0 ? { appMetadata: mergeMetadata(user.appMetadata, outcome.appMetadata) } : {}),
    ...(Object.keys(outcome.userMetadata).length > 0 ? { userMetadata: mergeMetadata(user.userMetadata, outcome.userMetadata) } : {}),
  }
}

/** The metadata the actions set, written in one update. */
async function applyMetadata(deps: Deps, user: UserRecord, outcome: ActionOutcome): Promise<void> {
  const patch = metadataPatch(user, outcome)
  if (Object.keys(patch).length > 0) await deps.store.users.update(user.id, { ...patch, updatedAt: deps.clock.now() })
}

/** The user's roles as `event.authorization.roles` shows them: their own, and within the organization. */
async function rolesOf(deps: Deps, user: UserRecord, organization: OrganizationRecord | null): Promise<RoleRecord[]> {
  const own = await deps.store.roles.listForUser(user.id, { perPage: 100 })
  if (!organization) return own
  const member = await deps.store.organizations.getMember(organization.id, user.id)
  const inOrg = member ? await deps.store.roles.getMany(member.roles) : []
  return [...own, ...inOrg.filter((r) => !own.some((o) => o.id === r.id))]
}

const tenantOf = (deps: Deps) => new URL(deps.config.issuer).host

/** post-login: at the end of a login (the code's issue) and at every refresh. Applies metadata. */
export async function runPostLogin(deps: Deps, facts: Omit<PostLoginFacts, 'roles' | 'tenant'>): Promise<TriggerResult> {
  const bound = await deps.actions.bound('post-login')
  if (bound.length === 0) return NOTHING
  // `event.authorization.roles` costs a query: read only when some action's code names it (a
  // property read in any form spells the word, so no action that reads it goes without).
  const roles = bound.some((a) => a.deployed.code.includes('authorization')) ? await rolesOf(deps, facts.user, facts.organization) : null
  const result = await deps.actions.run('post-login', postLoginEvent({ ...facts, roles, tenant: tenantOf(deps) }))
  if (!result.outcome.denied) await applyMetadata(deps, facts.user, result.outcome)
  return result
}

/** post-login at /authorize (or a login page's POST): the request's facts from the browser's request. */
export async function postLoginAtAuthorize(
  c: Context,
  deps: Deps,
  p: { readonly request: AuthorizationRequest; readonly app: ApplicationRecord; readonly api: ApiRecord | null; readonly user: UserRecord; readonly amr: readonly string[]; readonly authTime: number },
): Promise<TriggerResult> {
  if ((await deps.actions.bound('post-login')).length === 0) return NOTHING
  const organization = p.request.organization === null ? null : await deps.store.organizations.get(p.request.organization)
  const connection = p.user.connection ? await deps.store.connections.findByName(p.user.connection) : null
  const query: Record<string, string> = {
    client_id: p.app.clientId,
    redirect_uri: p.request.redirectUri,
    scope: p.request.scope.join(' '),
    response_type: 'code',
    ...(p.request.audience ? { audience: p.request.audience } : {}),
    ...(p.request.organization ? { organization: p.request.organization } : {}),
  }
  return runPostLogin(deps, {
    user: p.user,
    app: p.app,
    api: p.api,
    scope: p.request.scope,
    organization,
    request: { ip: clientIp(c, deps.config.trustProxy), userAgent: c.req.header('user-agent'), hostname: new URL(c.req.url).hostname, method: c.req.method, query },
    protocol: 'oidc-basic-profile',
    redirectUri: p.request.redirectUri,
    amr: p.amr,
    authTime: p.authTime,
    connection: connection ? { id: connection.id, name: connection.name, strategy: connection.strategy } : null,
  })
}

/** The token endpoint's actions for one request (core's GrantActions), audited with the request's origin. */
export function grantActions(deps: Deps, origin: { readonly ip: string | null; readonly userAgent: string | undefined }): GrantActions {
  const request: RequestFacts = { ip: origin.ip, userAgent: origin.userAgent, hostname: new URL(deps.config.issuer).hostname, method: 'POST' }
  return {
    async postLogin(input) {
      const result = await runPostLogin(deps, {
        user: input.user,
        app: input.client,
        api: input.api,
        scope: input.scope,
        organization: input.organization,
        request,
        protocol: 'oauth2-refresh-token',
        amr: input.amr,
        authTime: input.authTime,
        connection: null,
      })
      await recordRuns(deps, 'post-login', input.client, input.user.id, result)
      return result.outcome
    },
    async credentialsExchange(input) {
      if ((await deps.actions.bound('credentials-exchange')).length === 0) return NOTHING.outcome
      const result = await deps.actions.run('credentials-exchange', credentialsExchangeEvent({ app: input.client, api: input.api, scope: input.scope, request, tenant: tenantOf(deps) }))
      await recordRuns(deps, 'credentials-exchange', input.client, null, result)
      return result.outcome
    },
  }
}

/**
 * A trigger that ran at the token endpoint: one log line with each run and, when one failed or
 * denied, the actions' console output (the token endpoint's own audit event carries the reason,
 * which names the action).
 */
async function recordRuns(
  deps: Deps,
  trigger: string,
  app: ApplicationRecord,
  userId: string | null,
  result: TriggerResult,
): Promise<void> {
  if (result.reports.length === 0) return
  const denied = result.outcome.denied
  const details = actionDetails(result.reports)
  if (denied) deps.log.warn({ client_id: app.clientId, user_id: userId, trigger, action: denied.action, ...details }, 'actions refused the token')
  else deps.log.debug({ client_id: app.clientId, user_id: userId, trigger, actions: details.actions }, 'actions ran')
}

/**
 * pre-user-registration, before a new user of the database connection is stored (the sign-up page
 * and /dbconnections/signup): the user as they will be stored, with the metadata the actions set,
 * or the denial (its `userMessage` is what the person signing up may read).
 */
export async function runPreUserRegistration(
  deps: Deps,
  p: { readonly user: UserRecord; readonly app: ApplicationRecord; readonly request: RequestFacts },
): Promise<{ readonly user: UserRecord; readonly denied: ActionOutcome['denied']; readonly reports: readonly ActionReport[] }> {
  if ((await deps.actions.bound('pre-user-registration')).length === 0) return { user: p.user, denied: null, reports: [] }
  const result = await deps.actions.run('pre-user-registration', preUserRegistrationEvent({ user: p.user, app: p.app, request: p.request, tenant: tenantOf(deps), connection: p.user.connection }))
  const { denied } = result.outcome
  return { user: denied ? p.user : { ...p.user, ...metadataPatch(p.user, result.outcome) }, denied, reports: result.reports }
}

/**
 * post-change-password, after a password changed (a reset link): informational, as Auth0's is; a
 * failing action is logged with its output and changes nothing.
 */
export async function runPostChangePassword(deps: Deps, p: { readonly user: UserRecord; readonly request: RequestFacts }): Promise<void> {
  if ((await deps.actions.bound('post-change-password')).length === 0) return
  const result = await deps.actions.run('post-change-password', postChangePasswordEvent({ user: p.user, request: p.request, tenant: tenantOf(deps) }))
  const failed = result.reports.filter((r) => !r.ok)
  if (failed.length > 0) deps.log.warn({ user_id: p.user.id, trigger: 'post-change-password', ...actionDetails(result.reports) }, 'an action failed after a password change')
}

/** `event.request` from a browser's or an app's request. */
export function requestFacts(c: Context, deps: Deps): RequestFacts {
  return { ip: clientIp(c, deps.config.trustProxy), userAgent: c.req.header('user-agent'), hostname: new URL(c.req.url).hostname, method: c.req.method }
}
