/** The console's client-side routes, below its base path (`/admin/`). */

export type Route =
  | { readonly page: 'start'; readonly section: 'start' }
  | { readonly page: 'applications' | 'apis'; readonly section: 'applications' | 'apis' }
  | { readonly page: 'application'; readonly section: 'applications'; readonly id?: string }
  | { readonly page: 'api'; readonly section: 'apis'; readonly id?: string }
  | { readonly page: 'users'; readonly section: 'users' }
  | { readonly page: 'logs'; readonly section: 'logs' }
  | { readonly page: 'user'; readonly section: 'users'; readonly id?: string }
  | { readonly page: 'not-found'; readonly section: 'none' }

export function routeOf(base: string, pathname: string): Route {
  const rest = pathname.startsWith(base) ? pathname.slice(base.length) : pathname === base.replace(/\/$/, '') ? '' : null
  if (rest === null) return { page: 'not-found', section: 'none' }
  const parts = rest.split('/').filter((part) => part !== '')
  const [first, second, ...more] = parts
  if (more.length > 0) return { page: 'not-found', section: 'none' }
  if (first === undefined || first === 'callback') return { page: 'start', section: 'start' }
  if (first === 'applications') {
    if (second === undefined) return { page: 'applications', section: 'applications' }
    return second === 'new' ? { page: 'application', section: 'applications' } : { page: 'application', section: 'applications', id: decodeURIComponent(second) }
  }
  if (first === 'apis') {
    if (second === undefined) return { page: 'apis', section: 'apis' }
    return second === 'new' ? { page: 'api', section: 'apis' } : { page: 'api', section: 'apis', id: decodeURIComponent(second) }
  }
  if (first === 'logs' && second === undefined) return { page: 'logs', section: 'logs' }
  if (first === 'users') {
    if (second === undefined) return { page: 'users', section: 'users' }
    return second === 'new' ? { page: 'user', section: 'users' } : { page: 'user', section: 'users', id: decodeURIComponent(second) }
  }
  return { page: 'not-found', section: 'none' }
}
