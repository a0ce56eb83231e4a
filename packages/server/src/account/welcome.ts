/**
 * The welcome email (Auth0's `welcome_email`): sent after a sign-up when the deployment turns it on
 * (LATCHKEY_WELCOME_EMAIL=on; off by default, as at Auth0), through the outbox.
 */
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import type { Deps } from '../deps.js'
import { userEmailVariables } from './user-email.js'

export async function sendWelcomeEmail(deps: Deps, user: UserRecord, app: ApplicationRecord | null): Promise<void> {
  if (!deps.config.email.welcome || !deps.email.available || user.email === '') return
  await deps.email.enqueue({
    template: 'welcome_email',
    to: user.email,
    userId: user.id,
    variables: userEmailVariables(deps, user, app, app?.initiateLoginUri ?? null),
  })
}
