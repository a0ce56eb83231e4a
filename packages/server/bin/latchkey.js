#!/usr/bin/env -S node --max-semi-space-size=4
// The `latchkey` command. Latchkey runs its TypeScript sources directly through tsx (no build step).
// --max-semi-space-size=4 (MiB): V8's young generation grows to 3 × 16 MiB under load by default;
// capped, a busy node stays about 40 MB smaller for no CPU the benchmark can tell (docs/performance.md).
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
await main(process.argv)
