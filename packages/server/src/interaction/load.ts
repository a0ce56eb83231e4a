/**
 * Loading the interaction a page belongs to: this browser must own it, a form must carry its token,
 * and the transaction must be at the page's own step (@latchkey/core authorize/interaction-step.ts).
 * Every failure is a page: these URLs are not trusted enough to redirect from.
 */
import { isInteractionStep as isStep, NOT_AT_THIS_STEP, OAuthError, type ApiRecord, type ApplicationRecord, type InteractionRecord, type InteractionStep } from '@latchkey/core'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { browserBinding } from '../http/session.js'
import { formToken, ownsInteraction } from './csrf.js'
import { stepPage } from './screens.js'

export interface LoadedInteraction {
  readonly interaction: InteractionRecord
  readonly app: ApplicationRecord
  readonly api: ApiRecord | null
  /** The form token for this browser and interaction. */
  readonly csrf: string
}

export class InteractionProblem extends OAuthError {
  /** Where this browser's login can carry on, when it can. */
  readonly continueAt: string | null
  constructor(description: string, continueAt: string | null = null) {
    super('invalid_request', description, 400)
    this.continueAt = continueAt
  }
}

const EXPIRED = 'This login page has expired or is not valid. Go back to the application and try again.'

/**
 * The interaction named by `?state=`, owned by this browser and at `step` (or one of the steps).
 * `formTokenValue` is the form's token for a POST (undefined for a GET).
 */
export async function loadInteraction(c: Context, deps: Deps, step: InteractionStep | readonly InteractionStep[], formTokenValue?: string | null): Promise<LoadedInteraction> {
  const id = new URL(c.req.url).searchParams.get('state')
  if (!id || id.length > 64) throw new InteractionProblem(EXPIRED)
  const interaction = await deps.store.interactions.get(id, deps.clock.now())
  if (!interaction) throw new InteractionProblem(EXPIRED)
  const binding = browserBinding(c, deps, false)
  if (!ownsInteraction(binding, id, interaction.csrfHash, formTokenValue))
    throw new InteractionProblem(
      formTokenValue === undefined
        ? 'This login was started in another browser, or cookies are disabled. Go back to the application and try again.'
        : 'The form has expired or was not submitted from this page. Go back to the application and try again.',
    )
  // Only the owner learns where its login stands, and may carry on from there.
  if (typeof step === 'string' ? interaction.step !== step : !step.includes(interaction.step)) {
    const continueAt = isStep(interaction.step) ? `${await stepPage(deps, interaction.step, interaction.request)}?state=${encodeURIComponent(id)}` : null
    throw new InteractionProblem(NOT_AT_THIS_STEP, continueAt)
  }
  const app = await deps.store.applications.get(interaction.request.clientId)
  if (!app) throw new InteractionProblem('The application no longer exists.')
  const audience = interaction.request.audience
  const api = audience === null ? null : await deps.store.apis.findByIdentifier(audience)
  if (audience !== null && !api) throw new InteractionProblem(`Service not found: ${audience}`)
  return { interaction, app, api, csrf: formToken(binding as string, id) }
}
