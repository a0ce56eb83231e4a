/**
 * Getting started and the console's routes: the seed's six steps carry the chosen application's real
 * client_id and callback and the API's identifier; the paths below /admin/ name the pages.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { errorMessageOf } from '../src/api.js'
import { SECTION_PATHS } from '../src/pages/index.js'
import { routeOf } from '../src/routes.js'
import { sdkSnippets, sixSteps, startingPointOf } from '../src/snippets.js'

const issuer = 'https://login.example.com/'
const app = { client_id: 'abc123', callbacks: ['http://localhost:4000/callback'] }
const api = { identifier: 'https://api.seed.example/', scopes: [{ value: 'read:messages' }] }

describe('getting started', () => {
  const point = startingPointOf(issuer, app, api)

  it("fills the seed's six steps with the application and the API", () => {
    const steps = sixSteps(point)
    assert.deepEqual(
      steps.map((step) => step.title),
      ['1. Create a code verifier', '2. Create a code challenge', '3. Authorize the user', '4. Request tokens', '5. Call your API', '6. Refresh tokens'],
    )
    const authorize = new URL((steps[2]?.code ?? '').replace('$CODE_CHALLENGE', 'CH'))
    assert.equal(authorize.origin + authorize.pathname, 'https://login.example.com/authorize')
    assert.equal(authorize.searchParams.get('client_id'), 'abc123')
    assert.equal(authorize.searchParams.get('redirect_uri'), 'http://localhost:4000/callback')
    assert.equal(authorize.searchParams.get('audience'), 'https://api.seed.example/')
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256')
    assert.equal(authorize.searchParams.get('scope'), 'openid profile email offline_access read:messages')
    assert.match(steps[3]?.code ?? '', /https:\/\/login\.example\.com\/oauth\/token.*grant_type=authorization_code.*client_id=abc123.*redirect_uri=http:\/\/localhost:4000\/callback/s)
    assert.match(steps[5]?.code ?? '', /grant_type=refresh_token/)
  })

  it('gives @latchkey/client, @auth0/auth0-spa-js and native snippets with the same values', () => {
    const snippets = sdkSnippets(point)
    assert.deepEqual(snippets.map((s) => s.title), ['@latchkey/client', '@auth0/auth0-spa-js', 'Native app (Node, @latchkey/client/node)'])
    for (const snippet of snippets) assert.match(snippet.code, /abc123/)
    assert.match(snippets[1]?.code ?? '', /domain: 'login\.example\.com'/)
  })

  it("without an API, asks tokens for the Management API's audience", () => {
    assert.equal(startingPointOf(issuer, app, undefined).audience, 'https://login.example.com/api/v2/')
  })
})

describe('the routes below /admin/', () => {
  it('name the pages', () => {
    const route = (path: string) => routeOf('/admin/', path, SECTION_PATHS)
    assert.deepEqual(route('/admin/'), { page: 'section', section: '' })
    assert.deepEqual(route('/admin'), { page: 'section', section: '' })
    assert.deepEqual(route('/admin/callback'), { page: 'section', section: '' })
    assert.deepEqual(route('/admin/applications'), { page: 'section', section: 'applications' })
    assert.deepEqual(route('/admin/applications/new'), { page: 'item', section: 'applications' })
    assert.deepEqual(route('/admin/apis/rs%7C1'), { page: 'item', section: 'apis', id: 'rs|1' })
    assert.deepEqual(route('/admin/apis/%E0%A4%A'), { page: 'not-found', section: 'none' })
    assert.deepEqual(route('/admin/callback/x'), { page: 'not-found', section: 'none' })
    assert.deepEqual(route('/elsewhere'), { page: 'not-found', section: 'none' })
    assert.deepEqual(route('/admin/nothing/here/at-all'), { page: 'not-found', section: 'none' })
  })
})

describe("the API's errors", () => {
  it("show the API's own message, or say what failed", async () => {
    assert.equal(await errorMessageOf(new Response(JSON.stringify({ statusCode: 400, error: 'Bad Request', message: 'Payload validation error: name' }), { status: 400 })), 'Payload validation error: name')
    assert.equal(await errorMessageOf(new Response('', { status: 403 })), 'Your administrator role does not allow this change.')
    assert.equal(await errorMessageOf(new Response('oops', { status: 502, statusText: 'Bad Gateway' })), 'The server answered 502 Bad Gateway')
  })
})
