// The files the server reads beside its modules at run time (`new URL('./…', import.meta.url)`),
// copied into dist/ after `tsc -b`, so the compiled server finds them where the sources do.
import { cpSync } from 'node:fs'

const FILES = ['assets', 'actions/action-worker.mjs']

for (const file of FILES) {
  cpSync(new URL(`../src/${file}`, import.meta.url), new URL(`../dist/${file}`, import.meta.url), { recursive: true })
}
