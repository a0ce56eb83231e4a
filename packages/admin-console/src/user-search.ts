/**
 * The Users page's search box as the Management API's `q` (Auth0's user search syntax, the part
 * Latchkey answers; see docs/management-api.md): a user id (`auth0|…`, `github|…`) is
 * `user_id:"…"`, a query naming a field (`name:jan*`, `email:"…" AND …`) goes as it is (the API says
 * what it cannot answer), and anything else (a name, an email address or the start of one) is a
 * bare term: a prefix of the email address or the name. Pure, so it is unit-tested.
 */

const quoted = (value: string) => `"${value.replace(/(["\\])/g, '\\$1')}"`

const USER_ID = /^[a-z0-9][\w.-]*\|\S+$/i
const FIELD_QUERY = /^(email|name|given_name|family_name|nickname|user_id|username)\s*:/i

/** The `q` for what was typed; null for nothing (the whole list). */
export function userQueryOf(text: string): string | null {
  const trimmed = text.trim()
  if (trimmed === '') return null
  if (FIELD_QUERY.test(trimmed)) return trimmed
  if (USER_ID.test(trimmed)) return `user_id:${quoted(trimmed)}`
  return quoted(trimmed)
}

/** Auth0 (and Latchkey) page a search through its first 1000 results only. */
export const SEARCH_RESULTS_LIMIT = 1000

/** How many results can be paged through: all of a list, the first 1000 of a search. */
export function pageableTotal(total: number, searching: boolean): number {
  return searching ? Math.min(total, SEARCH_RESULTS_LIMIT) : total
}
