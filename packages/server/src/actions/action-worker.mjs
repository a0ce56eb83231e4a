// The worker side of the Actions runtime (action-pool.ts): plain JavaScript, so it needs no
// TypeScript loader in the worker. One job at a time: compile the action once per version (a
// CommonJS module wrapper, as Auth0 runs actions), call its handler with the event and an `api`
// whose calls are recorded as commands, and post the commands and the console output back. The
// main thread decides what the commands mean (core's actions/commands.ts); nothing here touches a
// token, a user or the database. The worker's memory and the job's time are limited from outside.
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { compileFunction } from 'node:vm'
import { parentPort, workerData } from 'node:worker_threads'

const requireFromDeployment = createRequire(workerData.modulesFrom)
const MAX_LOG_CHARS = 16_384
const MAX_COMPILED = 200
const DEFAULT_CACHE_TTL_MS = 15 * 60 * 1000
const MAX_CACHE_TTL_MS = 24 * 60 * 60 * 1000

/** @type {Map<string, Record<string, unknown>>} the exports of each compiled action version */
const compiled = new Map()

/** @type {{ lines: string[], chars: number } | null} */
let output = null
const write = (level) => (...args) => {
  if (!output || output.chars >= MAX_LOG_CHARS) return
  const line = `${level === 'log' ? '' : `${level}: `}${args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ')}`.slice(0, MAX_LOG_CHARS - output.chars)
  output.lines.push(line)
  output.chars += line.length
}
const actionConsole = { log: write('log'), info: write('info'), warn: write('warn'), error: write('error'), debug: write('debug') }

function safeJson(value) {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** A claim's or metadata's value as JSON carries it (functions and cycles refused at the call). */
function jsonValue(value) {
  const text = JSON.stringify(value)
  return text === undefined ? null : JSON.parse(text)
}

function load(action) {
  const key = `${action.id}\u0000${action.version}`
  let exports = compiled.get(key)
  if (exports) return exports
  const filename = `/actions/${action.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.js`
  const wrapper = compileFunction(action.code, ['exports', 'require', 'module', '__filename', '__dirname', 'console'], { filename })
  const module = { exports: {} }
  wrapper(module.exports, requireFromDeployment, module, filename, dirname(filename), actionConsole)
  exports = module.exports
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value)
  compiled.set(key, exports)
  return exports
}

/** Auth0's `api` for one trigger: every call is recorded, in order, as a command. */
function apiFor(trigger, commands, cache, now) {
  const api = {}
  const record = (command) => {
    commands.push(command)
    return api
  }
  const claims = (target) => ({ setCustomClaim: (name, value) => record({ kind: `${target}.setCustomClaim`, name: String(name), value: jsonValue(value) }) })
  const metadata = {
    setAppMetadata: (name, value) => record({ kind: 'user.setAppMetadata', name: String(name), value: jsonValue(value) }),
    setUserMetadata: (name, value) => record({ kind: 'user.setUserMetadata', name: String(name), value: jsonValue(value) }),
  }
  api.cache = {
    get(key) {
      const entry = cache[String(key)]
      return entry && entry.expiresAt > now ? { value: entry.value, expires_at: entry.expiresAt } : undefined
    },
    set(key, value, options = {}) {
      if (typeof value !== 'string') return { type: 'error', code: 'INVALID_VALUE' }
      const expiresAt = typeof options.expires_at === 'number' ? Math.min(options.expires_at, now + MAX_CACHE_TTL_MS) : now + Math.min(typeof options.ttl === 'number' ? options.ttl : DEFAULT_CACHE_TTL_MS, MAX_CACHE_TTL_MS)
      cache[String(key)] = { value, expiresAt }
      commands.push({ kind: 'cache.set', key: String(key), value, expiresAt })
      return { type: 'success' }
    },
    delete(key) {
      delete cache[String(key)]
      commands.push({ kind: 'cache.delete', key: String(key) })
      return { type: 'success' }
    },
  }
  if (trigger === 'post-login') {
    api.access = { deny: (reason) => record({ kind: 'access.deny', reason: String(reason ?? '') }) }
    api.idToken = claims('idToken')
    api.accessToken = {
      ...claims('accessToken'),
      addScope: (scope) => record({ kind: 'accessToken.addScope', scope: String(scope) }),
      removeScope: (scope) => record({ kind: 'accessToken.removeScope', scope: String(scope) }),
    }
    api.user = metadata
    api.multifactor = { enable: (provider, options) => record({ kind: 'multifactor.enable', provider: String(provider), options: jsonValue(options ?? {}) }) }
  } else if (trigger === 'credentials-exchange') {
    api.access = { deny: (code, reason) => record({ kind: 'access.deny', code: String(code ?? ''), reason: String(reason ?? '') }) }
    api.accessToken = claims('accessToken')
  } else if (trigger === 'pre-user-registration') {
    api.access = { deny: (reason, userMessage) => record({ kind: 'access.deny', reason: String(reason ?? ''), userMessage: userMessage === undefined ? undefined : String(userMessage) }) }
    api.user = metadata
  }
  return api
}

function errorOf(error) {
  if (error instanceof Error) return { name: error.name, message: error.message }
  return { name: 'Error', message: safeJson(error) }
}

parentPort.on('message', async (job) => {
  output = { lines: [], chars: 0 }
  const commands = []
  const logs = output.lines
  try {
    const exports = load(job.action)
    const handler = exports[job.handler]
    if (typeof handler !== 'function') throw new TypeError(`the action does not export ${job.handler}`)
    await handler(job.event, apiFor(job.trigger, commands, { ...job.cache }, job.now))
    parentPort.postMessage({ id: job.id, ok: true, commands, logs })
  } catch (error) {
    parentPort.postMessage({ id: job.id, ok: false, error: errorOf(error), commands, logs })
  } finally {
    output = null
  }
})

// Booted: the pool may send jobs (their time limit starts when they are sent).
parentPort.postMessage({ ready: true })
