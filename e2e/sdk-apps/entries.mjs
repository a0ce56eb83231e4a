// Loads every entry point of both packages as an app would: import() of each, and require() of each
// of @latchkey/resource-server's (its CommonJS build). Prints the export names of each as JSON.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const server = ['', '/express', '/fastify', '/hono', '/node'].map((path) => `@latchkey/resource-server${path}`)

const imported = {}
for (const specifier of ['@latchkey/client', '@latchkey/client/node', ...server]) imported[specifier] = Object.keys(await import(specifier)).sort()
const required = {}
for (const specifier of server) required[specifier] = Object.keys(require(specifier)).sort()

console.log(JSON.stringify({ imported, required }))
