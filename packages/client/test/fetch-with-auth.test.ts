/**
 * fetchWithAuth: the Bearer header, and one refresh plus one retry after a 401 whose challenge
 * says `invalid_token` (RFC 6750 §3.1), never more.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { clientFor, createFakeIssuer, login } from './support/fake-issuer.js'

const INVALID_TOKEN = 'Bearer realm="api", error="invalid_token", error_description="The access token expired"'

describe('fetchWithAuth', () => {
  it('sends the access token as a Bearer token and keeps the caller\'s request', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    await login(client, fake)
    const seen: { auth: string | null; method: string; type: string | null; body: string }[] = []
    fake.setApi(async (req) => {
      seen.push({ auth: req.headers.get('authorization'), method: req.method, type: req.headers.get('content-type'), body: await req.text() })
      return Response.json({ ok: true }, { status: 201 })
    })
    const res = await client.fetchWithAuth('https://api.example.com/appointments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"at":"9:00"}' })
    assert.equal(res.status, 201)
    assert.deepEqual(await res.json(), { ok: true })
    assert.deepEqual(seen, [{ auth: `Bearer ${await client.getAccessToken()}`, method: 'POST', type: 'application/json', body: '{"at":"9:00"}' }])
  })

  it('on a 401 invalid_token: refreshes once and retries once with the new token (body included)', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    await login(client, fake)
    const old = await client.getAccessToken()
    const seen: { auth: string | null; body: string }[] = []
    fake.setApi(async (req) => {
      const auth = req.headers.get('authorization')
      seen.push({ auth, body: await req.text() })
      if (auth === `Bearer ${old}`) return new Response('{"message":"expired"}', { status: 401, headers: { 'www-authenticate': INVALID_TOKEN } })
      return Response.json({ ok: true })
    })
    const res = await client.fetchWithAuth(new Request('https://api.example.com/appointments', { method: 'PUT', body: 'payload' }))
    assert.equal(res.status, 200)
    assert.equal(fake.refreshCount(), 1)
    const fresh = await client.getAccessToken()
    assert.notEqual(fresh, old)
    assert.deepEqual(seen, [
      { auth: `Bearer ${old}`, body: 'payload' },
      { auth: `Bearer ${fresh}`, body: 'payload' },
    ])
  })

  it('returns the second 401 as it is: one retry, never a loop', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    await login(client, fake)
    let calls = 0
    fake.setApi(() => {
      calls += 1
      return new Response('nope', { status: 401, headers: { 'www-authenticate': INVALID_TOKEN } })
    })
    const res = await client.fetchWithAuth('https://api.example.com/appointments')
    assert.equal(res.status, 401)
    assert.equal(await res.text(), 'nope', 'the body is readable')
    assert.equal(calls, 2)
    assert.equal(fake.refreshCount(), 1)
  })

  it('does not refresh for other answers: 401 without invalid_token, 403 insufficient_scope, 500', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    await login(client, fake)
    const answers = [
      new Response('a', { status: 401 }),
      new Response('b', { status: 401, headers: { 'www-authenticate': 'Basic realm="api"' } }),
      new Response('c', { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="write:appointments"' } }),
      new Response('d', { status: 500 }),
    ]
    let i = 0
    fake.setApi(() => answers[i++]!)
    for (const [status, body] of [[401, 'a'], [401, 'b'], [403, 'c'], [500, 'd']] as const) {
      const res = await client.fetchWithAuth('https://api.example.com/appointments')
      assert.equal(res.status, status)
      assert.equal(await res.text(), body)
    }
    assert.equal(fake.refreshCount(), 0)
  })

  it('concurrent 401s share one refresh', async () => {
    const fake = await createFakeIssuer({ refreshDelayMs: 30 })
    const client = clientFor(fake, { locks: false })
    await login(client, fake)
    const old = await client.getAccessToken()
    fake.setApi((req) =>
      req.headers.get('authorization') === `Bearer ${old}` ? new Response(null, { status: 401, headers: { 'www-authenticate': INVALID_TOKEN } }) : Response.json({ ok: true }),
    )
    const responses = await Promise.all(Array.from({ length: 4 }, () => client.fetchWithAuth('https://api.example.com/x')))
    assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 200])
    assert.equal(fake.refreshCount(), 1)
  })
})
