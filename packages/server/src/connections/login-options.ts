/**
 * How a user may log in to an app: the upstream connections enabled for it (a button each on the
 * login page, Auth0's "Continue with …") and whether it uses the database connection's password
 * (an app that only uses SSO disables it: no password form, and a posted password is refused).
 * A login to an organization offers only what is enabled for both the app and the organization,
 * and a button only for those the organization shows as one (`show_as_button`).
 */
import { type ApplicationRecord, isDatabaseConnection, isPublicProviderStrategy } from '@latchkey/core'
import type { EnabledConnection } from '@latchkey/storage'
import type { Deps } from '../deps.js'

export interface LoginOptions {
  /** Usable: by a button, home-realm discovery or `connection=`. */
  readonly upstream: readonly EnabledConnection[]
  /** Those the login page shows as buttons. */
  readonly buttons: readonly EnabledConnection[]
  readonly password: boolean
}

/** `organization`: the id of the organization being logged in to, if any. */
export async function loginOptions(deps: Deps, app: ApplicationRecord, organization: string | null): Promise<LoginOptions> {
  const enabled = await deps.store.connections.enabledFor(app.clientId)
  const org = organization === null ? null : new Map((await deps.store.organizations.listConnections(organization)).map((c) => [c.connectionId, c]))
  const usable = org ? enabled.filter((c) => org.has(c.id)) : enabled
  const upstream = usable.filter((c) => deps.strategies.get(c.strategy) !== null)
  return {
    upstream,
    buttons: org ? upstream.filter((c) => org.get(c.id)?.showAsButton !== false) : upstream,
    password: usable.some((c) => isDatabaseConnection(c)),
  }
}

/**
 * Home-realm discovery: the connection whose `options.domain_aliases` names the domain of this email
 * address, if one is enabled for the app: an `oidc` or `oauth2` one, never Google's or GitHub's
 * (public providers: anyone's account, whatever the domain).
 */
export function homeRealm(options: LoginOptions, email: string): EnabledConnection | null {
  const at = email.lastIndexOf('@')
  if (at < 1 || at === email.length - 1) return null
  const domain = email.slice(at + 1)
  for (const connection of options.upstream) {
    if (isPublicProviderStrategy(connection.strategy)) continue
    const aliases = connection.options.domain_aliases
    if (Array.isArray(aliases) && aliases.some((alias) => typeof alias === 'string' && alias.trim().toLowerCase() === domain)) return connection
  }
  return null
}

/** The buttons of the login page. */
export function connectionButtons(options: LoginOptions): { name: string; label: string }[] {
  return options.buttons.map((c) => ({ name: c.name, label: c.displayName ?? c.name }))
}
