/** What the operations of one client share. */
import type { Config } from './config.js'
import type { Protocol } from './protocol.js'
import type { SessionStore } from './session-store.js'

export interface Context {
  readonly config: Config
  readonly protocol: Protocol
  readonly store: SessionStore
}
