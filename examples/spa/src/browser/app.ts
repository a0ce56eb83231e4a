/**
 * The Appointments app, whichever SDK logs the user in: each page hands it an `AuthAdapter` over its
 * SDK, and the app does the rest (the callback, the user, the token, the API, the buttons).
 */
import type { AppSettings } from '../settings.js'
import { AppointmentsApi } from './appointments.js'
import { clearError, element, setBusy, showAppointments, showError, showState, showToken, showUser } from './view.js'

export interface AuthAdapter {
  /** Completes the login when the URL is a callback (code or error), then cleans the URL. */
  handleRedirect(): Promise<void>
  isAuthenticated(): Promise<boolean>
  /** The ID token's profile claims (name, email, ...). */
  getUser(): Promise<Readonly<Record<string, unknown>> | undefined>
  /** A valid access token for the API; `force` refreshes it even if the stored one is still valid. */
  getAccessToken(force: boolean): Promise<string>
  /** `fetch` with the access token. */
  fetchWithToken(url: string, init?: RequestInit): Promise<Response>
  /** Goes to Latchkey's login page; to an organization's, and accepting an invitation, when given. */
  login(options?: LoginOptions): Promise<void>
  /** Goes to Latchkey with `prompt=none`: back logged in without a form if the session is alive, else `login_required`. */
  resume(): Promise<void>
  /** Forgets the tokens and goes to Latchkey's logout, which comes back to this page. */
  logout(): Promise<void>
  /** Page 1: forgets the tokens and gives the URL of Auth0's `/v2/logout`, for the second logout link. */
  logoutViaAuth0?(): Promise<string>
}

/** What an invitation link adds to a login (Auth0's Organizations): the organization and the ticket. */
export interface LoginOptions {
  readonly organization?: string
  readonly invitation?: string
}

/**
 * An invitation link opens the app with `?invitation=…&organization=…&organization_name=…`; like
 * Auth0's SPA samples, the app then starts a login with the two (Latchkey shows the invitation).
 */
export function invitationFromUrl(search: string): Required<LoginOptions> | null {
  const params = new URLSearchParams(search)
  const invitation = params.get('invitation')
  const organization = params.get('organization')
  return invitation && organization ? { invitation, organization } : null
}

/** `<input type="datetime-local">` is in local time without a zone; the API wants ISO 8601 with one. */
function isoFromLocal(value: string): string {
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) throw new Error('Pick a date and a time.')
  return date.toISOString()
}

export async function runApp(settings: AppSettings, auth: AuthAdapter): Promise<void> {
  const api = new AppointmentsApi(settings.apiUrl, (url, init) => auth.fetchWithToken(url, init))

  /** Shows the page for the current session: logged out, or the user, the token and the appointments. */
  async function render(): Promise<void> {
    if (!(await auth.isAuthenticated())) {
      showState('logged-out')
      return
    }
    showUser(await auth.getUser())
    showToken(await auth.getAccessToken(false))
    try {
      showAppointments(await api.list())
    } catch (err) {
      showError(err) // the API is down or refuses this origin (CORS): still logged in
    }
    showState('logged-in')
  }

  /** Runs a button's action with the buttons off; an error is shown, and a lost session shows as logged out. */
  function action(id: string, run: () => Promise<unknown>, { on = 'click', navigates = false } = {}): void {
    element(id).addEventListener(on, async (event) => {
      event.preventDefault()
      clearError()
      setBusy(true)
      try {
        await run()
        if (navigates) return // the page is going away; leave the buttons off
      } catch (err) {
        showError(err) // e.g. login_required when the refresh token was revoked or expired
        if (!(await auth.isAuthenticated().catch(() => false))) showState('logged-out')
      }
      setBusy(false)
    })
  }

  action('login', () => auth.login(), { navigates: true })
  action('resume', () => auth.resume(), { navigates: true })
  action('logout', () => auth.logout(), { navigates: true })
  action('refresh', async () => showToken(await auth.getAccessToken(true), true))
  action('reload', async () => showAppointments(await api.list()))
  action(
    'book',
    async () => {
      await api.book({ title: element<HTMLInputElement>('title').value, startsAt: isoFromLocal(element<HTMLInputElement>('starts-at').value) })
      element<HTMLFormElement>('book').reset()
      showAppointments(await api.list())
    },
    { on: 'submit' },
  )
  const viaAuth0 = auth.logoutViaAuth0
  if (viaAuth0) action('logout-v2', async () => location.assign(await viaAuth0()), { navigates: true })
  // Back from Latchkey's page to a page kept in the back/forward cache: its buttons were left off.
  addEventListener('pageshow', (event) => {
    if (event.persisted) setBusy(false)
  })

  const invitation = invitationFromUrl(location.search)
  if (invitation) {
    setBusy(true)
    try {
      await auth.login(invitation)
      return // on the way to Latchkey
    } catch (err) {
      showError(err)
      setBusy(false)
    }
  }

  try {
    await auth.handleRedirect()
  } catch (err) {
    showError(err)
  }
  try {
    await render()
  } catch (err) {
    showError(err)
    showState('logged-out')
  }
}

/** Starts a page: an error before the app runs (no config, SDK refused the options) is shown too. */
export function start(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    showError(err)
    showState('logged-out')
  })
}
