/**
 * Logging in through an upstream connection, as two moves of the login transaction:
 *
 * - `beginUpstream` (the login step chose a connection: `connection=` at /authorize, or a button on
 *   the login page): the strategy builds the provider's authorization URL; what it keeps (state,
 *   nonce, PKCE verifier) is sealed with the key-encryption key into the transaction, which moves to
 *   the `upstream` step; the browser goes to the provider.
 * - `finishUpstream` (`{issuer}login/callback`): the transaction is found by the SHA-256 of the
 *   `state` the provider sent back, must belong to this browser and be at the `upstream` step; the
 *   attempt is taken (moved back to the login step, once: a replayed callback finds nothing), the
 *   strategy runs every check and reads the profile; the upstream account's user is found by its
 *   identity or created; then the one `completeLogin`.
 *
 * Failures end safely: the user denying at the provider goes back to the app as `access_denied`; a
 * failed check is a 4xx page and never a code; the provider down or slow goes back to the app as
 * `temporarily_unavailable`. Each is audited (`f`, Auth0's failed login) and nothing is a 5xx.
 */
import {
  AccessDenied,
  type ApiRecord,
  type ApplicationRecord,
  type AuthorizationRequest,
  type ConnectionRecord,
  type ConnectionStrategy,
  connectionUserFields,
  createConnectionUser,
  type IdentityRecord,
  type InteractionRecord,
  OAuthError,
  randomToken,
  sha256,
  type UpstreamAttempt,
  type UserRecord,
} from '@latchkey/core'
import { ConflictError } from '@latchkey/storage'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { deliverError } from '../http/authorization-response.js'
import { browserBinding } from '../http/session.js'
import { completeLogin } from '../interaction/complete-login.js'
import { bindingHash, ownsInteraction } from '../interaction/csrf.js'
import { showError, targetOf } from '../interaction/flow.js'
import { InteractionProblem } from '../interaction/load.js'
import { acceptAtLogin, type Accepted } from '../interaction/organization-context.js'
import { KeyEncryptionError } from '../keys/key-encryption.js'
import { finishLinkProof, linkCandidate, offerLink } from './account-linking.js'
import { type PendingUpstream, type UpstreamConnection, UpstreamCheckFailed, UpstreamDenied, UpstreamError, type UpstreamProfile, UpstreamUnavailable } from './strategies/index.js'

/** An upstream account as a login through a connection found it: its identity, and the profile the provider sent. JSON-serialisable (kept sealed while a link waits). */
export interface UpstreamAccount {
  readonly connectionId: string
  readonly connectionName: string
  /** The strategy: Auth0's identity `provider`. */
  readonly provider: ConnectionStrategy
  /** Auth0's `identities[].user_id`. */
  readonly providerUserId: string
  /** The id a user created by this account gets (Auth0's shape for the strategy). */
  readonly userId: string
  readonly isSocial: boolean
  readonly profile: UpstreamProfile
  /** The connection trusts the provider's MFA (`options.trust_upstream_mfa`): its `amr` counts here (issue 15). */
  readonly trustUpstreamMfa?: boolean
}

/** The one URL an administrator registers at the provider: Auth0's `{issuer}login/callback`. */
export function callbackUrl(deps: Deps): string {
  return `${deps.config.issuer}login/callback`
}

const EXPIRED = 'This login has expired or was already completed. Go back to the application and try again.'

/** The connection as the strategies see it, with its client secret opened. */
/** A connection as the login uses it (which apps it is enabled for was checked when it was chosen). */
type ChosenConnection = Omit<ConnectionRecord, 'enabledClients'>

async function upstreamConnection(deps: Deps, connection: ChosenConnection): Promise<UpstreamConnection> {
  const clientSecret = connection.sealedClientSecret === null ? null : await opened(deps, connection.name, connection.sealedClientSecret)
  return { name: connection.name, strategy: connection.strategy, options: connection.options, clientSecret }
}

