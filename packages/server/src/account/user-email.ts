/**
 * The variables of an email to a user about their account (verification, reset, the notice after a
 * change, the welcome): the application it was asked from (the issuer when none), the user, and the
 * link, if any. Organization and inviter belong to invitations only.
 */
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import type { Deps } from '../deps.js'
import type { TemplateVariables } from '../email/templates.js'

export function userEmailVariables(deps: Deps, user: UserRecord, app: ApplicationRecord | null, url: string | null): TemplateVariables {
  return { application: { name: app?.name ?? deps.config.issuer }, user: { email: user.email, name: user.name }, url, organization: null, inviter: null, locale: null }
}
