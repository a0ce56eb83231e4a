/**
 * What actions' `api` calls mean (actions/commands.ts): claims no action may set are ignored and
 * noted, a denial ends the trigger, and scope changes reach only the access token, never beyond
 * what the API defines.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ActionCommand, applyCommands, EMPTY_OUTCOME, scopeAfterActions } from '../src/actions/commands.js'

describe('Actions: commands into an outcome', () => {
  it('custom claims land in their token; standard claims (sub, aud, scope, …) are ignored and noted', () => {
    const { outcome, notes } = applyCommands('post-login', EMPTY_OUTCOME, 'roles', [
      { kind: 'idToken.setCustomClaim', name: 'https://example.com/roles', value: ['admin'] },
      { kind: 'accessToken.setCustomClaim', name: 'sub', value: 'auth0|someone-else' },
      { kind: 'accessToken.setCustomClaim', name: 'tier', value: 'gold' },
      { kind: 'idToken.setCustomClaim', name: 'aud', value: 'x' },
    ])
    assert.deepEqual(outcome.idTokenClaims, { 'https://example.com/roles': ['admin'] })
    assert.deepEqual(outcome.accessTokenClaims, { tier: 'gold' })
    assert.deepEqual(notes, ['accessToken.setCustomClaim("sub") ignored: a claim no action may set', 'idToken.setCustomClaim("aud") ignored: a claim no action may set'])
  })

  it('a later action overrides an earlier one; a denial ends the trigger with the first reason', () => {
    const first = applyCommands('post-login', EMPTY_OUTCOME, 'a', [{ kind: 'accessToken.setCustomClaim', name: 'plan', value: 'free' }]).outcome
    const second = applyCommands('post-login', first, 'b', [
      { kind: 'accessToken.setCustomClaim', name: 'plan', value: 'pro' },
      { kind: 'access.deny', reason: 'weekends are closed' },
      { kind: 'accessToken.setCustomClaim', name: 'after', value: true },
    ]).outcome
    assert.deepEqual(second.accessTokenClaims, { plan: 'pro' })
    assert.deepEqual(second.denied, { reason: 'weekends are closed', action: 'b' })
    const third = applyCommands('post-login', second, 'c', [{ kind: 'access.deny', reason: 'other' }]).outcome
    assert.equal(third.denied?.action, 'b')
  })

  it('scope changes: removed first, added only if the API defines them', () => {
    const commands: ActionCommand[] = [
      { kind: 'accessToken.addScope', scope: 'write:appointments' },
      { kind: 'accessToken.addScope', scope: 'launch:rockets' },
      { kind: 'accessToken.removeScope', scope: 'read:appointments' },
    ]
    const { outcome } = applyCommands('post-login', EMPTY_OUTCOME, 'scopes', commands)
    const api = new Set(['read:appointments', 'write:appointments'])
    assert.deepEqual(scopeAfterActions(['openid', 'read:appointments'], outcome, api), ['openid', 'write:appointments'])
  })

  it('metadata keys merge across actions; null removes a key', () => {
    const a = applyCommands('post-login', EMPTY_OUTCOME, 'a', [{ kind: 'user.setAppMetadata', name: 'plan', value: 'gold' }]).outcome
    const b = applyCommands('post-login', a, 'b', [
      { kind: 'user.setAppMetadata', name: 'seen', value: true },
      { kind: 'user.setUserMetadata', name: 'theme', value: null },
    ]).outcome
    assert.deepEqual(b.appMetadata, { plan: 'gold', seen: true })
    assert.deepEqual(b.userMetadata, { theme: null })
  })
})
