/**
 * Linking an upstream account to an existing user at login, after the user proves that account: a
 * connection's opt-in `options.link_existing_accounts` (off by default; accounts are never linked by
 * an email alone). When an upstream account logs in for the first time, its provider vouches for its
 * email (`email_verified`), and a user of another connection has that address, the login moves to the
 * `link` step instead of creating a user:
 *
 *   callback ──► /u/link: "You already have an account with alice@example.com"
 *                  ├─ its password (the database user) ─────────────┐
 *                  ├─ "Continue with GitHub" (a connection of theirs)┼─► the account joins that user
 *                  │     → the provider → callback (must be that     │   (an identity), the login
 *                  │       user's identity)                          │   completes as that user
 *                  └─ "Keep them separate" ─► a new user, as without linking
 *
 * What the upstream login returned waits in the transaction, sealed with the key-encryption key (a
 * PendingLink), never in the browser. The proof must happen in this transaction, in this browser,
 * and prove exactly the user offered; the link is an identity insert, so an account is linked once
 * (a second attempt at once finds it taken). The login's audit event (`s`) says `linked: true`.
 */
import { type ApplicationRecord, type ConnectionRecord, DATABASE_CONNECTION, type InteractionRecord, isDatabaseConnection, type PendingLink, type UserRecord } from '@latchkey/core'
import { ConflictError, type EnabledConnection } from '@latchkey/storage'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { showError } from '../interaction/flow.js'
import { InteractionProblem } from '../interaction/load.js'
import { loginOptions } from './login-options.js'
import { completeUpstreamLogin, identityOf, type UpstreamAccount } from './upstream-login.js'

/** The connection option that turns the link step on. */
export const LINK_OPTION = 'link_existing_accounts'

const EXPIRED = 'This login has expired or was already completed. Go back to the application and try again.'

/** How the user may prove an existing account within this app's login. */
export interface Proofs {
  /** Its password (a user of the database connection, which the app uses). */
  readonly password: boolean
  /** Its upstream connections that the app offers (not the one being linked). */
  readonly connections: readonly EnabledConnection[]
}

export function linksExistingAccounts(connection: Pick<ConnectionRecord, 'options'>): boolean {
  return connection.options[LINK_OPTION] === true
}

/** How `user` can prove their account in this app's login; `except`: the connection being linked. */
export async function proofsFor(deps: Deps, app: ApplicationRecord, user: UserRecord, except: string): Promise<Proofs> {
  const options = await loginOptions(deps, app, null)
  const theirs = new Set((await deps.store.identities.listForUser(user.id)).map((identity) => identity.connectionId))
  return {
    password: options.password && user.passwordHash !== null && user.connection === DATABASE_CONNECTION.name,
    connections: options.upstream.filter((c) => theirs.has(c.id) && c.id !== except && !isDatabaseConnection(c)),
  }
}

/**
 * The existing user an upstream account's first login may be linked to: only when its connection opts
 * in and its provider vouches for the email; a user of another connection with that address, not
 * blocked, who can prove their account in this app (the database user first, then the oldest).
 */
export async function linkCandidate(deps: Deps, app: ApplicationRecord, connection: ConnectionRecord, account: UpstreamAccount): Promise<UserRecord | null> {
  const { email, emailVerified } = account.profile
  if (!linksExistingAccounts(connection) || !emailVerified || email === null) return null
  const users = (await deps.store.users.listByEmail(email)).filter((u) => u.connection !== connection.name && !u.blocked)
  users.sort((a, b) => Number(b.passwordHash !== null) - Number(a.passwordHash !== null))
  for (const user of users) {
    const proofs = await proofsFor(deps, app, user, connection.id)
    if (proofs.password || proofs.connections.length > 0) return user
  }
  return null
}

