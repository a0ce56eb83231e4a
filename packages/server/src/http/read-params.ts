/**
 * Reading request parameters strictly: every value of every name is kept (so repeats can be
 * refused), bytes must be UTF-8 and percent-escapes must decode to UTF-8, and the body is read only
 * as `application/x-www-form-urlencoded` or JSON, within a size limit.
 */
import { InvalidRequest, paramsFrom, paramsFromObject } from '@latchkey/core'
import type { Context } from 'hono'
import { readWithin } from './bounded-body.js'

export const MAX_BODY_BYTES = 64 * 1024
/**
 * Below Node's default 16 KiB limit on the request line plus headers (`maxHeaderSize`), so an
 * oversized query reaches this check and gets the 400 page; longer requests get Node's bare 431.
 */
export const MAX_QUERY_LENGTH = 8 * 1024

const decoder = new TextDecoder('utf-8', { fatal: true })

/** Throws unless every `name=value` pair percent-decodes to valid UTF-8. */
function assertDecodable(encoded: string): void {
  if (encoded === '') return
  // Only escapes can be malformed: most bodies have few (a redirect URI's), so most pairs are skipped.
  if (!encoded.includes('%')) return
  for (const pair of encoded.split('&')) {
    if (!pair.includes('%')) continue
    try {
      decodeURIComponent(pair)
    } catch {
      throw new InvalidRequest('Parameters must be valid UTF-8 and correctly percent-encoded.')
    }
  }
}

export function parseUrlEncoded(encoded: string): Map<string, string[]> {
  assertDecodable(encoded)
  return paramsFrom(new URLSearchParams(encoded))
}

export function readQuery(c: Context): Map<string, string[]> {
  const url = c.req.url
  const start = url.indexOf('?')
  const query = start === -1 ? '' : url.slice(start + 1).split('#')[0] ?? ''
  if (query.length > MAX_QUERY_LENGTH) throw new InvalidRequest('The query string is too long.')
  return parseUrlEncoded(query)
}

/** The body as UTF-8 text, refused past `limit` bytes (MAX_BODY_BYTES by default; declared or streamed). */
export async function readBodyBytes(c: Context, limit = MAX_BODY_BYTES): Promise<string> {
  const length = c.req.header('content-length')
  const declared = Number(length ?? '0')
  if (declared > limit) throw new InvalidRequest('The request body is too large.')
  // With a Content-Length within the limit, Node's parser delivers exactly that many bytes: read them
  // in one go (@hono/node-server then skips building a web stream). Otherwise (chunked), count as they come.
  const bytes = length !== undefined && /^\d+$/.test(length) ? new Uint8Array(await c.req.raw.arrayBuffer()) : await readCounted(c, limit)
  return decodeBody(bytes, limit)
}

/** The body read chunk by chunk, given up as soon as it passes `limit`. */
async function readCounted(c: Context, limit: number): Promise<Uint8Array> {
  const bytes = await readWithin(c.req.raw.body, limit)
  if (bytes === null) throw new InvalidRequest('The request body is too large.')
  return bytes
}

/** The body of a POST as parameters: form-encoded (RFC 6749 §3.2) or, as Auth0 accepts, JSON. */
export function readBody(c: Context, opts: { json: boolean }): Promise<Map<string, string[]>> {
  return bodyParams(c.req.header('content-type'), () => readBodyBytes(c), opts)
}

/**
 * The parameters of a body of `contentType`, whose text `text()` reads (within the size limit, as
 * UTF-8): the rule both Hono's routes and the hot path (http/hot-path.ts) apply.
 */
export async function bodyParams(contentType: string | undefined, text: () => Promise<string>, opts: { json: boolean }): Promise<Map<string, string[]>> {
  const type = mediaType(contentType)
  if (type === 'application/x-www-form-urlencoded') return parseUrlEncoded(await text())
  if (opts.json && type === 'application/json') {
    let value: unknown
    try {
      value = JSON.parse(await text())
    } catch (err) {
      if (err instanceof InvalidRequest) throw err
      throw new InvalidRequest('The request body is not valid JSON.')
    }
    const params = value !== null && typeof value === 'object' && !Array.isArray(value) ? paramsFromObject(value as Record<string, unknown>) : null
    if (!params) throw new InvalidRequest('The JSON body must be an object of string values.')
    return params
  }
  throw new InvalidRequest(
    opts.json
      ? 'Content-Type must be application/x-www-form-urlencoded or application/json.'
      : 'Content-Type must be application/x-www-form-urlencoded.',
  )
}

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

/** UTF-8 text of a body already within the size limit (MAX_BODY_BYTES unless given). */
export function decodeBody(bytes: Uint8Array, limit = MAX_BODY_BYTES): string {
  if (bytes.byteLength > limit) throw new InvalidRequest('The request body is too large.')
  try {
    return decoder.decode(bytes)
  } catch {
    throw new InvalidRequest('The request body must be valid UTF-8.')
  }
}