/** A sealed value opened; one that no configured key-encryption key opens makes the connection unusable (logged loudly), not a 5xx. */
async function opened(deps: Deps, connection: string, sealed: string): Promise<string> {
  try {
    return await deps.keys.encryption.openText(sealed)
  } catch (err) {
    if (!(err instanceof KeyEncryptionError)) throw err
    deps.log.error({ connection, err: err.message }, 'a sealed value of this connection does not open with the configured key-encryption keys')
    throw new UpstreamUnavailable(connection, 'configuration', 'a sealed value does not open')
  }
}

/** The connection named for this app's login, when it is an upstream one enabled for the app (and for the organization, if any). */
export async function upstreamConnectionFor(deps: Deps, app: ApplicationRecord, name: string, organization: string | null): Promise<ConnectionRecord | null> {
  const connection = name.length <= 128 ? await deps.store.connections.findByName(name) : null
  if (!connection?.enabledClients.includes(app.clientId) || !deps.strategies.get(connection.strategy)) return null
  // Logging in to an organization: only a connection enabled for it too.
  if (organization !== null && !(await deps.store.organizations.getConnection(organization, connection.id))) return null
  return connection
}

export interface BeginUpstream {
  readonly request: AuthorizationRequest
  readonly app: ApplicationRecord
  readonly connection: ChosenConnection
  /** The transaction at the login (or upstream) step; null from /authorize, which creates it. */
  readonly interaction: InteractionRecord | null
  readonly afterPost: boolean
  /** Ask the provider to authenticate the user again (prompt=login, or an SSO session older than max_age). */
  readonly reauthenticate: boolean
}

export async function beginUpstream(c: Context, deps: Deps, b: BeginUpstream): Promise<Response> {
  const { request, app, connection } = b
  const strategy = deps.strategies.get(connection.strategy)
  if (!strategy) return showError(c, new InteractionProblem('This connection cannot be used to log in.'))
  const now = deps.clock.now()
  let begun: { url: string; pending: PendingUpstream }
  try {
    begun = await strategy.begin(await upstreamConnection(deps, connection), {
      redirectUri: callbackUrl(deps),
      loginHint: request.loginHint,
      prompt: b.reauthenticate ? 'login' : null,
      maxAge: request.maxAge,
    })
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err
    return upstreamFailure(c, deps, { request, app, connection, interaction: b.interaction, afterPost: b.afterPost }, err)
  }
  const attempt: UpstreamAttempt = {
    connectionId: connection.id,
    stateHash: sha256(begun.pending.state),
    sealed: await deps.keys.encryption.encrypt(JSON.stringify(begun.pending)),
    startedAt: now,
  }
  if (b.interaction) {
    // From the login step (or a former attempt, which this one replaces) to the provider, once.
    if (!(await deps.store.interactions.advance(b.interaction.id, b.interaction.step, 'upstream', { upstream: attempt }, now)))
      return showError(c, new InteractionProblem(EXPIRED))
  } else {
    const binding = browserBinding(c, deps, true) as string
    await deps.store.interactions.insert({
      id: randomToken(24),
      csrfHash: bindingHash(binding),
      step: 'upstream',
      request,
      userId: null,
      sessionSid: null,
      authTime: null,
      upstream: attempt,
      createdAt: now,
      expiresAt: now + deps.config.interactionSeconds * 1000,
    })
  }
  deps.log.info({ client_id: app.clientId, connection: connection.name }, 'login sent to an upstream provider')
  return c.redirect(begun.url, b.afterPost ? 303 : 302)
}

interface FailureContext {
  readonly request: AuthorizationRequest
  readonly app: ApplicationRecord
  readonly connection: ChosenConnection
  readonly interaction: InteractionRecord | null
  readonly afterPost: boolean
}

