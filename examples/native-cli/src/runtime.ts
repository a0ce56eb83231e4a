/**
 * What the commands get from the outside world: the environment, the two output streams, and
 * (for tests) the clock, the transport and the browser opener. `main.ts` wires the real ones.
 */
import type { Clock, FetchLike } from '@latchkey/client'

export interface Runtime {
  readonly env: Readonly<Record<string, string | undefined>>
  /** Results and instructions. */
  stdout(text: string): void
  /** Errors and warnings. */
  stderr(text: string): void
  /** Default `Date.now`. */
  readonly clock?: Clock
  /** Default the global `fetch`. */
  readonly fetch?: FetchLike
  /** Opens a URL in the system browser; resolves false when none could be opened. */
  readonly openBrowser?: (url: string) => Promise<boolean>
}
