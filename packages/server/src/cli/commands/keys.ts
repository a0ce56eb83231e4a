/**
 * `latchkey keys …`: the signing keys. A rotation publishes the new key at once and lets it sign
 * after a delay (by default the JWKS cache lifetime, so verifiers have fetched it by then).
 */
import { systemClock } from '@latchkey/core'
import { type Command, InvalidArgumentError } from 'commander'
import { DEFAULT_ROTATION_DELAY_SECONDS, KeyRing } from '../../keys/key-ring.js'
import { keyRotatedEvent } from '../../keys/rotation-schedule.js'
import { recordCliEvent } from '../audit.js'
import { presentKey, table } from '../present.js'
import { type CommonOptions, group, leaf, print, run } from '../run.js'

const MAX_DELAY = 2_592_000

function delaySeconds(value: string): number {
  const n = Number(value.trim())
  if (!/^\d+$/.test(value.trim()) || n > MAX_DELAY) throw new InvalidArgumentError(`expected whole seconds between 0 and ${MAX_DELAY}`)
  return n
}

export function registerKeys(program: Command): void {
  const keys = group(program, 'keys', 'Manage the token signing keys')

  leaf(keys, 'list', 'List signing keys and their states (next, current, previous, retired)')
    .alias('ls')
    .action((opts: CommonOptions) =>
      run(opts, async (store) => {
        const statuses = await new KeyRing(store, systemClock).statuses()
        const rows = statuses.map(presentKey)
        print(opts, rows, () =>
          rows.length === 0
            ? 'No keys yet (the server creates one on first start).'
            : table(
                ['KID', 'STATE', 'CREATED', 'ACTIVATES', 'UNPUBLISH AT'],
                rows.map((k) => [k.kid, k.state, k.created_at, k.activates_at, k.unpublish_at]),
              ),
        )
      }),
    )

  leaf(keys, 'rotate', 'Publish a new signing key that starts signing after --delay seconds', (cmd) =>
    cmd.option('--delay <seconds>', 'seconds before the new key signs; 0 switches at once (emergencies)', delaySeconds, DEFAULT_ROTATION_DELAY_SECONDS),
  )
    .action((opts: CommonOptions & { delay: number }) =>
      run(opts, async (store) => {
        const ring = new KeyRing(store, systemClock)
        // A first key, so the rotation has one to hand over from (what the server does on start).
        await ring.ensureKey()
        const created = await ring.rotate(opts.delay)
        await recordCliEvent(store, keyRotatedEvent(created, 'cli'))
        const status = (await ring.statuses()).find((s) => s.key.kid === created.kid)
        const shown = status ? presentKey(status) : presentKey({ key: created, state: 'next', unpublishAt: null })
        print(opts, shown, () =>
          opts.delay === 0
            ? `New signing key ${created.kid} signs from now on; the previous key stays published until its tokens expire.`
            : `New signing key ${created.kid} is published now and starts signing at ${shown.activates_at} (in ${opts.delay} s).`,
        )
      }),
    )
}
