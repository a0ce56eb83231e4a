/**
 * Reading a body with a byte limit: chunk by chunk, the stream cancelled as soon as it passes the
 * limit, so a huge or endless body costs at most `limit` bytes of memory. Used for requests (form,
 * JSON and multipart bodies) and for upstream providers' answers; each caller turns "too large"
 * into its own error.
 */

/** The body's bytes, or null when it is larger than `limit` (its stream then cancelled). */
export async function readWithin(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!body) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      return null
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  return bytes
}
