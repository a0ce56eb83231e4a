/** Auth0's user search syntax, the subset Latchkey answers: parsed into terms in one place, the rest refused with a reason. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseUserSearch, type UserSearchResult } from '../src/index.js'

const search = (q: string) => {
  const result = parseUserSearch(q)
  assert.ok('search' in result, `${q}: ${'error' in result ? result.error : ''}`)
  return result.search
}
const refusal = (q: string): string => {
  const result: UserSearchResult = parseUserSearch(q)
  assert.ok('error' in result, `${q} should be refused`)
  return result.error
}

describe('parseUserSearch', () => {
  it('reads a field with an exact quoted value, unescaping \\" and \\\\', () => {
    assert.deepEqual(search('email:"jane@example.com"'), [{ fields: ['email'], match: 'exact', value: 'jane@example.com' }])
    assert.deepEqual(search(' name : "Jane \\"JD\\" Doe\\\\" '), [{ fields: ['name'], match: 'exact', value: 'Jane "JD" Doe\\' }])
    assert.deepEqual(search('user_id:"auth0|65f0c0ffee"'), [{ fields: ['user_id'], match: 'exact', value: 'auth0|65f0c0ffee' }])
  })

  it('reads a trailing * as a prefix, and a bare word as an exact value', () => {
    assert.deepEqual(search('name:jan*'), [{ fields: ['name'], match: 'prefix', value: 'jan' }])
    assert.deepEqual(search('email:jane@example.com'), [{ fields: ['email'], match: 'exact', value: 'jane@example.com' }])
    for (const field of ['given_name', 'family_name', 'nickname'])
      assert.deepEqual(search(`${field}:Do*`), [{ fields: [field], match: 'prefix', value: 'Do' }])
  })

  it('makes a term without a field a prefix of the email address or the name', () => {
    for (const q of ['jane', 'jane*', '"jane"']) assert.deepEqual(search(q), [{ fields: ['email', 'name'], match: 'prefix', value: 'jane' }])
    assert.deepEqual(search('"jane doe"'), [{ fields: ['email', 'name'], match: 'prefix', value: 'jane doe' }])
    // 100% and _ are plain characters here: the store escapes them.
    assert.deepEqual(search('100%_off'), [{ fields: ['email', 'name'], match: 'prefix', value: '100%_off' }])
  })

  it('joins terms with AND', () => {
    assert.deepEqual(search('name:jan* AND email:"jane@example.com"'), [
      { fields: ['name'], match: 'prefix', value: 'jan' },
      { fields: ['email'], match: 'exact', value: 'jane@example.com' },
    ])
  })

  it('refuses what it cannot answer exactly, saying why', () => {
    assert.match(refusal(''), /empty/)
    assert.match(refusal('name:jane OR name:john'), /OR is not supported/)
    assert.match(refusal('name:jane name:john'), /join terms with AND/)
    assert.match(refusal('NOT name:jane'), /NOT needs a term before it/)
    assert.match(refusal('username:jane'), /no username/)
    assert.match(refusal('app_metadata.plan:"gold"'), /app_metadata\.plan is not searchable/)
    assert.match(refusal('logins_count:[1 TO 5]'), /logins_count is not searchable/)
    assert.match(refusal('name:*doe'), /only a trailing \*/)
    assert.match(refusal('name:j*e'), /only a trailing \*/)
    assert.match(refusal('name:*'), /at least one character before the \*/)
    assert.match(refusal('name:""'), /needs a value/)
    assert.match(refusal('user_id:auth0*'), /not a prefix/)
    assert.match(refusal('name:jane~'), /fuzzy/)
    assert.match(refusal('(name:jane)'), /Latchkey searches users by/)
    assert.match(refusal('a AND b AND c AND d AND e'), /at most 4 terms/)
    assert.match(refusal(`name:"${'x'.repeat(257)}"`), /at most 256 characters/)
  })
})
