import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pageableTotal, userQueryOf } from '../src/user-search.js'

describe("the Users page's search box", () => {
  it('searches a name or an email address (or the start of one) as a prefix of either', () => {
    assert.equal(userQueryOf(' Jane '), '"Jane"')
    assert.equal(userQueryOf('jane doe'), '"jane doe"')
    assert.equal(userQueryOf('jane@example.com'), '"jane@example.com"')
    assert.equal(userQueryOf('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"')
  })

  it('finds a user id as the whole id', () => {
    assert.equal(userQueryOf('auth0|65f0c0ffee'), 'user_id:"auth0|65f0c0ffee"')
    assert.equal(userQueryOf('oidc|acme|sub-1'), 'user_id:"oidc|acme|sub-1"')
    assert.equal(userQueryOf('google-oauth2|1234'), 'user_id:"google-oauth2|1234"')
  })

  it("sends a query naming a field as it is, and nothing for an empty box", () => {
    assert.equal(userQueryOf('name:jan* AND email:"jane@example.com"'), 'name:jan* AND email:"jane@example.com"')
    assert.equal(userQueryOf('  '), null)
  })

  it('pages a search through its first 1000 results only', () => {
    assert.equal(pageableTotal(100_000, true), 1000)
    assert.equal(pageableTotal(100_000, false), 100_000)
    assert.equal(pageableTotal(12, true), 12)
  })
})