/** The transaction (at the login step, back from the provider) moves to the link step with the account waiting, sealed. */
export async function offerLink(c: Context, deps: Deps, interaction: InteractionRecord, account: UpstreamAccount, candidate: UserRecord): Promise<Response> {
  const link: PendingLink = { userId: candidate.id, connectionId: account.connectionId, sealed: await deps.keys.encryption.encrypt(JSON.stringify(account)) }
  if (!(await deps.store.interactions.advance(interaction.id, interaction.step, 'link', { link }, deps.clock.now()))) return showError(c, new InteractionProblem(EXPIRED))
  deps.log.info({ client_id: interaction.request.clientId, connection: account.connectionName }, 'login offered to link an upstream account to an existing user')
  return c.redirect(`/u/link?state=${encodeURIComponent(interaction.id)}`, 302)
}

/** The account waiting to be linked, opened; null when it no longer opens (a retired key-encryption key). */
export async function pendingAccount(deps: Deps, link: PendingLink): Promise<UpstreamAccount | null> {
  try {
    return JSON.parse(await deps.keys.encryption.openText(link.sealed)) as UpstreamAccount
  } catch {
    return null
  }
}

interface LinkProof {
  readonly interaction: InteractionRecord
  readonly app: ApplicationRecord
  readonly link: PendingLink
  /** The account the user just logged in with to prove the existing user. */
  readonly proof: UpstreamAccount
}

/** Back from the provider chosen on the link page: linked only if that account is the offered user's. */
export async function finishLinkProof(c: Context, deps: Deps, p: LinkProof): Promise<Response> {
  const { interaction, link } = p
  const identity = await deps.store.identities.find(p.proof.connectionId, p.proof.providerUserId)
  if (identity?.userId !== link.userId) {
    // Another account (or a new one): nothing is linked; the user may try again or keep them apart.
    if (!(await deps.store.interactions.advance(interaction.id, interaction.step, 'link', {}, deps.clock.now()))) return showError(c, new InteractionProblem(EXPIRED))
    await deps.audit.record(c, { type: 'f', clientId: p.app.clientId, details: { connection: p.proof.connectionName, reason: 'the account that logged in is not the one offered for linking' } })
    return c.redirect(`/u/link?state=${encodeURIComponent(interaction.id)}&retry=wrong_account`, 302)
  }
  return linkAndComplete(c, deps, { interaction, app: p.app, link })
}

export interface ProvenLink {
  readonly interaction: InteractionRecord
  readonly app: ApplicationRecord
  readonly link: PendingLink
}

/**
 * Takes the waiting account out of the transaction, once (of two answers at once, one wins; the other
 * finds the login completed): the transaction goes back to the login step, from which the login completes.
 */
export async function claimLink(deps: Deps, interaction: InteractionRecord): Promise<InteractionRecord | null> {
  if (!(await deps.store.interactions.advance(interaction.id, interaction.step, 'login', { link: null }, deps.clock.now()))) return null
  return { ...interaction, step: 'login', link: null }
}

/** The existing user proven: the waiting account becomes their identity, and the login completes as them. */
export async function linkAndComplete(c: Context, deps: Deps, l: ProvenLink): Promise<Response> {
  const account = await pendingAccount(deps, l.link)
  const user = await deps.store.users.get(l.link.userId)
  const interaction = account && user ? await claimLink(deps, l.interaction) : null
  if (!account || !user || !interaction) return showError(c, new InteractionProblem(EXPIRED))
  try {
    await deps.store.identities.insert(identityOf(account, user.id, deps.clock.now()))
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err
    // The account logged in (or was linked) in another login meanwhile: this one cannot decide it again.
    await deps.store.interactions.take(interaction.id, interaction.step, deps.clock.now())
    return showError(c, new InteractionProblem('This account was linked or used meanwhile. Go back to the application and log in again.'))
  }
  deps.log.info({ client_id: l.app.clientId, user_id: user.id, connection: account.connectionName }, 'upstream account linked to an existing user at login')
  return completeUpstreamLogin(c, deps, { interaction, app: l.app, user, account, linked: true })
}
