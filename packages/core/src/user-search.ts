/**
 * Auth0's user search (`GET /api/v2/users?q=`, search engine v3: Lucene syntax) reduced to what
 * Latchkey answers exactly and fast from its indexes: terms joined by `AND`, each
 *
 * - `field:"value"`: the value exactly (case-insensitive, except `user_id`);
 * - `field:value*`: values starting with it (a prefix; the only wildcard, and only at the end);
 * - `field:value`: a single word, exactly;
 * - a bare `jane` (or `jane*`, `"jane doe"`): a prefix of the email address or the name (Auth0's
 *   free text searches several fields; Latchkey these two);
 *
 * over `email`, `name`, `given_name`, `family_name`, `nickname` and `user_id` (exact only).
 * Anything else (OR, NOT, parentheses, ranges, other fields, leading wildcards, metadata) is refused
 * with the reason, so a query never silently matches more, or less, than was asked.
 */

export const USER_SEARCH_FIELDS = ['email', 'name', 'given_name', 'family_name', 'nickname', 'user_id'] as const
export type UserSearchField = (typeof USER_SEARCH_FIELDS)[number]

/** One condition: any of `fields` equals `value` (`exact`) or starts with it (`prefix`). */
export interface UserSearchTerm {
  readonly fields: readonly UserSearchField[]
  readonly match: 'exact' | 'prefix'
  /** As written (unquoted, unescaped, without the `*`); the store folds case where the field is case-insensitive. */
  readonly value: string
}

/** Every term must hold. */
export type UserSearch = readonly UserSearchTerm[]

/** At most this many terms, and this long a value: a search, not a program. */
export const MAX_SEARCH_TERMS = 4
export const MAX_SEARCH_VALUE = 256

export type UserSearchResult = { readonly search: UserSearch } | { readonly error: string }

/** What a bare term (no field) searches. */
export const FREE_TEXT_FIELDS: readonly UserSearchField[] = ['email', 'name']

const isField = (name: string): name is UserSearchField => (USER_SEARCH_FIELDS as readonly string[]).includes(name)

const SUPPORTED = 'Latchkey searches users by email, name, given_name, family_name, nickname (exact "…" or prefix …*) and user_id (exact), terms joined by AND'

/** One term at the start of `text`: `[field:]("quoted" | word)`, and what follows it. */
const TERM = /^(?:([A-Za-z_][\w.]*)\s*:\s*)?(?:"((?:[^"\\]|\\.)*)"|([^\s"():[\]{}]+))/

/** `q` → the terms, or why Latchkey cannot answer it. */
export function parseUserSearch(q: string): UserSearchResult {
  const terms: UserSearchTerm[] = []
  let rest = q.trim()
  if (rest === '') return { error: 'the query is empty' }
  while (rest !== '') {
    if (terms.length > 0) {
      const and = /^AND\s+/.exec(rest)
      if (!and) {
        const operator = /^(OR|NOT|&&|\|\|)(?=\s|$)/.exec(rest)?.[1]
        return { error: operator !== undefined ? `${operator} is not supported: ${SUPPORTED}` : `join terms with AND: ${SUPPORTED}` }
      }
      rest = rest.slice(and[0].length)
    }
    const named = /^([A-Za-z_][\w.]*)\s*:/.exec(rest)?.[1]
    if (named !== undefined && !isField(named))
      return { error: named === 'username' ? 'Latchkey users have no username: search by email or name' : `${named} is not searchable: ${SUPPORTED}` }
    const match = TERM.exec(rest)
    if (!match) return { error: named !== undefined ? `${named} takes "a value" or a prefix*: ${SUPPORTED}` : SUPPORTED }
    const [whole, field, quoted, word] = match
    rest = rest.slice(whole.length).trimStart()
    const term = termOf(field as UserSearchField | undefined, quoted, word)
    if ('error' in term) return term
    terms.push(term)
    if (terms.length > MAX_SEARCH_TERMS) return { error: `at most ${MAX_SEARCH_TERMS} terms` }
  }
  return { search: terms }
}

function termOf(field: UserSearchField | undefined, quoted: string | undefined, word: string | undefined): UserSearchTerm | { error: string } {
  if (word !== undefined && /^(AND|OR|NOT)$/.test(word)) return { error: `${word} needs a term before it: ${SUPPORTED}` }
  const raw = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (word as string)
  const prefix = quoted === undefined && raw.endsWith('*')
  const value = prefix ? raw.slice(0, -1) : raw
  if (quoted === undefined && /[*?]/.test(value)) return { error: 'only a trailing * is supported (jane*): no leading or inner wildcards' }
  if (quoted === undefined && /[\\~^]/.test(value)) return { error: `fuzzy, boosted and escaped terms are not supported: ${SUPPORTED}` }
  if (value.trim() === '') return { error: prefix ? 'a prefix needs at least one character before the *' : 'a term needs a value' }
  if (value.length > MAX_SEARCH_VALUE) return { error: `a value is at most ${MAX_SEARCH_VALUE} characters` }
  if (field === undefined) return { fields: FREE_TEXT_FIELDS, match: 'prefix', value }
  if (field === 'user_id' && prefix) return { error: 'user_id takes the whole id (user_id:"auth0|…"), not a prefix' }
  return { fields: [field], match: prefix ? 'prefix' : 'exact', value }
}
