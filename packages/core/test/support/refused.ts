/**
 * Asserting an OAuth error: shared by the grant suites (not a *.test.ts file: importing it
 * registers no tests).
 */
import assert from 'node:assert/strict'
import type { OAuthError } from '../../src/errors.js'

/** Awaits `promise`, asserts it rejects with a `type` whose description is (or matches) `description`, and returns that error. */
export async function refused(promise: Promise<unknown>, type: abstract new (...args: never[]) => OAuthError, description: string | RegExp): Promise<OAuthError> {
  let caught: OAuthError | undefined
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`)
    if (typeof description === 'string') assert.equal(err.description, description)
    else assert.match(err.description, description)
    caught = err
    return true
  })
  return caught as OAuthError
}
