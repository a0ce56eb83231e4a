/**
 * The Actions page's pure parts: an action's status in words, dependencies typed one a line, the
 * secrets sent on save (names kept without their value), a binding moved, the editor's Tab, and the
 * sample events the test box starts with.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { actionStatus, dependenciesOf, dependenciesText, eventOf, indent, moved, ordinal, sampleEventOf, secretNameError, secretsBody, TRIGGERS } from '../src/actions-form.js'

describe("the Actions page's forms", () => {
  it("says an action's status: never deployed, deployed, or deployed with changes in the draft", () => {
    assert.equal(actionStatus({ all_changes_deployed: false }), 'Not deployed')
    assert.equal(actionStatus({ all_changes_deployed: true, deployed_version: { number: 2, created_at: '' } }), 'Deployed (version 2)')
    assert.equal(actionStatus({ all_changes_deployed: false, deployed_version: { number: 2, created_at: '' } }), 'Version 2 deployed; the draft has changes')
  })

  it('writes places in a flow as ordinals', () => {
    assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal), ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st'])
  })

  it('reads dependencies as name@version one a line (scoped packages too), and says what is wrong', () => {
    assert.deepEqual(dependenciesOf('lodash@4.17.21\n\n @scope/pkg@^1.2.0 \n'), {
      dependencies: [
        { name: 'lodash', version: '4.17.21' },
        { name: '@scope/pkg', version: '^1.2.0' },
      ],
    })
    assert.deepEqual(dependenciesOf(''), { dependencies: [] })
    assert.match((dependenciesOf('lodash') as { error: string }).error, /name@version.*: lodash$/)
    assert.match((dependenciesOf('@scope/pkg') as { error: string }).error, /name@version/)
    assert.match((dependenciesOf('lodash@') as { error: string }).error, /name@version/)
    assert.equal(dependenciesText([{ name: 'lodash', version: '4.17.21' }, { name: '@scope/pkg', version: '1' }]), 'lodash@4.17.21\n@scope/pkg@1')
  })

  it('sends the secrets kept by name only (the server keeps their values) and the new ones with theirs', () => {
    assert.deepEqual(secretsBody(['API_KEY', 'OLD'], [{ name: 'NEW', value: 's3cret' }]), [{ name: 'API_KEY' }, { name: 'OLD' }, { name: 'NEW', value: 's3cret' }])
    assert.deepEqual(secretsBody(['API_KEY'], [{ name: 'API_KEY', value: 'rotated' }]), [{ name: 'API_KEY', value: 'rotated' }])
    assert.deepEqual(secretsBody([], []), [])
    assert.equal(secretNameError('API_KEY', []), null)
    assert.match(secretNameError('NOT-OK', []) ?? '', /letters, digits or underscores/)
    assert.match(secretNameError('', []) ?? '', /letters, digits or underscores/)
    assert.match(secretNameError('API_KEY', ['API_KEY']) ?? '', /already a secret/)
  })

  it('moves a binding up or down, and leaves the order alone at the ends', () => {
    assert.deepEqual(moved(['a', 'b', 'c'], 2, -1), ['a', 'c', 'b'])
    assert.deepEqual(moved(['a', 'b', 'c'], 0, 1), ['b', 'a', 'c'])
    assert.deepEqual(moved(['a', 'b', 'c'], 0, -1), ['a', 'b', 'c'])
    assert.deepEqual(moved(['a', 'b', 'c'], 2, 1), ['a', 'b', 'c'])
  })

  it("indents with two spaces at the caret, replacing a selection", () => {
    assert.deepEqual(indent('ab', 1, 1), { value: 'a  b', caret: 3 })
    assert.deepEqual(indent('abcd', 1, 3), { value: 'a  d', caret: 3 })
  })

  it("starts the test box with a sample event of the trigger, as JSON the test sends as its payload", () => {
    for (const trigger of TRIGGERS) {
      const parsed = eventOf(sampleEventOf(trigger.id))
      assert.ok('event' in parsed, trigger.id)
    }
    const login = JSON.parse(sampleEventOf('post-login'))
    assert.equal(typeof login.user.user_id, 'string')
    assert.equal(typeof login.client.client_id, 'string')
    assert.equal(login.transaction.protocol, 'oidc-basic-profile')
    assert.match((eventOf('{"user":') as { error: string }).error, /^The event is not JSON/)
    assert.match((eventOf('[1]') as { error: string }).error, /JSON object/)
    assert.match((eventOf('null') as { error: string }).error, /JSON object/)
  })
})
