/** Logs: /api/v2/logs, newest first, paged, filtered by event type, user, application and dates. */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { type FieldErrors, type LogFilter, logQueryOf } from '../forms.js'
import { ErrorBox, Field, Pager, describedBy, messageOf, type Session } from '../ui.js'

interface LogEvent {
  readonly log_id: string
  readonly date: string
  readonly type: string
  readonly description: string
  readonly client_id?: string
  readonly user_id?: string
  readonly user_name?: string
  readonly ip?: string
}

const PER_PAGE = 50
const EMPTY: LogFilter = { type: '', user_id: '', client_id: '', from: '', to: '' }

export function LogsPage({ session }: { session: Session }) {
  const [form, setForm] = useState<LogFilter>(EMPTY)
  const [q, setQ] = useState<string | null>(null)
  const [page, setPage] = useState(0)
  const [errors, setErrors] = useState<FieldErrors>({})
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
        <button type="button" onClick=${() => { setForm(EMPTY); setErrors({}); setPage(0); setQ(null) }}>Clear</button>
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
              <td>${event.description}${event.client_id ? html`<br /><small>app <code>${event.client_id}</code></small>` : null}</td>
              <td>${event.user_name ?? event.user_id ?? ''}</td>
            </tr>`,
          )}</tbody>
        </table>`
      : null}
    ${list !== null ? html`<${Pager} page=${page} perPage=${PER_PAGE} total=${list.total} onPage=${setPage} />` : null}
  </section>`
}
