/**
 * Every hot lookup has an index on PostgreSQL: the store runs its request-path verbs (and the
 * sweeper's batches, and the email outbox worker's claims) while each statement sent to PostgreSQL
 * is recorded with its parameters (at the driver, so that statements compiled once,
 * kysely/query-template.ts, are seen as sent); each one is then planned with
 * `EXPLAIN` and sequential scans priced out (`enable_seqscan = off`), so a table read in full means
 * there is no index the query can use. Only the signing keys (a handful of rows, read whole by the
 * key ring) and the APIs' longest token lifetime (a small table, read every few seconds) may be
 * scanned. Skipped, saying so, when PostgreSQL does not answer.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import type { Store } from '../src/contract.js'
import { openPostgres } from '../src/kysely/postgres.js'
import { postgresCoordination } from '../src/kysely/postgres-coordination.js'
import { KyselyStore } from '../src/kysely/store.js'
import {
  api,
  application,
  authenticator,
  authorizationCode,
  connection,
  DAY,
  identity,
  interaction,
  organization,
  outboxEmail,
  recoveryCode,
  refreshToken,
  session,
  T0,
  ticket,
  user,
  webAuthnCredential,
} from './fixtures.js'
import { postgresProblem, postgresUrl, redactedPostgresUrl, schemaUrl } from './support/postgres.js'

const probe = await postgresProblem()
const skip = probe === undefined ? false : `PostgreSQL not reachable at ${redactedPostgresUrl()}: skipped (${probe})`
if (skip) console.log(skip)

/** Tables read whole on purpose (see the header). */
const SCANNED_ON_PURPOSE = new Set(['signing_keys', 'apis'])

/** Every statement a pg client sends while `verb` is set, with its parameters. */
class Recorder {
  readonly queries: { sql: string; parameters: readonly unknown[]; verb: string }[] = []
  verb = ''
  readonly #query = pg.Client.prototype.query

  start(): void {
    const recorder = this
    const original = this.#query
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [text, values] = args
      if (recorder.verb !== '' && typeof text === 'string') recorder.queries.push({ sql: text, parameters: Array.isArray(values) ? values : [], verb: recorder.verb })
      return (original as (...a: unknown[]) => unknown).apply(this, args)
    } as typeof pg.Client.prototype.query
  }

  stop(): void {
    pg.Client.prototype.query = this.#query
    this.verb = ''
  }
}

interface PlanNode {
  readonly 'Node Type': string
  readonly 'Relation Name'?: string
  readonly Plans?: readonly PlanNode[]
}

function scannedTables(plan: PlanNode): string[] {
  const own = plan['Node Type'] === 'Seq Scan' && plan['Relation Name'] ? [plan['Relation Name']] : []
  return [...own, ...(plan.Plans ?? []).flatMap(scannedTables)]
}