/** Every upstream failure, answered and audited in one place. */
async function upstreamFailure(c: Context, deps: Deps, f: FailureContext, err: UpstreamError): Promise<Response> {
  const now = deps.clock.now()
  deps.log.info({ client_id: f.app.clientId, connection: f.connection.name, reason: err.code }, 'upstream login failed')
  await deps.audit.record(c, {
    type: 'f',
    clientId: f.app.clientId,
    details: { connection: f.connection.name, strategy: f.connection.strategy, reason: err.code, description: err.message },
  })
  if (err instanceof UpstreamCheckFailed) {
    // Something in the answer is not what this login sent or expects: no code, and nothing to tell the app.
    const again = f.interaction ? `/u/login?state=${encodeURIComponent(f.interaction.id)}` : null
    return showError(c, new InteractionProblem('The identity provider\'s answer could not be verified. Go back to the application and try again.', again))
  }
  if (f.interaction) await deps.store.interactions.take(f.interaction.id, f.interaction.step, now)
  const error =
    err instanceof UpstreamDenied
      ? new AccessDenied(err.description ?? `The identity provider refused the login (${err.error}).`)
      : new OAuthError('temporarily_unavailable', `The identity provider ${f.connection.name} is not available. Try again later.`, 503)
  return deliverError(c, deps, targetOf(f.request, f.app), error, f.afterPost)
}

export async function finishUpstream(c: Context, deps: Deps, callback: URL): Promise<Response> {
  const state = callback.searchParams.getAll('state')
  if (state.length !== 1 || !state[0] || state[0].length > 512) return showError(c, new InteractionProblem(EXPIRED))
  const now = deps.clock.now()
  const found = await deps.store.interactions.findByUpstreamState(sha256(state[0]), now)
  // Only the browser that started the login may finish it (login CSRF: an attacker's own callback
  // URL, opened in the victim's browser, finds a transaction that is not this browser's).
  if (found?.step !== 'upstream' || !found.upstream || !ownsInteraction(browserBinding(c, deps, false), found.id, found.csrfHash))
    return showError(c, new InteractionProblem(EXPIRED))
  const attempt = found.upstream
  const app = await deps.store.applications.get(found.request.clientId)
  const connection = await deps.store.connections.get(attempt.connectionId)
  if (!app || !connection) return showError(c, new InteractionProblem(EXPIRED))
  const strategy = deps.strategies.get(connection.strategy)
  if (!strategy) return showError(c, new InteractionProblem(EXPIRED))

  // The attempt is used once: back to the login step before the provider is asked anything.
  if (!(await deps.store.interactions.advance(found.id, 'upstream', 'login', { upstream: null }, now))) return showError(c, new InteractionProblem(EXPIRED))
  const interaction: InteractionRecord = { ...found, step: 'login', upstream: null }
  const failure = { request: interaction.request, app, connection, interaction, afterPost: false }

  let profile: UpstreamProfile
  try {
    const pending = JSON.parse(await opened(deps, connection.name, attempt.sealed)) as PendingUpstream
    profile = await strategy.complete(await upstreamConnection(deps, connection), pending, callback)
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err
    return upstreamFailure(c, deps, failure, err)
  }

  const account: UpstreamAccount = {
    connectionId: connection.id,
    connectionName: connection.name,
    provider: connection.strategy,
    providerUserId: strategy.identity(connection.name, profile).userId,
    userId: strategy.userId(connection.name, profile),
    isSocial: strategy.isSocial,
    profile,
    trustUpstreamMfa: connection.options.trust_upstream_mfa === true,
  }
  // The proof of an existing account that this login offered to link to (account-linking.ts).
  if (interaction.link) return finishLinkProof(c, deps, { interaction, app, link: interaction.link, proof: account })

  const existing = await knownUser(deps, account)
  if (existing) return completeUpstreamLogin(c, deps, { interaction, app, user: existing, account })
  // A first login: an existing user with this verified email may be offered the link (only when the connection opts in).
  const candidate = await linkCandidate(deps, app, connection, account)
  if (candidate) return offerLink(c, deps, interaction, account, candidate)
  return completeUpstreamLogin(c, deps, { interaction, app, user: await newUser(deps, account), account })
}

export interface UpstreamLogin {
  /** At the login step (or `link`, for a login that proved or kept apart an account). */
  readonly interaction: InteractionRecord
  readonly app: ApplicationRecord
  readonly user: UserRecord
  /** The upstream account the user logged in with (its connection goes with the session, for federated logout). */
  readonly account: UpstreamAccount
  /** True when this login linked the account to the user (account-linking.ts). */
  readonly linked?: boolean
}

