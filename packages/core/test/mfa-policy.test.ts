import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ACR_MULTI_FACTOR, effectivePolicy, type MfaDecisionInput, type MfaStep, mfaStep, requestsMultiFactor } from '../src/mfa/policy.js'
import type { MfaPolicy } from '../src/records.js'

const POLICIES: readonly MfaPolicy[] = ['never', 'optional', 'always']
const BOTH = [false, true] as const

function every(): MfaDecisionInput[] {
  const out: MfaDecisionInput[] = []
  for (const policy of POLICIES)
    for (const requested of BOTH)
      for (const enrolled of BOTH)
        for (const multiFactorAlready of BOTH) for (const remembered of BOTH) out.push({ policy, requested, enrolled, multiFactorAlready, remembered })
  return out
}

const name = (i: MfaDecisionInput) =>
  `${i.policy}${i.requested ? ', step-up' : ''}${i.enrolled ? ', enrolled' : ''}${i.multiFactorAlready ? ', already mfa' : ''}${i.remembered ? ', remembered' : ''}`

describe('MFA policy: who is asked for a second factor', () => {
  it('asks nothing more of an authentication that is already multi-factor (24 of 48 cases)', () => {
    const cases = every().filter((i) => i.multiFactorAlready)
    assert.equal(cases.length, 24)
    for (const input of cases) assert.equal(mfaStep(input), 'none', name(input))
  })

  // Every other combination, as a table: policy, step-up requested, enrolled, remembered → step.
  const table: [MfaPolicy, boolean, boolean, boolean, MfaStep][] = [
    // A step-up (acr_values) is honoured under every policy, and a remembered browser does not skip it.
    ['never', true, true, false, 'challenge'],
    ['never', true, true, true, 'challenge'],
    ['never', true, false, false, 'enroll'],
    ['never', true, false, true, 'enroll'],
    ['optional', true, true, false, 'challenge'],
    ['optional', true, true, true, 'challenge'],
    ['optional', true, false, false, 'enroll'],
    ['optional', true, false, true, 'enroll'],
    ['always', true, true, false, 'challenge'],
    ['always', true, true, true, 'challenge'],
    ['always', true, false, false, 'enroll'],
    ['always', true, false, true, 'enroll'],
    // never: nobody is asked, enrolled users included (as at Auth0).
    ['never', false, true, false, 'none'],
    ['never', false, true, true, 'none'],
    ['never', false, false, false, 'none'],
    ['never', false, false, true, 'none'],
    // optional: the enrolled are asked unless the browser is remembered; nobody has to enrol.
    ['optional', false, true, false, 'challenge'],
    ['optional', false, true, true, 'none'],
    ['optional', false, false, false, 'none'],
    ['optional', false, false, true, 'none'],
    // always: the enrolled are asked unless remembered; the others enrol first (a remembered marker cannot exist without a factor, and does not skip enrolment).
    ['always', false, true, false, 'challenge'],
    ['always', false, true, true, 'none'],
    ['always', false, false, false, 'enroll'],
    ['always', false, false, true, 'enroll'],
  ]

  it('decides every single-factor combination as the table says (24 of 48 cases)', () => {
    assert.equal(new Set(table.map((row) => row.slice(0, 4).join())).size, 24, 'the table lists each combination once')
    for (const [policy, requested, enrolled, remembered, step] of table) {
      const input = { policy, requested, enrolled, multiFactorAlready: false, remembered }
      assert.equal(mfaStep(input), step, name(input))
    }
  })

  it('covers all 48 combinations between the two cases above', () => {
    assert.equal(every().length, 48)
    assert.equal(every().filter((i) => !i.multiFactorAlready).length, table.length)
  })
})

describe('MFA policy: which one applies', () => {
  it("is the app's when it sets one, else the deployment's", () => {
    for (const deployment of POLICIES) {
      assert.equal(effectivePolicy(deployment, null), deployment)
      assert.equal(effectivePolicy(deployment, undefined), deployment)
      for (const app of POLICIES) assert.equal(effectivePolicy(deployment, app), app)
    }
  })
})

describe('MFA policy: step-up with acr_values', () => {
  it("uses Auth0's value", () => {
    assert.equal(ACR_MULTI_FACTOR, 'http://schemas.openid.net/pape/policies/2007/06/multi-factor')
  })

  it('is requested when the space-separated acr_values holds that value, alone or among others', () => {
    assert.equal(requestsMultiFactor(ACR_MULTI_FACTOR), true)
    assert.equal(requestsMultiFactor(`urn:example:loa:1 ${ACR_MULTI_FACTOR}`), true)
    assert.equal(requestsMultiFactor(`${ACR_MULTI_FACTOR} urn:example:loa:1`), true)
  })

  it('is not requested without it, or with a look-alike', () => {
    for (const acr of [null, undefined, '', 'urn:example:loa:2', `${ACR_MULTI_FACTOR}/`, `${ACR_MULTI_FACTOR}x`, ACR_MULTI_FACTOR.toUpperCase(), `${ACR_MULTI_FACTOR},urn:x`, 'multi-factor']) {
      assert.equal(requestsMultiFactor(acr), false, String(acr))
    }
  })
})
