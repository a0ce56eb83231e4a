/**
 * Reading a `multipart/form-data` body (Auth0's users-imports job): bounded by the route's
 * `maxBodyBytes` (413 past it, declared or streamed), parsed by the platform's FormData parser, and
 * handed to the route's schema as an object: each text field its string, each file a `File`. A
 * name given twice, a malformed body or another content type are 400s in Auth0's shape.
 */
import type { Context } from 'hono'
import { badRequest, ManagementError } from './errors.js'
import { readWithin } from '../http/bounded-body.js'

const tooLarge = (limit: number) => new ManagementError(413, 'payload_too_large', `The request body is larger than ${limit} bytes.`)

async function readBounded(c: Context, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = c.req.header('content-length')
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit)
  const bytes = await readWithin(c.req.raw.body, limit)
  if (bytes === null) throw tooLarge(limit)
  return bytes
}

export async function readMultipartBody(c: Context, limit: number): Promise<Record<string, string | File>> {
  const contentType = c.req.header('content-type') ?? ''
  if (contentType.split(';')[0]?.trim().toLowerCase() !== 'multipart/form-data') throw badRequest('Content-Type must be multipart/form-data.', 'invalid_body')
  const bytes = await readBounded(c, limit)
  let form: FormData
  try {
    form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData()
  } catch {
    throw badRequest('The multipart/form-data body could not be read.', 'invalid_body')
  }
  const fields: Record<string, string | File> = {}
  for (const [name, value] of form.entries()) {
    if (Object.hasOwn(fields, name)) throw badRequest(`Payload validation error: '${name}' was given more than once.`, 'invalid_body')
    fields[name] = value
  }
  return fields
}
