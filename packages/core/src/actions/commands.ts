/**
 * What an action asked for, and what it means. An action's `api` calls are recorded in order as
 * commands (the runtime runs the code elsewhere); here they become one outcome per run of a trigger,
 * checked against what no action may change:
 * - the claims that make a token what it is (issuer, subject, audience, lifetimes, the client, the
 *   session, the organization, the binding, the grant, scope and permissions) cannot be set: such a
 *   call is ignored and noted in the action's log, as Auth0 ignores it;
 * - `access.deny` ends the trigger: later actions do not run, and the caller refuses the login or
 *   the token with the reason;
 * - scope changes apply to the access token only and never add a scope the API does not define.
 */
import type { ActionTrigger } from './triggers.js'

export type ActionCommand =
  | { readonly kind: 'access.deny'; readonly reason: string; readonly code?: string; readonly userMessage?: string }
  | { readonly kind: 'idToken.setCustomClaim' | 'accessToken.setCustomClaim'; readonly name: string; readonly value: unknown }
  | { readonly kind: 'accessToken.addScope' | 'accessToken.removeScope'; readonly scope: string }
  | { readonly kind: 'user.setAppMetadata' | 'user.setUserMetadata'; readonly name: string; readonly value: unknown }
  | { readonly kind: 'multifactor.enable'; readonly provider: string; readonly options: unknown }
  | { readonly kind: 'cache.set'; readonly key: string; readonly value: string; readonly expiresAt: number }
  | { readonly kind: 'cache.delete'; readonly key: string }

/** Claims no action may set, in either token (RFC 7519, OpenID Connect Core, RFC 9068, Auth0's own). */
export const PROTECTED_CLAIMS: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'azp', 'client_id', 'auth_time', 'nonce', 'acr', 'amr', 'sid', 'at_hash', 'c_hash',
  'scope', 'permissions', 'gty', 'cnf', 'grant_id', 'org_id', 'org_name', 'typ', 'act', 'may_act',
])

/** What the actions of one trigger, run in order, decided together. */
export interface ActionOutcome {
  /** Set when an action denied: the reason (Auth0's `error_description`) and, for credentials-exchange, the OAuth error code. */
  readonly denied: { readonly reason: string; readonly code?: string; readonly userMessage?: string; readonly action: string } | null
  readonly idTokenClaims: Readonly<Record<string, unknown>>
  readonly accessTokenClaims: Readonly<Record<string, unknown>>
  readonly addScopes: readonly string[]
  readonly removeScopes: readonly string[]
  /** Top-level keys to set (null removes the key), as Auth0's setAppMetadata/setUserMetadata. */
  readonly appMetadata: Readonly<Record<string, unknown>>
  readonly userMetadata: Readonly<Record<string, unknown>>
  readonly multifactor: { readonly provider: string; readonly options: unknown } | null
}

export const EMPTY_OUTCOME: ActionOutcome = {
  denied: null,
  idTokenClaims: {},
  accessTokenClaims: {},
  addScopes: [],
  removeScopes: [],
  appMetadata: {},
  userMetadata: {},
  multifactor: null,
}

/**
 * Folds one action's commands into the outcome so far. Returns the new outcome and the notes to add
 * to that action's log (calls that were ignored, and why).
 */
export function applyCommands(
  trigger: ActionTrigger,
  outcome: ActionOutcome,
  action: string,
  commands: readonly ActionCommand[],
): { outcome: ActionOutcome; notes: string[] } {
  const notes: string[] = []
  const id = { ...outcome.idTokenClaims }
  const access = { ...outcome.accessTokenClaims }
  const add = new Set(outcome.addScopes)
  const remove = new Set(outcome.removeScopes)
  const app = { ...outcome.appMetadata }
  const user = { ...outcome.userMetadata }
  let multifactor = outcome.multifactor
  let denied = outcome.denied
  for (const command of commands) {
    if (denied) break
    switch (command.kind) {
      case 'access.deny':
        denied = { reason: command.reason, action, ...(command.code !== undefined ? { code: command.code } : {}), ...(command.userMessage !== undefined ? { userMessage: command.userMessage } : {}) }
        break
      case 'idToken.setCustomClaim':
      case 'accessToken.setCustomClaim': {
        const target = command.kind === 'idToken.setCustomClaim' ? id : access
        if (PROTECTED_CLAIMS.has(command.name) || command.name === '') notes.push(`${command.kind}(${JSON.stringify(command.name)}) ignored: a claim no action may set`)
        else target[command.name] = command.value
        break
      }
      case 'accessToken.addScope':
        remove.delete(command.scope)
        add.add(command.scope)
        break
      case 'accessToken.removeScope':
        add.delete(command.scope)
        remove.add(command.scope)
        break
      case 'user.setAppMetadata':
        app[command.name] = command.value
        break
      case 'user.setUserMetadata':
        user[command.name] = command.value
        break
      case 'multifactor.enable':
        multifactor = { provider: command.provider, options: command.options }
        break
      case 'cache.set':
      case 'cache.delete':
        break
    }
  }
  if (trigger !== 'post-login' && (add.size > 0 || remove.size > 0)) notes.push('scope changes apply to post-login only')
  return {
    outcome: { denied, idTokenClaims: id, accessTokenClaims: access, addScopes: [...add], removeScopes: [...remove], appMetadata: app, userMetadata: user, multifactor },
    notes,
  }
}

/**
 * The access token's scope after the actions: scopes removed go, scopes added come if the API
 * defines them (or are OpenID Connect's), in the order requested then added.
 */
export function scopeAfterActions(scope: readonly string[], outcome: Pick<ActionOutcome, 'addScopes' | 'removeScopes'>, apiScopes: ReadonlySet<string>): string[] {
  const result = scope.filter((s) => !outcome.removeScopes.includes(s))
  for (const s of outcome.addScopes) if (!result.includes(s) && apiScopes.has(s)) result.push(s)
  return result
}

/** What a post-login outcome changes in the tokens: kept with the code until it is exchanged. */
export interface TokenChanges {
  readonly idTokenClaims: Readonly<Record<string, unknown>>
  readonly accessTokenClaims: Readonly<Record<string, unknown>>
  readonly addScopes: readonly string[]
  readonly removeScopes: readonly string[]
}

/** The token changes of an outcome; null when there are none. */
export function tokenChangesOf(outcome: ActionOutcome): TokenChanges | null {
  const { idTokenClaims, accessTokenClaims, addScopes, removeScopes } = outcome
  const none = Object.keys(idTokenClaims).length === 0 && Object.keys(accessTokenClaims).length === 0 && addScopes.length === 0 && removeScopes.length === 0
  return none ? null : { idTokenClaims, accessTokenClaims, addScopes, removeScopes }
}
