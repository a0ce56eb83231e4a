/** Structured logs (pino) with secrets redacted wherever they might appear. */
import { pino, type Logger } from 'pino'

export const REDACTED_PATHS = [
  'password',
  '*.password',
  'code',
  '*.code',
  'code_verifier',
  '*.code_verifier',
  'refresh_token',
  '*.refresh_token',
  'access_token',
  '*.access_token',
  'id_token',
  '*.id_token',
  'client_secret',
  '*.client_secret',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
]

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'latchkey' } }
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options)
}

export type { Logger }
