/**
 * The admin console: logs the administrator in with @latchkey/client (Authorization Code Flow with
 * PKCE, tokens in this tab's memory only) and renders the pages. Its settings come from
 * `config.json` next to it (the server writes issuer and client_id there), never an inline script.
 */
import { createClient, type LatchkeyClient } from '@latchkey/client'
import { html } from 'htm/preact'
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { managementApi } from './api.js'
import { SECTION_PATHS, SECTIONS } from './pages/index.js'
import { routeOf, type Route } from './routes.js'
import { ErrorBox, Link, messageOf, type Session } from './ui.js'

interface ConsoleConfig {
  readonly issuer: string
  readonly clientId: string
  readonly audience: string
  /** The console's own path, ending in `/`: `{issuer path}admin/`. */
  readonly base: string
  /** The origin its application's URLs are on (the issuer's, or LATCHKEY_ADMIN_CONSOLE_ORIGIN). */
  readonly origin: string
}

function Page({ session, route }: { session: Session; route: Route }) {
  const section = SECTIONS.find((s) => s.path === route.section)
  if (route.page === 'section' && section !== undefined) return html`<${section.page} session=${session} />`
  if (route.page === 'item' && section?.item !== undefined) return html`<${section.item} key=${route.id ?? 'new'} session=${session} id=${route.id} />`
  return html`<section><h1 id="page-title">Not found</h1><p>No page here. <${Link} session=${session} to="">Getting started<//></p></section>`
}

function Console(props: { config: ConsoleConfig; client: LatchkeyClient; user: string; readOnly: boolean }) {
  const { config, client } = props
  const [path, setPath] = useState(location.pathname)
  // On a narrow screen the navigation folds behind a Menu button (console.css), closed at every page.
  const [menuOpen, setMenuOpen] = useState(false)
  useEffect(() => {
    const onPop = () => setPath(location.pathname)
    addEventListener('popstate', onPop)
    return () => removeEventListener('popstate', onPop)
  }, [])
  const route = routeOf(config.base, path, SECTION_PATHS)
  useEffect(() => {
    document.title = `${document.querySelector('#page-title')?.textContent ?? 'Admin console'} · Latchkey`
    document.querySelector<HTMLElement>('#main')?.focus()
    setMenuOpen(false)
  }, [path])
  const session: Session = {
    api: managementApi(config.audience, (input, init) => client.fetchWithAuth(input, init)),
    issuer: config.issuer,
    readOnly: props.readOnly,
    href: (to) => config.base + to,
    navigate: (to) => {
      history.pushState(null, '', config.base + to)
      setPath(location.pathname)
    },
  }
  const logout = async () => location.assign(await client.logout({ returnTo: new URL(config.base, location.origin).href }))
  return html`<a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <div class="brand"><strong>Latchkey</strong> <span class="issuer" title="Issuer">${config.issuer}</span></div>
      <div class="who">
        <span data-testid="admin">${props.user}</span>
        ${props.readOnly ? html`<span class="badge" data-testid="read-only">read-only</span>` : null}
        <button type="button" onClick=${logout}>Log out</button>
      </div>
    </header>
    <nav class=${menuOpen ? 'nav open' : 'nav'} aria-label="Console">
      <button type="button" class="menu" aria-expanded=${menuOpen ? 'true' : 'false'} aria-controls="nav-sections" onClick=${() => setMenuOpen(!menuOpen)}>
        Menu<span class="visually-hidden">: ${SECTIONS.find((item) => item.path === route.section)?.label ?? ''}</span>
      </button>
      <ul id="nav-sections">${SECTIONS.map(
        (item) => html`<li><${Link} session=${session} to=${item.path} class=${route.section === item.path ? 'current' : undefined}>${item.label}<//></li>`,
      )}</ul>
    </nav>
    <main id="main" tabindex="-1"><${Page} session=${session} route=${route} /></main>`
}

/** The permissions in the access token's scope: without any change permission, the administrator is read-only. */
function readOnlyOf(scope: string | undefined): boolean {
  return !(scope ?? '').split(' ').some((permission) => /^(create|update|delete):/.test(permission))
}

async function start(root: HTMLElement) {
  const config = (await (await fetch(new URL('../config.json', import.meta.url))).json()) as ConsoleConfig
  // Reached on another origin (the issuer's, when the console has its own): its login would come back
  // to a callback its application does not have, so go to the console's origin first.
  if (location.origin !== config.origin) {
    location.replace(new URL(location.pathname + location.search, config.origin).href)
    return
  }
  const client = createClient({
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri: new URL(`${config.base}callback`, location.origin).href,
    audience: config.audience,
    // offline_access: a rotating refresh token, kept in memory like the access token, renews it while the tab is open
    scope: 'openid profile email offline_access',
    allowInsecureRequests: new URL(config.issuer).protocol === 'http:',
  })
  if (location.pathname === `${config.base}callback`) {
    const result = await client.handleCallback(location.href)
    const back = typeof result.appState === 'string' && result.appState.startsWith(config.base) ? result.appState : config.base
    history.replaceState(null, '', back)
  } else if (!(await client.isAuthenticated())) {
    location.assign(await client.buildAuthorizeUrl({ appState: location.pathname + location.search }))
    return
  }
  const user = await client.getUser()
  const token = await client.getAccessToken({ detailedResponse: true })
  render(
    html`<${Console} config=${config} client=${client} user=${user?.email ?? user?.name ?? user?.sub ?? ''} readOnly=${readOnlyOf(token.scope)} />`,
    root,
  )
}

const root = document.getElementById('console')
if (root !== null)
  start(root).catch((error: unknown) => {
    render(
      html`<main id="main" class="failed"><h1>The console could not start</h1><${ErrorBox} error=${messageOf(error)} /><p><a href=".">Try again</a></p></main>`,
      root,
    )
  })
