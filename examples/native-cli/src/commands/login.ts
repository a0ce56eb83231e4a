/**
 * `login`: the RFC 8252 loopback login. A server on 127.0.0.1 with an ephemeral port receives the
 * redirect; the URL is printed (and opened in the browser unless --no-open). The login runs in
 * memory and reaches the token file only once it has succeeded: a cancelled or denied login leaves
 * the previous session as it was, and a successful one revokes the previous refresh token.
 */
import { fileStorage, loginWithLoopback, openSystemBrowser } from '@latchkey/client/node'
import { userLine } from '../format.js'
import { clientOptions, openClient, type Command } from '../session.js'
import { stagingStorage } from '../staging.js'

export interface LoginOptions {
  /** Open the system browser (default); false only prints the URL. */
  readonly open: boolean
  /** Seconds to wait for the browser to come back. */
  readonly timeoutSeconds: number
}

export async function login(command: Command, options: LoginOptions): Promise<void> {
  const { config, runtime } = command
  const print = (line = '') => runtime.stdout(`${line}\n`)
  const staged = stagingStorage()
  const { user } = await loginWithLoopback(clientOptions(command, staged), {
    timeoutMs: options.timeoutSeconds * 1000,
    openBrowser: async (url) => {
      print('Open this URL in your browser to log in:')
      print()
      print(`  ${url}`)
      print()
      if (options.open) {
        const opened = await (runtime.openBrowser ?? openSystemBrowser)(url).catch(() => false)
        if (!opened) print('(No browser could be opened here: open the URL yourself, on this machine.)')
      }
      print(`Waiting up to ${options.timeoutSeconds} s for the browser to come back (Ctrl-C to cancel)...`)
    },
  })

  // Replace the previous session, revoking its refresh token, then keep the new one.
  const previous = await openClient(command)
  const warnings: string[] = []
  if (await previous.getUser()) {
    await previous.logout({ onRevocationError: () => warnings.push('the previous refresh token could not be revoked; it stays valid until it expires') }).catch(() => {
      warnings.push('Latchkey could not be asked to revoke the previous refresh token; it stays valid until it expires')
    })
  }
  await staged.copyTo(fileStorage(config.tokenFile))
  for (const warning of warnings) runtime.stderr(`warning: ${warning}\n`)
  print(`Logged in as ${userLine(user)}.`)
  print(`Tokens are kept in ${config.tokenFile} (mode 0600: only your user can read it).`)
}
