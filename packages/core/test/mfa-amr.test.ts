import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { acrFor, firstFactorAmr, isMultiFactor, withSecondFactor } from '../src/mfa/amr.js'
import { ACR_MULTI_FACTOR } from '../src/mfa/policy.js'

describe('amr: the first factor', () => {
  it('is pwd for a password login and for a sign-up', () => {
    assert.deepEqual(firstFactorAmr('password'), ['pwd'])
    assert.deepEqual(firstFactorAmr('signup'), ['pwd'])
  })

  it('is fed for an upstream connection, whatever the upstream says, unless the connection trusts its MFA', () => {
    assert.deepEqual(firstFactorAmr('connection'), ['fed'])
    assert.deepEqual(firstFactorAmr('connection', { upstreamAmr: ['pwd', 'mfa'] }), ['fed'])
    assert.deepEqual(firstFactorAmr('connection', { upstreamAmr: ['pwd', 'mfa'], trustUpstreamMfa: false }), ['fed'])
  })

  it("adds the upstream's amr values when the connection trusts its MFA, so its mfa counts", () => {
    const amr = firstFactorAmr('connection', { upstreamAmr: ['pwd', 'otp', 'mfa'], trustUpstreamMfa: true })
    assert.deepEqual(amr, ['fed', 'pwd', 'otp', 'mfa'])
    assert.equal(isMultiFactor(amr), true)
    assert.deepEqual(firstFactorAmr('connection', { upstreamAmr: ['pwd'], trustUpstreamMfa: true }), ['fed', 'pwd'])
    assert.equal(isMultiFactor(firstFactorAmr('connection', { upstreamAmr: ['pwd'], trustUpstreamMfa: true })), false)
    assert.deepEqual(firstFactorAmr('connection', { upstreamAmr: null, trustUpstreamMfa: true }), ['fed'])
  })

  it("keeps only well-formed upstream values, each once, sixteen at most", () => {
    const upstream = ['mfa', 'mfa', 'fed', 42, null, '', 'has space', 'x'.repeat(33), { mfa: true }, 'pwd']
    assert.deepEqual(firstFactorAmr('connection', { upstreamAmr: upstream, trustUpstreamMfa: true }), ['fed', 'mfa', 'pwd'])
    const many = Array.from({ length: 40 }, (_, i) => `v${i}`)
    assert.equal(firstFactorAmr('connection', { upstreamAmr: many, trustUpstreamMfa: true }).length, 17)
  })

  it('is hwk for a passkey bound to its authenticator and swk for a synced one', () => {
    assert.deepEqual(firstFactorAmr('passkey', { deviceType: 'singleDevice' }), ['hwk'])
    assert.deepEqual(firstFactorAmr('passkey', { deviceType: 'multiDevice' }), ['swk'])
    assert.deepEqual(firstFactorAmr('passkey', { deviceType: 'singleDevice', userVerified: false }), ['hwk'])
  })

  it('counts a passkey with user verification as multi-factor: user and mfa', () => {
    assert.deepEqual(firstFactorAmr('passkey', { deviceType: 'singleDevice', userVerified: true }), ['hwk', 'user', 'mfa'])
    assert.deepEqual(firstFactorAmr('passkey', { deviceType: 'multiDevice', userVerified: true }), ['swk', 'user', 'mfa'])
    assert.equal(isMultiFactor(firstFactorAmr('passkey', { deviceType: 'multiDevice', userVerified: true })), true)
    assert.equal(isMultiFactor(firstFactorAmr('passkey', { deviceType: 'multiDevice' })), false)
  })

  it('counts no single first factor as multi-factor', () => {
    for (const kind of ['password', 'signup', 'connection', 'passkey'] as const) assert.equal(isMultiFactor(firstFactorAmr(kind)), false, kind)
  })
})

describe('amr: a second factor', () => {
  it('adds its value and mfa to the first factor', () => {
    assert.deepEqual(withSecondFactor(['pwd'], 'otp'), ['pwd', 'otp', 'mfa'])
    assert.deepEqual(withSecondFactor(['pwd'], 'hwk'), ['pwd', 'hwk', 'mfa'])
    assert.deepEqual(withSecondFactor(['pwd'], 'swk'), ['pwd', 'swk', 'mfa'])
    assert.deepEqual(withSecondFactor(['fed'], 'otp'), ['fed', 'otp', 'mfa'])
    assert.deepEqual(withSecondFactor(['hwk'], 'otp'), ['hwk', 'otp', 'mfa'])
  })

  it('records a recovery code as otp (a single-use code; the audit log tells it apart)', () => {
    assert.deepEqual(withSecondFactor(['pwd'], 'recovery'), ['pwd', 'otp', 'mfa'])
  })

  it('keeps each value once and leaves its input alone', () => {
    const first = ['pwd', 'otp', 'mfa']
    assert.deepEqual(withSecondFactor(first, 'otp'), ['pwd', 'otp', 'mfa'])
    assert.deepEqual(withSecondFactor(withSecondFactor(['pwd'], 'otp'), 'hwk'), ['pwd', 'otp', 'mfa', 'hwk'])
    assert.deepEqual(first, ['pwd', 'otp', 'mfa'])
  })

  it('makes every login multi-factor', () => {
    for (const factor of ['otp', 'hwk', 'swk', 'recovery'] as const) assert.equal(isMultiFactor(withSecondFactor(['pwd'], factor)), true, factor)
  })
})

describe('amr: isMultiFactor', () => {
  it('is true exactly when mfa is there', () => {
    assert.equal(isMultiFactor(['mfa']), true)
    assert.equal(isMultiFactor(['pwd', 'otp']), false, 'two values are not mfa unless it says so')
    assert.equal(isMultiFactor([]), false)
    assert.equal(isMultiFactor(null), false)
    assert.equal(isMultiFactor(undefined), false)
  })
})

describe('acr', () => {
  const mfa = withSecondFactor(['pwd'], 'otp')

  it("is Auth0's multi-factor value when acr_values was sent and the login was multi-factor", () => {
    assert.equal(acrFor(mfa, ACR_MULTI_FACTOR), ACR_MULTI_FACTOR)
    assert.equal(acrFor(mfa, `urn:example:loa:1 ${ACR_MULTI_FACTOR}`), ACR_MULTI_FACTOR)
    assert.equal(acrFor(['hwk', 'user', 'mfa'], ACR_MULTI_FACTOR), ACR_MULTI_FACTOR)
  })

  it('returns the class satisfied even when the app asked only for others (OIDC Core §3.1.2.1)', () => {
    assert.equal(acrFor(mfa, 'urn:example:loa:1'), ACR_MULTI_FACTOR)
  })

  it('is absent for a single-factor login', () => {
    assert.equal(acrFor(['pwd'], ACR_MULTI_FACTOR), null)
    assert.equal(acrFor(['fed'], ACR_MULTI_FACTOR), null)
    assert.equal(acrFor([], ACR_MULTI_FACTOR), null)
  })

  it('is absent when acr_values was not sent, even after MFA', () => {
    assert.equal(acrFor(mfa, null), null)
    assert.equal(acrFor(mfa, undefined), null)
    assert.equal(acrFor(mfa, ''), null)
    assert.equal(acrFor(mfa, '  '), null)
  })
})
