/**
 * `refresh`: a refresh through rotation now, even if the access token is still valid. Prints when the
 * new access token expires; never a token.
 */
import { openClient, type Command } from '../session.js'
import { relative } from '../format.js'

export async function refresh(command: Command): Promise<void> {
  const client = await openClient(command)
  const { expiresAt, scope } = await client.getAccessToken({ forceRefresh: true, detailedResponse: true })
  const now = command.runtime.clock?.now() ?? Date.now()
  const print = (line: string) => command.runtime.stdout(`${line}\n`)
  print(expiresAt === null ? 'Refreshed. Latchkey did not say when the new access token expires.' : `Refreshed. The new access token expires at ${new Date(expiresAt).toISOString()} (${relative(expiresAt - now)}).`)
  if (scope) print(`  scope  ${scope}`)
}
