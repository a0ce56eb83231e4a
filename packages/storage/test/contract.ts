/**
 * The one suite every Store implementation passes: each `it()` is one documented guarantee of
 * `src/contract.ts`. Each test gets a freshly opened and migrated store, closed afterwards.
 *
 *   storeContract('sqlite (memory)', () => openStore('sqlite::memory:'))
 */
import { afterEach, beforeEach, describe } from 'node:test'
import type { Store } from '../src/contract.js'
import { actionGuarantees } from './contract/actions.js'
import { applicationGuarantees } from './contract/applications.js'
import { apiGuarantees } from './contract/apis.js'
import { auditLogGuarantees } from './contract/audit-log.js'
import { authenticatorGuarantees } from './contract/authenticators.js'
import { authorizationCodeGuarantees } from './contract/authorization-codes.js'
import { clientGrantGuarantees } from './contract/client-grants.js'
import { connectionGuarantees } from './contract/connections.js'
import { consentGuarantees } from './contract/consents.js'
import { coordinationGuarantees } from './contract/coordination.js'
import { dpopGuarantees } from './contract/dpop.js'
import { identityGuarantees } from './contract/identities.js'
import { interactionGuarantees } from './contract/interactions.js'
import { jobGuarantees } from './contract/jobs.js'
import { migrationGuarantees } from './contract/migrations.js'
import { organizationGuarantees } from './contract/organizations.js'
import { outboxGuarantees } from './contract/outbox.js'
import { recoveryCodeGuarantees } from './contract/recovery-codes.js'
import { refreshTokenGuarantees } from './contract/refresh-tokens.js'
import { refreshTokenUseGuarantees } from './contract/refresh-token-use.js'
import { roleGuarantees } from './contract/roles.js'
import { sessionGuarantees } from './contract/sessions.js'
import { settingsGuarantees } from './contract/settings.js'
import { signingKeyGuarantees } from './contract/signing-keys.js'
import { ticketGuarantees } from './contract/tickets.js'
import { transactionGuarantees } from './contract/transactions.js'
import { userGuarantees } from './contract/users.js'
import { userImportGuarantees } from './contract/user-imports.js'
import { userSearchGuarantees } from './contract/user-search.js'
import { userMigrationGuarantees } from './contract/user-migrations.js'

export interface StoreContractOptions {
  /** Skips the whole suite; a string says why. */
  readonly skip?: string | boolean
  /** Runs after each test's store is closed (drop a per-test schema, delete a file). */
  readonly cleanup?: () => Promise<void>
}

/** The store under test, for the guarantee groups: valid inside `it()` only. */
export type CurrentStore = () => Store

export function storeContract(name: string, open: () => Promise<Store>, opts: StoreContractOptions = {}): void {
  describe(`Store contract: ${name}`, { skip: opts.skip ?? false }, () => {
    let store: Store | undefined

    beforeEach(async () => {
      store = await open()
      await store.migrate()
    })

    afterEach(async () => {
      await store?.close()
      store = undefined
      await opts.cleanup?.()
    })

    const current: CurrentStore = () => {
      if (!store) throw new Error('no store: the contract suite opens one per test')
      return store
    }

    authorizationCodeGuarantees(current)
    refreshTokenGuarantees(current)
    refreshTokenUseGuarantees(current)
    transactionGuarantees(current)
    userGuarantees(current)
    userImportGuarantees(current)
    userSearchGuarantees(current)
    userMigrationGuarantees(current)
    apiGuarantees(current)
    applicationGuarantees(current)
    sessionGuarantees(current)
    interactionGuarantees(current)
    consentGuarantees(current)
    signingKeyGuarantees(current)
    dpopGuarantees(current)
    clientGrantGuarantees(current)
    auditLogGuarantees(current)
    organizationGuarantees(current)
    roleGuarantees(current)
    actionGuarantees(current)
    jobGuarantees(current)
    connectionGuarantees(current)
    identityGuarantees(current)
    outboxGuarantees(current)
    ticketGuarantees(current)
    authenticatorGuarantees(current)
    recoveryCodeGuarantees(current)
    settingsGuarantees(current)
    migrationGuarantees(current)
    coordinationGuarantees(current)
  })
}
