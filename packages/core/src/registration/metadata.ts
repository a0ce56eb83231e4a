/**
 * Auth0's string metadata (organizations, connections): a patch where a null value removes the key,
 * keys of 1–255 characters, at most `maxKeys` keys in the result.
 */
import { RegistrationError } from './applications.js'

export function mergeMetadata(
  current: Readonly<Record<string, string>>,
  patch: Readonly<Record<string, string | null>> | undefined,
  maxKeys: number,
): Record<string, string> {
  const out: Record<string, string> = { ...current }
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (key === '' || key.length > 255) throw new RegistrationError('metadata keys must be 1–255 characters')
    if (value === null) delete out[key]
    else out[key] = value
  }
  if (Object.keys(out).length > maxKeys) throw new RegistrationError(`metadata may hold at most ${maxKeys} keys`)
  return out
}