describe('PostgreSQL query plans', { skip }, () => {
  const schema = `lk_plans_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: postgresUrl })
  after(async () => {
    await admin.query(`drop schema if exists ${schema} cascade`).catch(() => {})
    await admin.end()
  })

  it('every statement of the request path and of the sweeper can use an index', async () => {
    const handle = await openPostgres(schemaUrl(schema))
    const recorder = new Recorder()
    const store: Store = new KyselyStore(handle.db, { dialect: 'postgres', schema }, postgresCoordination(handle.session, handle.scope))
    try {
      await store.migrate()
      recorder.start()
      const run = async (verb: string, fn: () => Promise<unknown>) => {
        recorder.verb = verb
        await fn()
      }
      const person = user()
      const app = application()
      const apiRecord = api()
      const sso = session({ userId: person.id })
      const pending = interaction()
      const code = authorizationCode()
      const token = refreshToken({ userId: person.id })
      await store.users.insert(person)
      await store.applications.insert(app)
      await store.apis.insert(apiRecord)
      await store.sessions.insert(sso)
      await store.interactions.insert(pending)
      await store.authorizationCodes.insert(code)
      const sso2 = connection({ enabledClients: [app.clientId] })
      await store.connections.insert(sso2)
      const account = identity({ userId: person.id, connectionId: sso2.id })
      const org = organization()
      await store.organizations.insert(org, [{ connectionId: sso2.id, assignMembershipOnLogin: false, showAsButton: true }])
      await store.identities.insert(account)
      const mail = outboxEmail({ userId: person.id })
      await store.outbox.enqueue(mail)
      const resetTicket = ticket({ userId: person.id, kind: 'password_reset' })
      await store.tickets.insert(resetTicket)
      const totp = authenticator({ userId: person.id })
      const passkey = authenticator({ userId: person.id, type: 'passkey', credential: webAuthnCredential() })
      for (const record of [totp, passkey]) await store.authenticators.insert(record)
      const code1 = recoveryCode({ userId: person.id })
      await store.recoveryCodes.replace(person.id, [code1.codeHash], T0)
      recorder.queries.length = 0

      await run('applications.get', () => store.applications.get(app.clientId))
      await run('apis.findByIdentifier', () => store.apis.findByIdentifier(apiRecord.identifier))
      await run('apis.get', () => store.apis.get(apiRecord.id))
      await run('users.get', () => store.users.get(person.id))
      await run('users.getWithGrant', () => store.users.getWithGrant(person.id, token.grantId))
      await run('users.findByEmail', () => store.users.findByEmail(person.email))
      await run('users.listByEmail', () => store.users.listByEmail(person.email))
      await run('users.list (connection)', () => store.users.list({ connection: 'acme' }))
      await run('users.search (name prefix)', () => store.users.search([{ fields: ['name'], match: 'prefix', value: 'Jan' }]))
      await run('users.search (email or name prefix)', () => store.users.search([{ fields: ['email', 'name'], match: 'prefix', value: 'jan' }]))
      await run('users.search (exact names)', () =>
        store.users.search([
          { fields: ['given_name'], match: 'exact', value: 'Jane' },
          { fields: ['family_name', 'nickname'], match: 'exact', value: 'doe' },
        ]),
      )
      await run('users.search (email, user id)', () => store.users.search([{ fields: ['email', 'user_id'], match: 'exact', value: person.email }]))
      await run('connections.enabledFor', () => store.connections.enabledFor(app.clientId))
      await run('connections.get', () => store.connections.get(sso2.id))
      await run('connections.findByName', () => store.connections.findByName(sso2.name))
      // A login to an organization: the connections it enables.
      await run('organizations.listConnections', () => store.organizations.listConnections(org.id))
      await run('organizations.getConnection', () => store.organizations.getConnection(org.id, sso2.id))
      await run('organizations.connectionEnabled', () => store.organizations.connectionEnabled(org.id, sso2.id))
      await run('identities.find', () => store.identities.find(account.connectionId, account.providerUserId))
      await run('identities.updateProfile', () => store.identities.updateProfile(account.connectionId, account.providerUserId, { name: 'x' }, T0))
      await run('identities.listForUser', () => store.identities.listForUser(person.id))
      await run('identities.listForUsers', () => store.identities.listForUsers([person.id, 'auth0|other']))
      await run('sessions.findActive', () => store.sessions.findActive(sso.idHash, T0))
      await run('sessions.touch', () => store.sessions.touch(sso.idHash, T0 + DAY))
      await run('sessions.end', () => store.sessions.end(sso.idHash, T0))
      await run('sessions.endAllForUser', () => store.sessions.endAllForUser(person.id, T0))
      await run('interactions.get', () => store.interactions.get(pending.id, T0))
      await run('interactions.advance', () => store.interactions.advance(pending.id, 'login', 'consent', { authenticated: { userId: person.id, sessionSid: 'sid', authTime: T0 } }, T0))
      await run('interactions.take', () => store.interactions.take(pending.id, 'consent', T0))
      await run('consents.find', () => store.consents.find(person.id, app.clientId, apiRecord.identifier))
      await run('consents.grant', () => store.consents.grant(person.id, app.clientId, apiRecord.identifier, ['read:things'], T0))
      await run('authorizationCodes.consume', () => store.authorizationCodes.consume(code.codeHash, code.clientId, T0))
      await run('authorizationCodes.findByHash', () => store.authorizationCodes.findByHash(code.codeHash))
      await run('refreshTokens.insert', () => store.refreshTokens.insert(token))
      await run('refreshTokens.rotate', () => store.refreshTokens.rotate(token.tokenHash, T0, 30_000))
      await run('refreshTokens.rotate (reuse)', () => store.refreshTokens.rotate(token.tokenHash, T0 + 1, 30_000))
      await run('refreshTokens.findByHash', () => store.refreshTokens.findByHash(token.tokenHash))
      await run('refreshTokens.revokeGrant', () => store.refreshTokens.revokeGrant(token.grantId, T0))
      await run('refreshTokens.revokeForUser', () => store.refreshTokens.revokeForUser(person.id, T0))
      await run('replayGuard.use', () => store.replayGuard.use('jti', T0, T0 + 60_000))
      await run('outbox.claimDue', () => store.outbox.claimDue(T0, 60_000, 10))
      await run('outbox.markFailed', () => store.outbox.markFailed(mail.id, 1, 'try later', T0))
      await run('outbox.markSent', () => store.outbox.markSent(mail.id, 1, T0))
      await run('outbox.get', () => store.outbox.get(mail.id))
      await run('tickets.findUsable', () => store.tickets.findUsable(resetTicket.idHash, 'password_reset', T0))
      await run('tickets.consume', () => store.tickets.consume(resetTicket.idHash, 'password_reset', T0))
      await run('tickets.spendAllForUser', () => store.tickets.spendAllForUser(person.id, 'password_reset', T0))
      await run('authenticators.get', () => store.authenticators.get(totp.id))
      await run('authenticators.listForUser', () => store.authenticators.listForUser(person.id))
      await run('authenticators.findByCredentialId', () => store.authenticators.findByCredentialId(passkey.credential?.credentialId as string))
      await run('authenticators.confirm', () => store.authenticators.confirm(person.id, totp.id, T0))
      await run('authenticators.useTotpStep', () => store.authenticators.useTotpStep(totp.id, 100, T0))
      await run('authenticators.recordAssertion', () => store.authenticators.recordAssertion(passkey.id, 1, true, T0))
      await run('authenticators.rememberedBrowsersRevokedAt', () => store.authenticators.rememberedBrowsersRevokedAt(person.id))
      await run('recoveryCodes.use', () => store.recoveryCodes.use(person.id, code1.codeHash, T0))
      await run('recoveryCodes.countUnused', () => store.recoveryCodes.countUnused(person.id))
      await run('recoveryCodes.summary', () => store.recoveryCodes.summary(person.id))
      await run('settings.get', () => store.settings.get('mfa.policy'))
      await run('signingKeys.list', () => store.signingKeys.list())
      await run('apis.maxTokenLifetime', () => store.apis.maxTokenLifetime())
      await run('logs.list', () => store.logs.list())
      await run('logs.list (type)', () => store.logs.list({ type: 's' }))
      await run('logs.list (types)', () => store.logs.list({ type: ['s', 'f'] }))
      await run('logs.list (user)', () => store.logs.list({ userId: person.id }))
      await run('logs.list (client)', () => store.logs.list({ clientId: app.clientId, since: T0 - DAY, until: T0 }))
      await run('logs.countByPeriod', () => store.logs.countByPeriod({ types: ['s', 'f', 'ss'], since: T0 - DAY, until: T0, periodMs: 3_600_000 }))
      await run('users.countLoggedInSince', () => store.users.countLoggedInSince(T0 - 30 * DAY))
      await run('sweep: interactions', () => store.interactions.deleteExpired(T0, 1000))
      await run('sweep: sessions', () => store.sessions.deleteExpired(T0, 1000))
      await run('sweep: codes', () => store.authorizationCodes.deleteExpired(T0, 1000))
      await run('sweep: refresh tokens', () => store.refreshTokens.deleteExpired(T0, 1000))
      await run('sweep: replay guard', () => store.replayGuard.deleteExpired(T0, 1000))
      await run('sweep: tickets', () => store.tickets.deleteExpired(T0, 1000))
      await run('sweep: emails', () => store.outbox.deleteSettledBefore(T0, 1000))
      await run('sweep: unconfirmed authenticators', () => store.authenticators.deleteUnconfirmedBefore(T0, 1000))
      await run('users.delete', () => store.users.delete(person.id))
      await run('sweep: audit log', () => store.logs.deleteOlderThan(T0, 1000))

      recorder.stop()
      await admin.connect()
      await admin.query(`set search_path = ${schema}`)
      await admin.query('set enable_seqscan = off')
      const verbs = new Set<string>()
      const problems: string[] = []
      for (const compiled of recorder.queries) {
        const { verb } = compiled
        if (!/^(select|update|delete) /i.test(compiled.sql)) continue
        if (/pg_notify|current_schema/.test(compiled.sql)) continue
        verbs.add(verb)
        const { rows } = await admin.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`explain (format json) ${compiled.sql}`, [...compiled.parameters])
        const plan = rows[0]?.['QUERY PLAN'][0]?.Plan
        assert.ok(plan, `a plan for ${verb}`)
        for (const table of scannedTables(plan)) {
          if (!SCANNED_ON_PURPOSE.has(table)) problems.push(`${verb} reads ${table} in full: ${compiled.sql}`)
        }
      }
      assert.deepEqual(problems, [])
      assert.ok(verbs.size >= 30, `planned the statements of ${verbs.size} verbs`)
    } finally {
      recorder.stop()
      await store.close()
    }
  })
})
