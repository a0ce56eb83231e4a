/**
 * `logout`: revokes the refresh token at Latchkey (RFC 7009, /oauth/revoke) and deletes the token
 * file. The file goes even when revocation fails; the message then says the token stays valid
 * until it expires.
 */
import { rm } from 'node:fs/promises'
import { CliError, explain } from '../errors.js'
import { openClient, type Command } from '../session.js'

export async function logout(command: Command): Promise<void> {
  const { config, runtime } = command
  const client = await openClient(command)
  const print = (line: string) => runtime.stdout(`${line}\n`)
  if (!(await client.getUser())) {
    await rm(config.tokenFile, { force: true })
    print('Not logged in: nothing to revoke.')
    return
  }
  let failure: unknown
  try {
    await client.logout({ onRevocationError: (err) => (failure ??= err) })
  } catch (err) {
    failure = err
  }
  await rm(config.tokenFile, { force: true })
  if (failure !== undefined) {
    const why = explain(failure, config) ?? (failure instanceof Error ? failure.message : String(failure))
    throw new CliError(`Deleted ${config.tokenFile}, but the refresh token was not revoked and stays valid until it expires: ${why}`, { cause: failure })
  }
  print(`Logged out: the refresh token was revoked and ${config.tokenFile} was deleted.`)
  print('Latchkey may still remember you in the browser, so the next login may not ask for your password.')
}
