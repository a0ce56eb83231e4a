/**
 * Logs: /api/v2/logs, newest first, paged, filtered by event type, user, application and dates (also
 * read from the address, `/admin/logs?type=s,f&user_id=…&client_id=…&from=2026-12-01&to=2026-12-07`,
 * and kept there); and one event (`/admin/logs/{id}`: /api/v2/logs/{id}) with every field.
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { type FieldErrors, type LogFilter, logQueryOf } from '../forms.js'
import { ErrorBox, Field, Link, Pager, describedBy, messageOf, type Session } from '../ui.js'

interface LogEvent {
  readonly log_id: string
  readonly date: string
  readonly type: string
  readonly description: string
  readonly client_id?: string
  readonly user_id?: string
  readonly user_name?: string
  readonly ip?: string
  readonly user_agent?: string
  readonly details?: Record<string, unknown>
}

const PER_PAGE = 50
const EMPTY: LogFilter = { type: '', user_id: '', client_id: '', from: '', to: '' }

/** The list's last filters as an address (`logs?type=s`), for an event's way back to the list it came from. */
let listPath = 'logs'

/** The filters in the page's address (a link from Activity, a reload, the way back from an event). */
function filterInAddress(): LogFilter {
  const query = new URLSearchParams(location.search)
  listPath = `logs${location.search}`
  const get = (name: keyof LogFilter) => query.get(name) ?? ''
  return { type: get('type'), user_id: get('user_id'), client_id: get('client_id'), from: get('from'), to: get('to') }
}

function keepInAddress(filter: LogFilter): void {
  const query = new URLSearchParams(Object.entries(filter).filter(([, value]) => value !== ''))
  const search = query.toString().replaceAll('%2C', ',')
  history.replaceState(null, '', search === '' ? location.pathname : `${location.pathname}?${search}`)
  listPath = search === '' ? 'logs' : `logs?${search}`
}

export function LogsPage({ session }: { session: Session }) {
  const [form, setForm] = useState<LogFilter>(filterInAddress)
  const [q, setQ] = useState<string | null>(() => {
    const mapped = logQueryOf(form)
    return 'q' in mapped ? mapped.q : null
  })
  const [page, setPage] = useState(0)
  const [errors, setErrors] = useState<FieldErrors>(() => {
    const mapped = logQueryOf(form)
    return 'errors' in mapped ? mapped.errors : {}
  })
  const [list, setList] = useState<{ items: LogEvent[]; total: number } | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    setError(null)
    setList(null)
    session.api.page<LogEvent>('logs', 'logs', page, PER_PAGE, q === null ? {} : { q }).then(setList, (e: unknown) => setError(messageOf(e)))
  }, [q, page])
  const set = (patch: Partial<LogFilter>) => setForm({ ...form, ...patch })
  const submit = (event: Event) => {
    event.preventDefault()
    const mapped = logQueryOf(form)
    if ('errors' in mapped) {
      setErrors(mapped.errors)
      return
    }
    setErrors({})
    setPage(0)
    setQ(mapped.q)
    keepInAddress(form)
  }
  const input = (name: keyof LogFilter, label: string, type = 'text') => {
    const id = `log-${name}`
    return html`<${Field} id=${id} label=${label} error=${errors[name]}>
      <input id=${id} type=${type} aria-invalid=${errors[name] ? 'true' : undefined} aria-describedby=${describedBy(id, false, errors[name])}
        value=${form[name]} onInput=${(e: Event) => set({ [name]: (e.target as HTMLInputElement).value })} />
    <//>`
  }
  return html`<section aria-labelledby="page-title">
    <h1 id="page-title">Logs</h1>
    <form class="filters" onSubmit=${submit} noValidate>
      ${input('type', 'Event types (s, f, fp…)')}
      ${input('user_id', 'User id')}
      ${input('client_id', 'Client ID')}
      ${input('from', 'From', 'date')}
      ${input('to', 'To', 'date')}
      <div class="actions">
        <button type="submit" class="primary">Filter</button>
        <button type="button" onClick=${() => { setForm(EMPTY); setErrors({}); setPage(0); setQ(null); keepInAddress(EMPTY) }}>Clear</button>
      </div>
    </form>
    <${ErrorBox} error=${error} />
    ${list === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${list !== null && list.total === 0 ? html`<p class="empty">${q === null ? 'No events yet.' : 'No event matches these filters.'}</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<table class="logs">
          <caption class="visually-hidden">Events, newest first</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">Event</th><th scope="col">User</th></tr></thead>
          <tbody>${list.items.map(
            (event) => html`<tr key=${event.log_id}>
              <td>${new Date(event.date).toLocaleString()}</td>
              <td><code>${event.type}</code></td>
              <td><${Link} session=${session} to=${`logs/${encodeURIComponent(event.log_id)}`}>${event.description}<//>${event.client_id ? html`<br /><small>app <code>${event.client_id}</code></small>` : null}</td>
              <td>${event.user_name ?? event.user_id ?? ''}</td>
            </tr>`,
          )}</tbody>
        </table>`
      : null}
    ${list !== null ? html`<${Pager} page=${page} perPage=${PER_PAGE} total=${list.total} onPage=${setPage} />` : null}
  </section>`
}

/** One event: every field, links to its user and application, and the event as the API gives it. */
export function LogPage({ session, id }: { session: Session; id?: string }) {
  const [event, setEvent] = useState<LogEvent | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    session.api.get<LogEvent>(`logs/${encodeURIComponent(id ?? '')}`).then(setEvent, (e: unknown) => setError(messageOf(e)))
  }, [id])
  const date = event === null ? null : new Date(event.date)
  return html`<section aria-labelledby="page-title">
    <p><${Link} session=${session} to=${listPath}>← Logs<//></p>
    <h1 id="page-title">${event?.description ?? 'Log event'}</h1>
    <${ErrorBox} error=${error} />
    ${event === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${event !== null && date !== null
      ? html`<dl class="facts">
            <dt>When</dt><dd>${date.toLocaleString()} <small>(${date.toISOString()})</small></dd>
            <dt>Type</dt><dd><code>${event.type}</code> <${Link} session=${session} to=${`logs?type=${encodeURIComponent(event.type)}`}>events of this type<//></dd>
            <dt>Log ID</dt><dd><code>${event.log_id}</code></dd>
            <dt>User</dt><dd>${event.user_id !== undefined
              ? html`<${Link} session=${session} to=${`users/${encodeURIComponent(event.user_id)}`}>${event.user_name ?? event.user_id}<//> <code>${event.user_id}</code>`
              : (event.user_name ?? 'none')}</dd>
            <dt>Application</dt><dd>${event.client_id !== undefined
              ? html`<${Link} session=${session} to=${`applications/${encodeURIComponent(event.client_id)}`}><code>${event.client_id}</code><//>`
              : 'none'}</dd>
            <dt>IP address</dt><dd>${event.ip ?? 'not recorded'}</dd>
            <dt>User agent</dt><dd>${event.user_agent ?? 'not recorded'}</dd>
          </dl>
          <h2>The event</h2>
          <pre tabindex="0" aria-label="The event as JSON" data-testid="log-json"><code>${JSON.stringify(event, null, 2)}</code></pre>`
      : null}
  </section>`
}
