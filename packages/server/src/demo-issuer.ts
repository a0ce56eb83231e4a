/**
 * Where the demo may run. The demo (`npm start`, i.e. `latchkey serve --demo`) registers
 * `demo@example.com` with a password printed in the README; on a server others reach, that account
 * would log in to every app that allows password login. So the demo runs only on an issuer on this
 * machine (`localhost`, `*.localhost` (RFC 6761 §6.3), 127.0.0.0/8, `::1`), unless an operator forces
 * it with `--demo-on-public-issuer` (or `LATCHKEY_DEMO_ON_PUBLIC_ISSUER=on`, for a public demo
 * server), which logs a warning at every start.
 */
import { isIPv4, isIPv6 } from 'node:net'

export const DEMO_FORCE_FLAG = '--demo-on-public-issuer'
export const DEMO_FORCE_ENV = 'LATCHKEY_DEMO_ON_PUBLIC_ISSUER'

/** True for an issuer whose host is `localhost`, `*.localhost` or a loopback address. */
export function isLocalIssuer(issuer: string): boolean {
  let host: string
  try {
    host = new URL(issuer).hostname.toLowerCase()
  } catch {
    return false
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  // The URL parser has already written every IPv4 form (127.1, 0x7f.0.0.1) as four decimals.
  if (isIPv4(host)) return host.startsWith('127.')
  const v6 = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : ''
  if (!isIPv6(v6)) return false
  // ::1, or 127.0.0.0/8 mapped into IPv6 (the parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1).
  return v6 === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(v6)
}

/** The start-up error for `--demo` on an issuer that is not on this machine. */
export function demoRefusal(issuer: string, email: string): string {
  return [
    `refusing to start the demo on ${issuer}: --demo (npm start) registers ${email} with the password published in the README, ` +
      'and on an issuer that is not localhost or a loopback address anyone who reaches the server could log in with it. Nothing was registered.',
    `  In production, start without the demo: LATCHKEY_ISSUER=${issuer} LATCHKEY_DB=postgres://… LATCHKEY_SECRET=… latchkey serve`,
    '  (README.md, "Production"; docs/deploy.md).',
    `  To run the demo on this issuer anyway (a public demo server), add ${DEMO_FORCE_FLAG} (npm start -- ${DEMO_FORCE_FLAG}) or set ${DEMO_FORCE_ENV}=on.`,
  ].join('\n')
}

/** The warning logged at every start of a forced demo on a public issuer. */
export function demoOnPublicIssuerWarning(issuer: string, email: string): string {
  return `the demo runs on ${issuer}, which is not localhost or a loopback address (${DEMO_FORCE_FLAG}): anyone who reaches it can log in as ${email} with the password published in the README. Never do this on a server that real apps use.`
}
