/**
 * Loading the interaction a login or consent page belongs to, and checking this browser owns it.
 * Every failure is a page: these URLs are not trusted enough to redirect from.
 */
import { OAuthError, type ApiRecord, type ApplicationRecord, type InteractionRecord } from '@latchkey/core'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { browserBinding } from '../http/session.js'
import { formToken, ownsInteraction } from './csrf.js'

export interface LoadedInteraction {
  readonly interaction: InteractionRecord
  readonly app: ApplicationRecord
  readonly api: ApiRecord | null
  /** The form token for this browser and interaction. */
  readonly csrf: string
}

export class InteractionProblem extends OAuthError {
  constructor(description: string) {
    super('invalid_request', description, 400)
  }
}

const EXPIRED = 'This login page has expired or is not valid. Go back to the application and try again.'

export async function loadInteraction(c: Context, deps: Deps, formTokenValue?: string | null): Promise<LoadedInteraction> {
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
  const app = await deps.store.applications.get(interaction.request.clientId)
  if (!app) throw new InteractionProblem('The application no longer exists.')
  const audience = interaction.request.audience
  const api = audience === null ? null : await deps.store.apis.findByIdentifier(audience)
  if (audience !== null && !api) throw new InteractionProblem(`Service not found: ${audience}`)
  return { interaction, app, api, csrf: formToken(binding as string, id) }
}
