/**
 * On/off settings (`LATCHKEY_SIGNUP`, `LATCHKEY_RATE_LIMITS`, `LATCHKEY_DPOP_REQUIRE_NONCE`, …), read
 * one way for every variable: the words below in any case, spaces around them ignored. An unset or
 * blank variable takes the setting's default; any other value stops the server at start-up with an
 * error naming the variable and the accepted words, so a typo never silently leaves a default on.
 */

export const ON_WORDS = ['on', 'true', 'yes', '1', 'enabled'] as const
export const OFF_WORDS = ['off', 'false', 'no', '0', 'disabled'] as const

const ON: ReadonlySet<string> = new Set(ON_WORDS)
const OFF: ReadonlySet<string> = new Set(OFF_WORDS)

/** The accepted words, as error messages and the docs list them. */
export const BOOLEAN_WORDS = `${ON_WORDS.join(', ')} / ${OFF_WORDS.join(', ')} (any case)`

/**
 * Reads the on/off variable `name`. A boolean (a flag already parsed) is returned as it is;
 * undefined or blank gives `fallback`.
 */
export function parseBoolean(name: string, value: string | boolean | undefined, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value
  if (value === undefined) return fallback
  const word = value.trim().toLowerCase()
  if (word === '') return fallback
  if (ON.has(word)) return true
  if (OFF.has(word)) return false
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value
  throw new Error(`${name} must be on or off: one of ${BOOLEAN_WORDS}; got ${JSON.stringify(shown)}`)
}
