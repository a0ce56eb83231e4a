// `vite build` through Vite's JavaScript API, no config file: spa/ to spa/dist/.
import { build } from 'vite'

await build({ root: import.meta.dirname, configFile: false, logLevel: 'warn', build: { outDir: 'dist', emptyOutDir: true } })
