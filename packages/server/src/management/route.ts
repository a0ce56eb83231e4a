/**
 * A Management API route as data: method, path, the scopes that allow it, and the zod schemas of
 * its path parameters, query string, body and answer. The router validates requests with these
 * schemas and the OpenAPI document is generated from the same ones, so the two cannot disagree.
 * Each resource file exports a `Resource` (a tag and its routes); `resources/index.ts` lists them.
 */
import type { Context } from 'hono'
import type { z } from 'zod'
import type { Deps } from '../deps.js'
import type { ManagementAudit } from './audit.js'

export type Method = 'get' | 'post' | 'patch' | 'put' | 'delete'

/**
 * Who called: the machine-to-machine application and the scopes its token carries, or an
 * administrator through the admin console (`userId` set, `clientId` the console's app).
 */
export interface Caller {
  readonly clientId: string
  readonly scopes: ReadonlySet<string>
  /** The administrator, when a user's token (the admin console's) called. */
  readonly userId?: string
}

export interface RouteInput<P, Q, B> {
  readonly c: Context
  readonly deps: Deps
  readonly caller: Caller
  readonly params: P
  readonly query: Q
  readonly body: B
  /** Records a change (Auth0's `sapi` event) with the caller as its actor. Never throws. */
  readonly audit: ManagementAudit
}

/** What a handler answers: a status and a JSON body (none for 204). */
export interface RouteResult {
  readonly status: 200 | 201 | 202 | 204
  readonly body?: unknown
}

export interface Answer {
  readonly status: 200 | 201 | 202 | 204
  readonly description: string
  readonly schema?: z.ZodType
}

export interface ManagementRoute {
  readonly method: Method
  /** Hono style, under /api/v2: `/clients/:id`. */
  readonly path: string
  readonly summary: string
  /** Any one of these allows the call (Auth0: "Insufficient scope, expected any of: …"). */
  readonly scopes: readonly string[]
  readonly params?: z.ZodType
  readonly query?: z.ZodType
  readonly body?: z.ZodType
  /** How the body is sent: JSON (the default) or multipart/form-data (its fields as strings, its files as `File`s). */
  readonly bodyType?: 'json' | 'multipart'
  /** The largest body the route reads, in bytes (MAX_BODY_BYTES, 64 KiB, by default). */
  readonly maxBodyBytes?: number
  readonly answer: Answer
  /** Extra 4xx answers the route gives besides the common ones (400, 401, 403, 429). */
  readonly errors?: Readonly<Record<number, string>>
  readonly handle: (input: RouteInput<unknown, unknown, unknown>) => Promise<RouteResult>
}

export interface Resource {
  /** The OpenAPI tag, as Auth0 names the group (`clients`, `resource-servers`, …). */
  readonly tag: string
  readonly description: string
  readonly routes: readonly ManagementRoute[]
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined

/**
 * Declares a route with its handler typed by its schemas: `params`, `query` and `body` reach the
 * handler already parsed.
 */
export function route<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(def: {
  readonly method: Method
  readonly path: string
  readonly summary: string
  readonly scopes: readonly string[]
  readonly params?: P
  readonly query?: Q
  readonly body?: B
  readonly bodyType?: 'json' | 'multipart'
  readonly maxBodyBytes?: number
  readonly answer: Answer
  readonly errors?: Readonly<Record<number, string>>
  readonly handle: (input: RouteInput<Out<P>, Out<Q>, Out<B>>) => Promise<RouteResult>
}): ManagementRoute {
  return def as unknown as ManagementRoute
}
