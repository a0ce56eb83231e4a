/** DPoP settings from the environment: `LATCHKEY_DPOP_REQUIRE_NONCE` = on | off (default off; settings/boolean.ts). */
import { parseBoolean } from '../settings/boolean.js'

export function requireNonceSetting(value: string | boolean | undefined): boolean {
  return parseBoolean('LATCHKEY_DPOP_REQUIRE_NONCE', value, false)
}
