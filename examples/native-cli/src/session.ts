/**
 * The SDK client for a command: Latchkey's native app, its tokens in the 0600 token file, the CLI's
 * transport (timeouts, "cannot reach" errors) and clock.
 */
import { createClient, type LatchkeyClient, type Storage } from '@latchkey/client'
import { fileStorage, type LoopbackClientOptions } from '@latchkey/client/node'
import { chmod, stat } from 'node:fs/promises'
import type { Config } from './config.js'
import { cliFetch } from './network.js'
import type { Runtime } from './runtime.js'

/** The redirect URI registered for the app; the loopback login uses it with its own port (RFC 8252 §7.3). */
export const REGISTERED_CALLBACK = 'http://127.0.0.1/callback'

export interface Command {
  readonly config: Config
  readonly runtime: Runtime
}

export function clientOptions({ config, runtime }: Command, storage: Storage = fileStorage(config.tokenFile)): LoopbackClientOptions {
  return {
    issuer: config.issuer,
    clientId: config.clientId,
    audience: config.audience,
    scope: config.scope,
    storage,
    // http: is accepted for a localhost issuer only (checked by the config and again by the SDK).
    allowInsecureRequests: new URL(config.issuer).protocol === 'http:',
    fetch: cliFetch(runtime.fetch),
    ...(runtime.clock ? { clock: runtime.clock } : {}),
    locks: false,
  }
}

/** A client over the token file, for the commands that use a stored session. */
export async function openClient(command: Command): Promise<LatchkeyClient> {
  await tightenTokenFile(command)
  return createClient({ ...clientOptions(command), redirectUri: REGISTERED_CALLBACK })
}

/** A token file that others can read (copied, or loosened by hand) is set back to 0600, with a warning. */
async function tightenTokenFile({ config, runtime }: Command): Promise<void> {
  if (process.platform === 'win32') return
  let mode: number
  try {
    mode = (await stat(config.tokenFile)).mode & 0o777
  } catch {
    return
  }
  if ((mode & 0o077) === 0) return
  await chmod(config.tokenFile, 0o600)
  runtime.stderr(`warning: ${config.tokenFile} was readable by others (mode ${mode.toString(8).padStart(4, '0')}); it is now 0600. Log out and in again if others may have copied it.\n`)
}
