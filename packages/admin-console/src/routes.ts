/**
 * The console's client-side routes, below its base path (`/admin/`): a section's page
 * (`/admin/users`), or one item of it (`/admin/users/{id}`, `/admin/users/new` to create one).
 * The sections and their pages are in `pages/index.ts`; this is only the reading of a path.
 */

export type Route =
  /** The section's own page: its list, or its single page (Getting started, Settings). `''` is Getting started. */
  | { readonly page: 'section'; readonly section: string }
  /** One item of the section, or (without an id) the form that creates one. */
  | { readonly page: 'item'; readonly section: string; readonly id?: string }
  | { readonly page: 'not-found'; readonly section: 'none' }

const NOT_FOUND: Route = { page: 'not-found', section: 'none' }

/**
 * @param sections the sections there are, each saying whether it has items (`/section/{id}`).
 */
export function routeOf(base: string, pathname: string, sections: ReadonlyMap<string, { readonly items: boolean }>): Route {
  const rest = pathname.startsWith(base) ? pathname.slice(base.length) : pathname === base.replace(/\/$/, '') ? '' : null
  if (rest === null) return NOT_FOUND
  const [first = '', second, ...more] = rest.split('/').filter((part) => part !== '')
  if (more.length > 0) return NOT_FOUND
  // The login's return lands on `callback`; the console then shows Getting started.
  const section = first === 'callback' && second === undefined ? '' : first
  const known = sections.get(section)
  if (known === undefined) return NOT_FOUND
  if (second === undefined) return { page: 'section', section }
  if (!known.items) return NOT_FOUND
  let id: string
  try {
    id = decodeURIComponent(second)
  } catch {
    return NOT_FOUND
  }
  return second === 'new' ? { page: 'item', section } : { page: 'item', section, id }
}
