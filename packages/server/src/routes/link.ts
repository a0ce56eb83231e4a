/**
 * The link step's pages (connections/account-linking.ts): `/u/link` shows what the user may do and
 * takes the existing account's password or "Keep them separate"; `/u/link/connection` proves the
 * existing account through one of its connections (a trip to that provider, answered at
 * `{issuer}login/callback`). Every page answers only at the `link` step of its own transaction, in the
 * browser that started it, with its form token (interaction/load.ts).
 */
import { type InteractionRecord, single } from '@latchkey/core'
import type { Context, Hono } from 'hono'
import { claimLink, linkAndComplete, pendingAccount, proofsFor } from '../connections/account-linking.js'
import { beginUpstream, completeUpstreamLogin, newUser } from '../connections/upstream-login.js'
import type { Deps } from '../deps.js'
import { pageResponse } from '../http/page-headers.js'
import { readBody } from '../http/read-params.js'
import { showError } from '../interaction/flow.js'
import { InteractionProblem, type LoadedInteraction, loadInteraction } from '../interaction/load.js'
import { checkPassword } from '../interaction/password-check.js'
import { limitPerIp } from '../rate-limits/middleware.js'
import { linkPage } from '../views/link.js'

const EXPIRED = 'This login has expired or was already completed. Go back to the application and try again.'
/** Why the page is shown again (`retry=`): only these keys, anything else shows nothing. */
const RETRY = new Map([['wrong_account', 'That login belongs to another account. Prove the account with this email address, or keep them separate.']])

/** What the link page needs: the waiting account, the user it would join, and how they may prove it. */
async function linkContext(deps: Deps, loaded: LoadedInteraction) {
  const { interaction, app } = loaded
  const link = interaction.link
  const account = link ? await pendingAccount(deps, link) : null
  const user = link ? await deps.store.users.get(link.userId) : null
  if (!link || !account || !user) throw new InteractionProblem(EXPIRED)
  const connection = await deps.store.connections.get(account.connectionId)
  const proofs = await proofsFor(deps, app, user, account.connectionId)
  return { link, account, user, proofs, newLogin: connection?.displayName ?? account.connectionName }
}

async function render(c: Context, deps: Deps, loaded: LoadedInteraction, error: string | null, status = 200) {
  const { user, proofs, newLogin } = await linkContext(deps, loaded)
  return pageResponse(
    c,
    linkPage({
      interactionId: loaded.interaction.id,
      csrf: loaded.csrf,
      appName: loaded.app.name,
      email: user.email,
      newLogin,
      password: proofs.password,
      connections: proofs.connections.map((conn) => ({ name: conn.name, label: conn.displayName ?? conn.name })),
      error,
    }),
    status,
  )
}

export function linkRoutes(app: Hono, deps: Deps): void {
  app.get('/u/link', async (c) => {
    const loaded = await loadInteraction(c, deps, 'link')
    return render(c, deps, loaded, RETRY.get(new URL(c.req.url).searchParams.get('retry') ?? '') ?? null)
  })

  app.post('/u/link', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, 'link', single(form, 'csrf') ?? null)
    const { interaction, app: client } = loaded
    const { link, account, user, proofs } = await linkContext(deps, loaded)
    const action = single(form, 'action')
    if (action === 'separate') return keepSeparate(c, deps, loaded)
    if (action !== 'password' || !proofs.password) return showError(c, new InteractionProblem('Choose how to prove your account on the page.', `/u/link?state=${encodeURIComponent(interaction.id)}`))
    const password = single(form, 'password') ?? ''
    if (!password) return render(c, deps, loaded, 'Enter your password.', 400)
    // The password of the offered user (the database user with that email), checked and limited as at the login page.
    const checked = await checkPassword(c, deps, client, user.email, password)
    if (!checked.ok) return render(c, deps, loaded, checked.message, checked.status)
    if (checked.user.id !== user.id) return render(c, deps, loaded, 'Wrong email or password.', 400)
    deps.log.info({ client_id: client.clientId, connection: account.connectionName }, 'existing account proven with its password')
    return linkAndComplete(c, deps, { interaction, app: client, link })
  })

  app.post('/u/link/connection', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, 'link', single(form, 'csrf') ?? null)
    const { proofs } = await linkContext(deps, loaded)
    const connection = proofs.connections.find((conn) => conn.name === single(form, 'connection'))
    if (!connection) return showError(c, new InteractionProblem('That is not a way to prove this account.', `/u/link?state=${encodeURIComponent(loaded.interaction.id)}`))
    // To the provider with the account still waiting; its callback checks the account is the offered user's.
    const { interaction, app: client } = loaded
    return beginUpstream(c, deps, { request: interaction.request, app: client, connection, interaction, afterPost: true, reauthenticate: false })
  })
}

/** "Keep them separate": the upstream account becomes its own user, as a first login without linking does. */
async function keepSeparate(c: Context, deps: Deps, loaded: LoadedInteraction): Promise<Response> {
  const pending = loaded.interaction.link
  const account = pending ? await pendingAccount(deps, pending) : null
  const interaction: InteractionRecord | null = account ? await claimLink(deps, loaded.interaction) : null
  if (!account || !interaction) return showError(c, new InteractionProblem(EXPIRED))
  const user = await newUser(deps, account)
  return completeUpstreamLogin(c, deps, { interaction, app: loaded.app, user, account })
}
