#!/usr/bin/env -S node --max-semi-space-size=4
// The `latchkey` command. It runs the compiled server (dist/, `npm run build`) with plain node: no
// TypeScript loader in the process. Development runs (npm test, the benchmark, the examples) start
// node with the `@latchkey/source` condition (NODE_OPTIONS=--conditions=@latchkey/source), under
// which the packages' exports point at their TypeScript sources: the command then loads tsx and runs
// the current sources, so a test never exercises a stale build (docs/decisions.md).
// --max-semi-space-size=4 (MiB): V8's young generation grows to 3 × 16 MiB under load by default;
// capped, a busy node stays about 40 MB smaller for no CPU the benchmark can tell (docs/performance.md).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = import.meta.resolve('@latchkey/server/cli')
if (entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api')
  register()
} else if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'latchkey: the server is not built (no packages/server/dist). Run `npm run build` first, or start node with NODE_OPTIONS=--conditions=@latchkey/source to run the TypeScript sources in development.\n',
  )
  process.exit(1)
}
const { main } = await import(entry)
await main(process.argv)
