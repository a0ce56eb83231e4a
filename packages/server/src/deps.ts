/** Everything the HTTP app needs, injected (time included) so tests can control it. */
import type { Clock } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { AuditLog } from './audit.js'
import type { Config } from './config.js'
import type { DevelopmentMailbox } from './email/development-mailbox.js'
import type { Emailer } from './email/emailer.js'
import type { Strategies } from './connections/strategies/index.js'
import type { KeyRing } from './keys/key-ring.js'
import type { Logger } from './logger.js'
import type { Metrics } from './operations/metrics.js'
import type { Readiness } from './operations/readiness.js'
import type { Limits } from './rate-limits/limits.js'
import type { ActionRunner } from './actions/action-runner.js'

export interface Deps {
  readonly config: Config
  readonly store: Store
  readonly keys: KeyRing
  /** The upstream strategies (oidc, google-oauth2, github, oauth2) with their caches: one per server. */
  readonly strategies: Strategies
  readonly clock: Clock
  readonly log: Logger
  /** The audit log: `audit.record(c, event)` never throws. */
  readonly audit: AuditLog
  readonly limits: Limits
  /** Prometheus metrics of this process; null when /metrics is served nowhere (nothing is measured). */
  readonly metrics: Metrics | null
  /** What /readyz answers: draining, store reachable, migrations done. */
  readonly readiness: Readiness
  /** Sends emails through the durable outbox (email/emailer.ts); `email.available` says whether they can go anywhere. */
  readonly email: Emailer
  /** The development outbox's copies, shown at /dev/outbox; null when LATCHKEY_DEV_OUTBOX is off. */
  readonly devOutbox: DevelopmentMailbox | null
  /** Runs the Actions bound to each trigger (actions/action-runner.ts). */
  readonly actions: ActionRunner
}