/** The end of every login through a connection: a blocked user refused, the invitation accepted by its verified invitee, then the one `completeLogin`. */
export async function completeUpstreamLogin(c: Context, deps: Deps, l: UpstreamLogin): Promise<Response> {
  const { interaction, app, user, account } = l
  const now = deps.clock.now()
  if (user.blocked) {
    deps.log.info({ client_id: app.clientId, user_id: user.id }, 'login refused: user is blocked')
    await deps.audit.record(c, { type: 'f', clientId: app.clientId, userId: user.id, details: { user_name: user.email, connection: account.connectionName, reason: 'user is blocked' } })
    await deps.store.interactions.take(interaction.id, interaction.step, now)
    return showError(c, new OAuthError('access_denied', 'Your account is blocked. Contact the administrator.', 403), 403)
  }

  let accepted: Accepted | null = null
  const invitationId = interaction.request.invitation
  if (invitationId !== null) {
    const invitation = await deps.store.invitations.get(invitationId)
    // Only the invitee may accept, and only with an address the provider vouches for.
    if (invitation && (!user.emailVerified || user.email !== invitation.inviteeEmail)) {
      await deps.store.interactions.take(interaction.id, interaction.step, now)
      return showError(c, new InteractionProblem(`This invitation is for ${invitation.inviteeEmail}: log in with an account with that verified address.`))
    }
    const done = await acceptAtLogin(c, deps, interaction, invitationId, user, account.connectionId)
    if (done instanceof Response) return done
    accepted = done
  }
  const api: ApiRecord | null = interaction.request.audience === null ? null : await deps.store.apis.findByIdentifier(interaction.request.audience)
  const method = {
    kind: 'connection',
    connection: account.connectionName,
    connectionId: account.connectionId,
    idToken: account.profile.idToken ?? null,
    linked: l.linked === true,
    upstreamAmr: account.profile.amr ?? [],
    trustUpstreamMfa: account.trustUpstreamMfa === true,
  } as const
  return completeLogin(c, deps, { interaction, app, api, user, method, accepted })
}

/**
 * The user an upstream account logs in as, when it has logged in before: found by its identity (the
 * same account always maps to the same user, even after its email changed, and after it was linked to
 * another user). Its profile is refreshed, and the user's too when it is a user of that connection.
 * Never matched by email.
 */
async function knownUser(deps: Deps, account: UpstreamAccount): Promise<UserRecord | null> {
  const now = deps.clock.now()
  const existing = await deps.store.identities.find(account.connectionId, account.providerUserId)
  if (!existing) return null
  await deps.store.identities.updateProfile(account.connectionId, account.providerUserId, account.profile.raw, now)
  const owner = await deps.store.users.get(existing.userId)
  // An identity linked to a user of another connection leaves that user's profile as it is.
  if (!owner || owner.connection !== account.connectionName) return owner
  return deps.store.users.update(owner.id, { ...connectionUserFields(account.profile), updatedAt: now })
}

/** A new user for an upstream account's first login, with Auth0's id shape; two first logins at once end as one user. */
export async function newUser(deps: Deps, account: UpstreamAccount): Promise<UserRecord> {
  const now = deps.clock.now()
  const user = createConnectionUser({ id: account.userId, connection: account.connectionName, profile: account.profile }, now)
  try {
    await deps.store.transaction(async (tx) => {
      await tx.users.insert(user)
      await tx.identities.insert(identityOf(account, user.id, now))
    })
    return user
  } catch (err) {
    // Two first logins of one account at once: the other created it.
    if (!(err instanceof ConflictError)) throw err
    const raced = await deps.store.identities.find(account.connectionId, account.providerUserId)
    const other = raced ? await deps.store.users.get(raced.userId) : null
    if (!other) throw err
    return other
  }
}

/** The identity record of an upstream account, for the user it belongs to. */
export function identityOf(account: UpstreamAccount, userId: string, now: number): IdentityRecord {
  return {
    userId,
    connectionId: account.connectionId,
    provider: account.provider,
    providerUserId: account.providerUserId,
    isSocial: account.isSocial,
    profileData: account.profile.raw,
    createdAt: now,
    updatedAt: now,
  }
}
