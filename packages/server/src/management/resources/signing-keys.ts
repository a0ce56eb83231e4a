/**
 * /keys/signing: the keys that sign tokens. A rotation publishes a new key at once and lets it sign
 * after the default delay (longer than the JWKS cache), as `latchkey keys rotate` does (the same
 * `KeyRing.rotateKeys`, under the same lock); while a key waits, a rotation returns that key and
 * changes nothing. Revoking a previous key removes it from the JWKS, so the tokens it signed stop
 * verifying.
 */
import type { KeyStatus } from '@latchkey/core'
import { z } from 'zod'
import { DEFAULT_ROTATION_DELAY_SECONDS } from '../../keys/key-ring.js'
import { keyRotatedEvent } from '../../keys/rotation-schedule.js'
import { badRequest, notFound } from '../errors.js'
import { presentSigningKey, publicPem, rotatedKeySchema, signingKeySchema } from '../mappings/signing-keys.js'
import { type Resource, route } from '../route.js'

const kidParams = z.strictObject({ kid: z.string().min(1).max(128).describe('The key id.') })

const KEY_NOT_FOUND = () => notFound('The signing key does not exist.', 'inexistent_signing_key')

function published(statuses: readonly KeyStatus[]): KeyStatus[] {
  return statuses.filter((s) => s.state !== 'retired')
}

export const signingKeys: Resource = {
  tag: 'keys',
  description: 'Token signing keys.',
  routes: [
    route({
      method: 'get',
      path: '/keys/signing',
      summary: 'Get all application signing keys',
      scopes: ['read:signing_keys'],
      answer: { status: 200, description: 'The published keys: current, next and previous.', schema: z.array(signingKeySchema) },
      async handle({ deps }) {
        const statuses = await deps.keys.statuses()
        return { status: 200, body: published(statuses).map((s) => presentSigningKey(s, statuses)) }
      },
    }),
    route({
      method: 'get',
      path: '/keys/signing/:kid',
      summary: 'Get an application signing key by its key id',
      scopes: ['read:signing_keys'],
      params: kidParams,
      answer: { status: 200, description: 'The key.', schema: signingKeySchema },
      errors: { 404: 'No published key with this kid (inexistent_signing_key).' },
      async handle({ deps, params }) {
        const statuses = await deps.keys.statuses()
        const status = published(statuses).find((s) => s.key.kid === params.kid)
        if (!status) throw KEY_NOT_FOUND()
        return { status: 200, body: presentSigningKey(status, statuses) }
      },
    }),
    route({
      method: 'post',
      path: '/keys/signing/rotate',
      summary: 'Rotate the application signing key',
      scopes: ['create:signing_keys', 'update:signing_keys'],
      answer: {
        status: 201,
        description: `The next key: published now, signing in ${DEFAULT_ROTATION_DELAY_SECONDS} s; or, while a key from an earlier rotation still waits to sign, that key (nothing changes).`,
        schema: rotatedKeySchema,
      },
      async handle({ deps, audit }) {
        const { key, created } = await deps.keys.rotateKeys(DEFAULT_ROTATION_DELAY_SECONDS)
        if (created) await audit.event(keyRotatedEvent(key, 'management_api'))
        return { status: 201, body: { kid: key.kid, cert: publicPem(key.publicJwk).pem } }
      },
    }),
    route({
      method: 'put',
      path: '/keys/signing/:kid/revoke',
      summary: 'Revoke an application signing key',
      scopes: ['update:signing_keys'],
      params: kidParams,
      answer: { status: 200, description: 'The revoked key, now removed from the JWKS.', schema: rotatedKeySchema },
      errors: { 404: 'No published key with this kid (inexistent_signing_key).' },
      async handle({ deps, params, audit }) {
        const status = published(await deps.keys.statuses()).find((s) => s.key.kid === params.kid)
        if (!status) throw KEY_NOT_FOUND()
        if (status.state !== 'previous')
          throw badRequest(`Only a previous key can be revoked; ${params.kid} is the ${status.state} key (rotate first).`, 'invalid_request')
        if (!(await deps.store.signingKeys.delete(status.key.kid))) throw KEY_NOT_FOUND()
        deps.keys.invalidate()
        await audit.change({ action: 'signing_key.revoked', description: 'Revoke a signing key', details: { kid: status.key.kid } })
        return { status: 200, body: { kid: status.key.kid, cert: publicPem(status.key.publicJwk).pem } }
      },
    }),
  ],
}
