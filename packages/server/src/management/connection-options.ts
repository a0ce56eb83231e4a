/**
 * What the Management API and the CLI check of a connection's `options` beyond @latchkey/core's
 * rules (a JSON object of bounded size, `client_secret` taken apart to be sealed): the strategy's
 * own check (connections/strategies: discovery URL or issuer, client id, https endpoints…; for the
 * database connection only the trickle migration's `import_mode` and `migration_source`) and
 * whether it needs a client secret. Refusals are RegistrationErrors naming `options.<field>`, so
 * they become the API's 400 and the CLI's message like every other registration rule. The options
 * are stored as given (Auth0's names), not in the strategy's normalised form.
 */
import { type ConnectionOptionsCheck, type ConnectionStrategy, DATABASE_CONNECTION, isDatabaseConnection, RegistrationError } from '@latchkey/core'
import { ConnectionOptionsError, createStrategies, parseConnectionOptions } from '../connections/strategies/index.js'
import { checkDatabaseOptions } from '../migration/trickle-migration.js'

const strategies = createStrategies()

export const checkConnectionOptions: ConnectionOptionsCheck = (strategy, options) => {
  // The database connection takes only the trickle migration's settings (import_mode, migration_source).
  if (strategy === DATABASE_CONNECTION.strategy) return checkDatabaseOptions(options)
  try {
    parseConnectionOptions(strategy, options)
  } catch (error) {
    if (error instanceof ConnectionOptionsError) throw new RegistrationError(error.issues.join('; '))
    throw error
  }
  return options
}

/** Refuses a connection left without the client secret its strategy needs (Google and GitHub always issue one). */
export function checkClientSecret(
  connection: { readonly name: string; readonly strategy: ConnectionStrategy; readonly sealedClientSecret: string | null; readonly options: Readonly<Record<string, unknown>> },
  secret: string | null | undefined,
): void {
  const has = secret === undefined ? connection.sealedClientSecret !== null : secret !== null
  // The database connection's secret is the old Auth0 tenant's application's, for trickle migration.
  if (isDatabaseConnection(connection)) {
    if (!has && connection.options.import_mode === true)
      throw new RegistrationError("options.client_secret: import_mode needs the old tenant's application's client secret")
    return
  }
  if (!has && strategies.get(connection.strategy)?.clientSecret === 'required')
    throw new RegistrationError(`options.client_secret: is required for ${connection.strategy} connections`)
}
