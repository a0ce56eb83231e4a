/**
 * Auth0's ManagementClient (v5) takes no fetch of its own and speaks https to `domain`: tests play
 * the TLS proxy in front of the server by replacing the global fetch, sending
 * `https://{domain}/…` to the server's `http://localhost:PORT/…` and refusing anything else.
 */
export function proxyGlobalFetch(issuer: string, serverUrl: string): () => void {
  const realFetch = globalThis.fetch
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!url.startsWith(issuer)) return Promise.reject(new Error(`unexpected request to ${url}`))
    const target = `${serverUrl}${url.slice(issuer.length)}`
    return input instanceof Request ? realFetch(new Request(target, input), init) : realFetch(target, init)
  }) as typeof fetch
  return () => {
    globalThis.fetch = realFetch
  }
}
