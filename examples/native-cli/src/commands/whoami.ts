/** `whoami`: the logged-in user, from the stored ID token, or from Latchkey's /userinfo with --userinfo. */
import { CliError, LOGIN_HINT } from '../errors.js'
import { userLine } from '../format.js'
import { openClient, type Command } from '../session.js'

export async function whoami(command: Command, options: { readonly userinfo: boolean }): Promise<void> {
  const client = await openClient(command)
  const stored = await client.getUser()
  if (!stored) throw new CliError(`Not logged in. ${LOGIN_HINT}`)
  const user = options.userinfo ? await client.fetchUserInfo() : stored
  const print = (line: string) => command.runtime.stdout(`${line}\n`)
  print(userLine(user))
  print(`  sub    ${user.sub}`)
  if (typeof user.email === 'string') print(`  email  ${user.email}${user.email_verified === true ? ' (verified)' : user.email_verified === false ? ' (not verified)' : ''}`)
  if (typeof user.name === 'string') print(`  name   ${user.name}`)
  print(`  from   ${options.userinfo ? `${command.config.issuer} (userinfo)` : 'the stored ID token'}`)
}
