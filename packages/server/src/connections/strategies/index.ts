/**
 * Upstream strategies: how Latchkey logs a user in through another identity provider (issue 13).
 * This file is the public surface; everything else in the folder is internal.
 *
 *   const strategies = createStrategies()                    // once per server: it holds the caches
 *   const strategy = strategies.get(connection.strategy)     // null for `auth0` and unknown strategies
 *   parseConnectionOptions('oidc', body.options)             // Management API / CLI: 400 on ConnectionOptionsError
 */
import { strategyContext, type StrategiesOptions } from './context.js'
import { ConnectionOptionsError } from './errors.js'
import { githubStrategy } from './github.js'
import { googleStrategy } from './google-oauth2.js'
import { oauth2Strategy } from './oauth2.js'
import { oidcStrategy } from './oidc.js'
import type { Strategy, UpstreamStrategyName } from './types.js'

export type { StrategiesOptions } from './context.js'
export {
  ConnectionOptionsError,
  UpstreamCheckFailed,
  UpstreamDenied,
  UpstreamError,
  UpstreamUnavailable,
  type UnavailableReason,
  type UpstreamCheck,
} from './errors.js'
export type { GithubOptions } from './github.js'
export { GOOGLE_ISSUER } from './google-oauth2.js'
export type { OAuth2Options, ProfileMap } from './oauth2.js'
export type { OidcOptions } from './oidc.js'
export type { UpstreamProfile } from './profile.js'
export type {
  BeginParams,
  BeginResult,
  EndSessionParams,
  PendingUpstream,
  Strategy,
  UpstreamConnection,
  UpstreamIdentity,
  UpstreamStrategyName,
} from './types.js'

export const UPSTREAM_STRATEGIES: readonly UpstreamStrategyName[] = ['oidc', 'google-oauth2', 'github', 'oauth2']

export function isUpstreamStrategy(value: unknown): value is UpstreamStrategyName {
  return typeof value === 'string' && (UPSTREAM_STRATEGIES as readonly string[]).includes(value)
}

export interface Strategies {
  /** The strategy of that name; null for `auth0` (the database connection) and anything unknown. */
  get(strategy: string): Strategy | null
  /** Drops what is cached for a connection (discovery metadata, JWKS) after its options change or it is deleted; all without a name. */
  forget(connectionName?: string): void
}

/** The strategies with their caches and limits; one per server. */
export function createStrategies(options: StrategiesOptions = {}): Strategies {
  const ctx = strategyContext(options)
  const byName = new Map<string, Strategy>([
    ['oidc', oidcStrategy(ctx) as Strategy],
    ['google-oauth2', googleStrategy(ctx) as Strategy],
    ['github', githubStrategy(ctx) as Strategy],
    ['oauth2', oauth2Strategy(ctx) as Strategy],
  ])
  return {
    get: (strategy) => byName.get(strategy) ?? null,
    forget: (connectionName) => ctx.cache.forget(connectionName),
  }
}

const checker = createStrategies()

/**
 * Checks a connection's Auth0-shaped options for its strategy (no I/O) and returns them normalised;
 * throws ConnectionOptionsError (for a 400) naming each problem, also for a strategy that is not an
 * upstream one.
 */
export function parseConnectionOptions(strategy: string, options: unknown): unknown {
  const found = checker.get(strategy)
  if (!found) throw new ConnectionOptionsError(strategy, [`strategy: must be one of ${UPSTREAM_STRATEGIES.join(', ')}`])
  const parsed = found.parseOptions(options)
  // Latchkey's own options, the same for every strategy (connections/account-linking.ts, issue 15's trusted upstream MFA).
  for (const name of ['link_existing_accounts', 'trust_upstream_mfa']) {
    const value = (options as Record<string, unknown>)[name]
    if (value !== undefined && typeof value !== 'boolean') throw new ConnectionOptionsError(strategy, [`options.${name}: must be a boolean`])
  }
  return parsed
}
