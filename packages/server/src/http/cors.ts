/**
 * CORS for the endpoints browsers call from the app's own origin (token, revocation, userinfo):
 * an origin is allowed when an application lists it as a web origin or allowed origin, or one of its
 * callbacks lives there (Auth0's rule). Discovery and JWKS are public documents: `*`.
 */
import { originOf, type ApplicationRecord } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Context, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'

const ALLOWED_HEADERS = 'authorization, content-type, auth0-client, dpop'
/** The longest a node serves an origin list it read: the bound when no change notice arrives. */
export const ORIGINS_REFRESH_MS = 2_000

export function appOrigins(app: ApplicationRecord): string[] {
  return [...app.webOrigins, ...app.allowedOrigins, ...app.callbacks.map(originOf).filter((o): o is string => o !== null)]
}

/**
 * Every origin some application allows, re-read every two seconds, and at once when the store
 * reports that applications changed (on PostgreSQL, on any node or through the CLI).
 */
export function originRegistry(store: Store, now: () => number) {
  let cached: { at: number; origins: Promise<Set<string>> } | undefined
  store.changes.listen((topic) => {
    if (topic === 'applications' || topic === 'all') cached = undefined
  })
  async function load(): Promise<Set<string>> {
    const origins = new Set<string>()
    for (let page = 0; ; page++) {
      const apps = await store.applications.list({ page, perPage: 100 })
      for (const app of apps) for (const origin of appOrigins(app)) origins.add(origin)
      if (apps.length < 100) return origins
    }
  }
  return {
    async allows(origin: string): Promise<boolean> {
      const t = now()
      if (!cached || t - cached.at > ORIGINS_REFRESH_MS || t < cached.at) cached = { at: t, origins: load() }
      const entry = cached
      try {
        return (await entry.origins).has(origin)
      } catch {
        if (cached === entry) cached = undefined
        return false
      }
    },
  }
}

export type OriginRegistry = ReturnType<typeof originRegistry>

const registries = new WeakMap<Store, OriginRegistry>()

/** One registry per store: Hono's CORS middleware and the hot path share its cache. */
export function originRegistryOf(store: Store, now: () => number): OriginRegistry {
  let registry = registries.get(store)
  if (!registry) {
    registry = originRegistry(store, now)
    registries.set(store, registry)
  }
  return registry
}

/** The headers an answer to an allowed origin carries, errors included. */
export function corsAnswerHeaders(origin: string): Record<string, string> {
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin', 'Access-Control-Expose-Headers': EXPOSED_HEADERS }
}

const EXPOSED_HEADERS = 'WWW-Authenticate, DPoP-Nonce, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset'

function setCorsHeaders(c: Context, origin: string) {
  c.header('Access-Control-Allow-Origin', origin)
  c.header('Vary', 'Origin')
}

/** Preflight answers and `Access-Control-Allow-Origin` on every answer, errors included. */
export function appCors(registry: OriginRegistry, methods: string): MiddlewareHandler {
  return createMiddleware(async function appCors(c, next) {
    const origin = c.req.header('origin')
    const allowed = origin !== undefined && origin.length < 512 && (await registry.allows(origin))
    if (c.req.method === 'OPTIONS') {
      if (!allowed) return c.body(null, 204, { Vary: 'Origin' })
      setCorsHeaders(c, origin)
      c.header('Access-Control-Allow-Methods', methods)
      c.header('Access-Control-Allow-Headers', ALLOWED_HEADERS)
      c.header('Access-Control-Max-Age', '600')
      return c.body(null, 204)
    }
    await next()
    if (allowed) {
      c.res.headers.set('Access-Control-Allow-Origin', origin)
      c.res.headers.append('Vary', 'Origin')
      c.res.headers.set('Access-Control-Expose-Headers', EXPOSED_HEADERS)
    }
  })
}

export function publicCors(): MiddlewareHandler {
  return createMiddleware(async function publicCors(c, next) {
    if (c.req.method === 'OPTIONS') {
      return c.body(null, 204, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET', 'Access-Control-Max-Age': '600' })
    }
    await next()
    c.res.headers.set('Access-Control-Allow-Origin', '*')
  })
}
