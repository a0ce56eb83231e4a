/** Structured logs (pino) with secrets redacted wherever they might appear. */
import { pino, type Logger } from 'pino'

/**
 * Names whose values are secret wherever they appear: request parameters, headers, records,
 * configuration. Each is redacted at the top level of a log line and one or two objects down
 * (`{ headers: { cookie } }`, `{ req: { headers: { authorization } } }`).
 */
export const SECRET_FIELDS = [
  'password',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'id_token',
  'client_secret',
  'client_assertion',
  'csrf',
  'authorization',
  'cookie',
  'set-cookie',
  'LATCHKEY_SECRET',
  'LATCHKEY_SECRET_PREVIOUS',
  'secrets',
  'privateJwk',
  'private_jwk',
] as const

const field = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? { top: name, nested: `.${name}` } : { top: `["${name}"]`, nested: `["${name}"]` })

/** RFC 7009's `token` parameter: a generic name, so only where request parameters would be logged. */
const PARAMETER_ONLY = ['token', 'params.token', 'body.token', 'form.token', 'query.token']

export const REDACTED_PATHS = [
  ...SECRET_FIELDS.flatMap((name) => {
    const { top, nested } = field(name)
    return [top, `*${nested}`, `*.*${nested}`]
  }),
  ...PARAMETER_ONLY,
]

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'latchkey' } }
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options)
}

export type { Logger }
