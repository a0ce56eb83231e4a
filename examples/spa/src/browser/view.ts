/**
 * The page's DOM: which section shows, the user, the access token's claims (never the token itself),
 * the appointments and errors. Plain DOM, text only (no HTML from data).
 */
import { decodeJwt } from 'jose'
import type { Appointment } from './appointments.js'

export type AppState = 'loading' | 'logged-out' | 'logged-in'

export function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id)
  if (!found) throw new Error(`the page has no #${id}`)
  return found as T
}

export function showState(state: AppState): void {
  const app = element('app')
  app.dataset.state = state
  app.setAttribute('aria-busy', String(state === 'loading'))
  element('loading').hidden = state !== 'loading'
  element('logged-out').hidden = state !== 'logged-out'
  element('logged-in').hidden = state !== 'logged-in'
}

/** The OAuth error code of anything either SDK or the API throws (`login_required`, `invalid_token`, ...). */
export function errorCode(err: unknown): string {
  const e = err as { error?: unknown; code?: unknown }
  if (typeof e?.error === 'string') return e.error
  if (typeof e?.code === 'string') return e.code
  return 'error'
}

export function showError(err: unknown): void {
  const box = element('error')
  const e = err as { error_description?: unknown; message?: unknown }
  const description = typeof e?.error_description === 'string' ? e.error_description : typeof e?.message === 'string' ? e.message : String(err)
  box.dataset.error = errorCode(err)
  box.textContent = `${errorCode(err)}: ${description}`
  box.hidden = false
}

export function clearError(): void {
  const box = element('error')
  box.hidden = true
  box.textContent = ''
  delete box.dataset.error
}

export function showUser(user: Readonly<Record<string, unknown>> | undefined): void {
  element('user-name').textContent = typeof user?.name === 'string' ? user.name : ''
  element('user-email').textContent = typeof user?.email === 'string' ? user.email : ''
}

const time = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1000) : undefined)

function setTime(id: string, date: Date | undefined): void {
  const el = element('token').querySelector<HTMLTimeElement>(`#${id}`)
  if (!el) return
  el.dateTime = date?.toISOString() ?? ''
  el.textContent = date?.toLocaleString() ?? '?'
}

/**
 * Shows the access token's claims, decoded for display only (the API verifies the signature).
 * `refreshed` counts one more refresh on this page.
 */
export function showToken(accessToken: string, refreshed = false): void {
  const claims = decodeJwt(accessToken)
  const box = element('token')
  box.dataset.jti = typeof claims.jti === 'string' ? claims.jti : ''
  box.dataset.iat = String(claims.iat ?? '')
  element('token-jti').textContent = box.dataset.jti
  setTime('token-iat', time(claims.iat))
  setTime('token-exp', time(claims.exp))
  element('token-scope').textContent = typeof claims.scope === 'string' ? claims.scope : ''
  // Logged in to an organization (Auth0's Organizations): its id and lower-cased name.
  box.dataset.orgId = typeof claims.org_id === 'string' ? claims.org_id : ''
  element('token-org').textContent = typeof claims.org_id === 'string' ? `${String(claims.org_name ?? '')} (${claims.org_id})` : 'none'
  if (refreshed) {
    const count = Number(box.dataset.refreshes ?? '0') + 1
    box.dataset.refreshes = String(count)
    element('token-refreshes').textContent = String(count)
  }
}

export function showAppointments(list: readonly Appointment[]): void {
  const ul = element<HTMLUListElement>('appointments')
  ul.replaceChildren(
    ...list.map((a) => {
      const li = document.createElement('li')
      li.dataset.testid = 'appointment'
      li.dataset.id = a.id
      const when = document.createElement('time')
      when.dateTime = a.startsAt
      when.textContent = new Date(a.startsAt).toLocaleString()
      const title = document.createElement('span')
      title.className = 'title'
      title.textContent = a.title
      li.append(when, ' ', title)
      return li
    }),
  )
  ul.dataset.loads = String(Number(ul.dataset.loads ?? '0') + 1)
  element('appointments-empty').hidden = list.length > 0
}

/** Turns every button off while an action runs, so nothing is sent twice. */
export function setBusy(busy: boolean): void {
  element('app').dataset.busy = String(busy)
  for (const button of document.querySelectorAll<HTMLButtonElement>('button')) button.disabled = busy
}
