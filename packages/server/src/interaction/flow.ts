/**
 * Moving an accepted authorization request forward: to the organization prompt, the login (or
 * sign-up) page, the consent page, or to the app with a code. /authorize and every form POST end
 * here, so the rules (nextStep in @latchkey/core) are applied in one place.
 */
import {
  AccessDenied,
  acrFor,
  tokenChangesOf,
  consentSkippable,
  issueCode,
  randomToken,
  nextStep,
  OAuthError,
  type ApiRecord,
  type ApplicationRecord,
  type AuthorizationRequest,
  type InteractionRecord,
  type NextStep,
} from '@latchkey/core'
import type { InteractionChanges } from '@latchkey/storage'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { deliverCode, deliverError, type ResponseTarget } from '../http/authorization-response.js'
import { browserBinding, type ActiveSession } from '../http/session.js'
import { errorPage } from '../views/message.js'
import { pageResponse } from '../http/page-headers.js'
import { actionSecondFactorStep, secondFactorStep } from '../mfa/requirement.js'
import { bindingHash } from './csrf.js'
import { InteractionProblem } from './load.js'
import { codeIssuedEvent } from './code-audit.js'
import { joinOnLogin, loginConnectionId, organizationConnection } from './organization-access.js'
import { stepPage } from './screens.js'
import { actionDetails, postLoginAtAuthorize } from '../actions/run-triggers.js'
import type { TriggerResult } from '../actions/action-runner.js'

export interface Proceed {
  readonly request: AuthorizationRequest
  readonly app: ApplicationRecord
  readonly api: ApiRecord | null
  readonly session: ActiveSession | null
  /** The transaction, as loaded at the step whose page is answering (null from /authorize). */
  readonly interaction: InteractionRecord | null
  /** What answering the step changed: the authentication within it, the organization chosen. */
  readonly changes?: InteractionChanges
  readonly consentedNow?: boolean
  readonly afterPost: boolean
}

const ALREADY_COMPLETED = 'This login has already been completed or has moved on. Go back to the application and start again.'

export function targetOf(request: AuthorizationRequest, app: ApplicationRecord): ResponseTarget {
  return { redirectUri: request.redirectUri, responseMode: request.responseMode, state: request.state, app }
}

export function showError(c: Context, error: OAuthError, status = 400) {
  const continueAt = error instanceof InteractionProblem ? error.continueAt : null
  return pageResponse(c, errorPage(error.error, error.description, continueAt), status)
}

export async function proceed(c: Context, deps: Deps, p: Proceed): Promise<Response> {
  const { request, app, api, interaction } = p
  const now = deps.clock.now()
  // Into an organization only through a connection enabled for it: a session that came another way
  // counts as none (the login page asks again; completeLogin refused a new login that did). One
  // whose connection assigns membership makes its user a member.
  let session = p.session
  let isMember = false
  if (request.organization !== null && session !== null) {
    const enabled = await organizationConnection(deps, request.organization, await loginConnectionId(deps, session.user, session.record.upstream?.connectionId ?? null))
    if (!enabled) session = null
    else {
      isMember = await deps.store.organizations.isMember(request.organization, session.user.id)
      if (!isMember && enabled.assignMembershipOnLogin) isMember = await joinOnLogin(c, deps, app.clientId, enabled, session.user)
    }
  }
  const target = targetOf(request, app)
  // No remembered consent to read when the app skips consent for this API.
  const consent = session && !consentSkippable(app, api) ? await deps.store.consents.find(session.user.id, app.clientId, request.audience ?? '') : null
  const authenticated =
    p.changes?.authenticated ??
    (interaction?.userId != null ? { userId: interaction.userId, sessionSid: interaction.sessionSid, authTime: interaction.authTime } : null)
  const authenticatedNow = authenticated !== null && session !== null && session.user.id === authenticated.userId && session.record.sid === authenticated.sessionSid

  let step: NextStep
  try {
    const mfa = await secondFactorStep(c, deps, { app, request, session })
    step = nextStep({ request, app, api, session, consent, authenticatedNow, consentedNow: p.consentedNow ?? false, isMember, now, mfa })
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err
    if (interaction) await deps.store.interactions.take(interaction.id, interaction.step, now)
    if (err.error === 'access_denied' && request.organization !== null && session) {
      deps.log.info({ client_id: app.clientId, user_id: session.user.id, org_id: request.organization }, 'login refused: not a member of the organization')
      await deps.audit.record(c, { type: 'f', clientId: app.clientId, userId: session.user.id, details: { user_name: session.user.email, org_id: request.organization, reason: 'user is not part of the organization' } })
    }
    return deliverError(c, deps, target, err, p.afterPost)
  }

  // post-login: the last word before the code, on every login and every silent re-authentication. An
  // action may ask for a second factor: then the login goes to that step first, and comes back here.
  let actions: TriggerResult | null = null
  if (step === 'issue' && session) {
    actions = await postLoginAtAuthorize(c, deps, { request, app, api, user: session.user, amr: session.record.amr ?? [], authTime: session.record.authTime })
    const asked = actions.outcome.multifactor
    if (asked && !actions.outcome.denied) {
      const mfa = await actionSecondFactorStep(c, deps, session, asked.options)
      if (mfa !== 'none') step = mfa === 'challenge' ? 'mfa' : 'mfa_enroll'
    }
  }

  if (step === 'issue') {
    // nextStep issues only to a session (no session always needs a login).
    if (!session || !actions) throw new Error('nextStep answered issue without a session')
    // The transaction ends here, once: only the request that still finds it at its step issues a code.
    if (interaction && !(await deps.store.interactions.take(interaction.id, interaction.step, now))) return showError(c, new OAuthError('invalid_request', ALREADY_COMPLETED))
    const amr = session.record.amr ?? []
    if (actions.outcome.denied) {
      const { reason, action } = actions.outcome.denied
      deps.log.info({ client_id: app.clientId, user_id: session.user.id, action }, 'login refused by an action')
      await deps.audit.record(c, { type: 'f', clientId: app.clientId, userId: session.user.id, details: { user_name: session.user.email, reason, action, ...actionDetails(actions.reports) } })
      return deliverError(c, deps, target, new AccessDenied(reason), p.afterPost)
    }
    const issued = issueCode({ request, userId: session.user.id, authTime: session.record.authTime, sid: session.record.sid, now, amr, acr: acrFor(amr, request.acrValues) })
    const changes = tokenChangesOf(actions.outcome)
    const { code } = issued
    const record = changes ? { ...issued.record, tokenChanges: changes } : issued.record
    await deps.store.authorizationCodes.insert(record)
    await deps.audit.record(c, codeIssuedEvent(record, request))
    return deliverCode(c, deps, target, code, p.afterPost)
  }

  let id: string
  if (interaction) {
    // Onwards from the step that answered to the next one, as one compare-and-set: a step answered
    // twice (or in parallel) moves the transaction once.
    id = interaction.id
    if (!(await deps.store.interactions.advance(id, interaction.step, step, p.changes ?? {}, now))) return showError(c, new OAuthError('invalid_request', ALREADY_COMPLETED))
  } else {
    const binding = browserBinding(c, deps, true) as string
    id = randomToken(24)
    await deps.store.interactions.insert({
      id,
      csrfHash: bindingHash(binding),
      step,
      request,
      userId: null,
      sessionSid: null,
      authTime: null,
      createdAt: now,
      expiresAt: now + deps.config.interactionSeconds * 1000,
    })
  }
  return c.redirect(`${await stepPage(deps, step, request)}?state=${encodeURIComponent(id)}`, p.afterPost ? 303 : 302)
}
