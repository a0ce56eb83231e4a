/** DPoP settings from the environment: `LATCHKEY_DPOP_REQUIRE_NONCE` = true | false (default false). */

export function requireNonceSetting(value: string | boolean | undefined): boolean {
  if (value === undefined || typeof value === 'boolean') return value ?? false
  const normalised = value.trim().toLowerCase()
  if (['true', '1', 'yes', 'on'].includes(normalised)) return true
  if (['false', '0', 'no', 'off'].includes(normalised)) return false
  throw new Error('LATCHKEY_DPOP_REQUIRE_NONCE must be true or false')
}
