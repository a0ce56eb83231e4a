/**
 * Builds the console into `dist/`: `assets/app-HASH.js`, `assets/app-HASH.css` and `manifest.json`
 * naming them. The server reads the manifest once at start and renders the index page itself, so
 * the asset paths follow the issuer's path and no inline script is needed.
 * Run as `npm run build -w @latchkey/admin-console`, or call `buildConsole()` (the browser test does).
 */
import { build } from 'esbuild'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export interface ConsoleManifest {
  readonly script: string
  readonly stylesheet: string
}

export const DEFAULT_OUTDIR = fileURLToPath(new URL('../dist/', import.meta.url))

export async function buildConsole(outdir = DEFAULT_OUTDIR): Promise<ConsoleManifest> {
  rmSync(outdir, { recursive: true, force: true })
  mkdirSync(join(outdir, 'assets'), { recursive: true })
  const result = await build({
    entryPoints: { app: fileURLToPath(new URL('./main.ts', import.meta.url)), style: fileURLToPath(new URL('./console.css', import.meta.url)) },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    // @latchkey/client from its sources: the workspaces build in name order, this one before the client's dist exists
    conditions: ['@latchkey/source'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    entryNames: '[name]-[hash]',
    outdir: join(outdir, 'assets'),
    metafile: true,
    logLevel: 'warning',
  })
  const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file))
  const script = outputs.find((name) => name.startsWith('app-') && name.endsWith('.js'))
  const stylesheet = outputs.find((name) => name.startsWith('style-') && name.endsWith('.css'))
  if (script === undefined || stylesheet === undefined) throw new Error(`esbuild did not write the console's script and stylesheet: ${outputs.join(', ')}`)
  const manifest = { script, stylesheet }
  writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  return manifest
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const manifest = await buildConsole()
  console.log(`admin console built: dist/assets/${manifest.script}, dist/assets/${manifest.stylesheet}`)
}
