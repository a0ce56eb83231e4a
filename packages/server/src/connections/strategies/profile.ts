/**
 * The normalised profile of an upstream account (Auth0's user fields), and the small readers that
 * turn whatever a provider sent into it: strings without control characters and of bounded length,
 * an email only when it looks like one, a picture only as an http(s) URL, `email_verified` true only
 * when the provider said so, and the raw profile (Auth0's `profileData`) bounded in size.
 */

export interface UpstreamProfile {
  /** The account's stable id at the provider: the OIDC `sub`, GitHub's numeric id as a string, the oauth2 mapped id. */
  readonly id: string
  readonly email: string | null
  /** True only when the provider said so (`email_verified: true`, GitHub's primary verified address). */
  readonly emailVerified: boolean
  readonly name: string | null
  readonly givenName: string | null
  readonly familyName: string | null
  readonly nickname: string | null
  /** An http(s) URL. */
  readonly picture: string | null
  readonly locale: string | null
  /** The ID token's `amr` when it had one (a later MFA issue may trust it). */
  readonly amr?: readonly string[]
  /** What the provider sent (ID token claims without the protocol ones, merged with userinfo), at most 16 KiB as JSON. */
  readonly raw: Readonly<Record<string, unknown>>
  /** The upstream ID token as received (OpenID strategies): kept only sealed, with the session, as the id_token_hint of federated logout. Never in `raw`. */
  readonly idToken?: string
}

const MAX_RAW_CHARS = 16 * 1024
const MAX_RAW_ENTRY_CHARS = 4 * 1024
const CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu
const HAS_CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u
const SIMPLE_EMAIL = /^[^\s@]+@[^\s@]+$/
const LOCALE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,34}$/

/** A string without control or bidi-override characters, trimmed, at most `max` code points; null when empty or not a string. */
export function cleanText(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null
  const text = value.replace(CONTROL, '').trim()
  if (text === '') return null
  const points = [...text]
  return points.length > max ? points.slice(0, max).join('') : text
}

/** An address with one `@` and no whitespace, at most 254 characters; else null. Case is kept (the caller normalises). */
export function cleanEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null
  const email = value.trim()
  return email.length <= 254 && SIMPLE_EMAIL.test(email) && !HAS_CONTROL.test(email) ? email : null
}

/** An absolute http(s) URL of at most 2,048 characters; else null (a picture is shown in pages). */
export function cleanUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2048) return null
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null
  } catch {
    return null
  }
}

export function cleanLocale(value: unknown): string | null {
  return typeof value === 'string' && LOCALE.test(value) ? value : null
}

/** An upstream id: a non-empty string of at most 255 characters without control characters, or a safe integer. */
export function cleanId(value: unknown): string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : null
  if (typeof value !== 'string' || value === '' || value.length > 255) return null
  return HAS_CONTROL.test(value) || value.trim() !== value ? null : value
}

/** `email_verified` as providers send it: `true`, or the string `"true"` (some do). */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true'
}

/** The value at a dotted path (`data.user.id`, `emails.0.value`), own properties only; undefined when absent. */
export function readPath(source: unknown, path: string): unknown {
  let current: unknown = source
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined
      current = current[Number(segment)]
    } else if (current !== null && typeof current === 'object' && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment]
    } else {
      return undefined
    }
  }
  return current
}

/** The entries of `source` in order while they fit: each at most 4 KiB as JSON, all together at most 16 KiB. */
export function boundedRaw(source: Readonly<Record<string, unknown>>, omit: ReadonlySet<string> = new Set()): Record<string, unknown> {
  const kept: [string, unknown][] = []
  let size = 2
  for (const [key, value] of Object.entries(source)) {
    if (omit.has(key) || key === '__proto__' || value === undefined) continue
    let json: string
    try {
      json = JSON.stringify(value)
    } catch {
      continue
    }
    const entry = key.length + json.length + 4
    if (entry > MAX_RAW_ENTRY_CHARS) continue
    if (size + entry > MAX_RAW_CHARS) break
    size += entry
    kept.push([key, JSON.parse(json) as unknown])
  }
  return Object.fromEntries(kept)
}

/** The `amr` claim as a list of short strings, when it is one. */
export function cleanAmr(value: unknown): readonly string[] | undefined {
  if (!Array.isArray(value)) return undefined
  const amr = value.map((v) => cleanText(v, 64)).filter((v): v is string => v !== null)
  return amr.slice(0, 16)
}

/** The profile fields read from OpenID Connect standard claims (also the oauth2 mapping's defaults). */
export interface ProfileFields {
  readonly email: unknown
  readonly emailVerified: unknown
  readonly name: unknown
  readonly givenName: unknown
  readonly familyName: unknown
  readonly nickname: unknown
  readonly picture: unknown
  readonly locale: unknown
}

export function profileOf(id: string, fields: ProfileFields, raw: Record<string, unknown>, amr?: readonly string[]): UpstreamProfile {
  const email = cleanEmail(fields.email)
  return {
    id,
    email,
    emailVerified: email !== null && isTrue(fields.emailVerified),
    name: cleanText(fields.name, 300),
    givenName: cleanText(fields.givenName, 150),
    familyName: cleanText(fields.familyName, 150),
    nickname: cleanText(fields.nickname, 150),
    picture: cleanUrl(fields.picture),
    locale: cleanLocale(fields.locale),
    ...(amr ? { amr } : {}),
    raw,
  }
}
