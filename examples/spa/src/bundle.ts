/**
 * Bundles the two pages' scripts with esbuild, in memory: `/assets/latchkey.js` (@latchkey/client)
 * and `/assets/auth0.js` (@auth0/auth0-spa-js), each with its source map, plus the style sheet.
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

export interface Asset {
  readonly body: Uint8Array
  readonly contentType: string
}

const browserDir = fileURLToPath(new URL('./browser/', import.meta.url))

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

function contentType(name: string): string {
  const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))]
  if (!type) throw new Error(`no content type for ${name}`)
  return type
}

/** The assets by URL path (`/assets/<name>`). */
export async function bundleAssets(): Promise<Map<string, Asset>> {
  const result = await build({
    entryPoints: { latchkey: `${browserDir}latchkey-page.ts`, auth0: `${browserDir}auth0-page.ts` },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // @latchkey/client's sources, as every run in this repository uses them (an installed package resolves to its dist/).
    conditions: ['@latchkey/source', 'module'],
    target: 'es2022',
    sourcemap: 'linked',
    minify: true,
    write: false,
    outdir: fileURLToPath(new URL('../dist/assets/', import.meta.url)),
    logLevel: 'silent',
  })
  const assets = new Map<string, Asset>()
  for (const file of result.outputFiles) {
    const name = basename(file.path)
    assets.set(`/assets/${name}`, { body: file.contents, contentType: contentType(name) })
  }
  assets.set('/assets/style.css', { body: await readFile(`${browserDir}style.css`), contentType: contentType('style.css') })
  return assets
}
