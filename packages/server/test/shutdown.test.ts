/**
 * Stopping drains: a request already in flight when the server is asked to stop still gets its full
 * answer, and new connections are refused.
 */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { describe, it } from 'node:test'
import { startTestServer } from './support/harness.js'

describe('graceful stop', () => {
  it('finishes an in-flight request after close() begins, then refuses new connections', async () => {
    const server = await startTestServer()
    const url = new URL('oauth/token', server.url)
    const [head, tail] = ['grant_type=refresh_', 'token&client_id=none']
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(head.length + tail.length) } }, (res) => {
        let body = ''
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      req.on('error', reject)
      req.write(head) // half of the body: the request is in flight
      setTimeout(() => {
        const closing = server.close()
        setTimeout(() => req.end(tail), 100) // the rest arrives after close() began
        closing.catch(reject)
      }, 100)
    })
    const { status, body } = await answer
    assert.equal(status, 401)
    assert.equal(JSON.parse(body).error, 'invalid_client', 'a complete, ordinary answer')
    await assert.rejects(fetch(server.url), 'new connections are refused once stopped')
  })
})
