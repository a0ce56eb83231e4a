/**
 * An application's connections: which ways of logging in it offers. Each connection with a switch,
 * checked when the connection is enabled for this application; a change is one
 * `PATCH /connections/{id}/clients` (Auth0's), sent at once and confirmed in place (undone if refused).
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { ErrorBox, Link, messageOf, type Session } from '../ui.js'

interface Connection {
  readonly id: string
  readonly name: string
  readonly strategy: string
  readonly enabled_clients?: readonly string[]
}

/** Every connection (there are few: they are configured, not signed up): pages of 100 until the last. */
async function allConnections(session: Session): Promise<Connection[]> {
  const all: Connection[] = []
  for (let page = 0; ; page++) {
    const found = await session.api.page<Connection>('connections', 'connections', page, 100)
    all.push(...found.items)
    if (found.items.length < 100 || all.length >= found.total) return all
  }
}

export function ApplicationConnections({ session, clientId }: { session: Session; clientId: string }) {
  const [connections, setConnections] = useState<Connection[] | null>(null)
  const [enabled, setEnabled] = useState<ReadonlySet<string>>(new Set())
  const [error, setError] = useState<string | null>(null)
  const [status, setStatus] = useState<string | null>(null)
  useEffect(() => {
    allConnections(session).then(
      (found) => {
        setConnections(found)
        setEnabled(new Set(found.filter((c) => c.enabled_clients?.includes(clientId)).map((c) => c.id)))
      },
      (e: unknown) => setError(messageOf(e)),
    )
  }, [clientId])
  const toggle = async (connection: Connection, on: boolean) => {
    setError(null)
    setStatus(null)
    // Shown at once, put back if the server refuses.
    const before = enabled
    const next = new Set(enabled)
    if (on) next.add(connection.id)
    else next.delete(connection.id)
    setEnabled(next)
    try {
      await session.api.patch(`connections/${encodeURIComponent(connection.id)}/clients`, [{ client_id: clientId, status: on }])
      setStatus(`${connection.name} ${on ? 'enabled' : 'disabled'} for this application.`)
    } catch (e) {
      setEnabled(before)
      setError(messageOf(e))
    }
  }
  return html`<section class="panel" aria-labelledby="app-connections-title">
    <h2 id="app-connections-title">Connections</h2>
    <p class="hint">How people log in to this application: the user database, upstream identity providers.</p>
    <${ErrorBox} error=${error} />
    ${status !== null ? html`<p class="ok" role="status">${status}</p>` : null}
    ${connections === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${connections !== null && connections.length === 0
      ? html`<p class="empty">No connections yet. <${Link} session=${session} to="connections">Connections<//></p>`
      : null}
    ${connections !== null && connections.length > 0
      ? html`<fieldset>
          <legend>Enabled for this application</legend>
          ${connections.map(
            (connection) => html`<label class="check" key=${connection.id}>
              <input type="checkbox" disabled=${session.readOnly} checked=${enabled.has(connection.id)}
                onChange=${(e: Event) => toggle(connection, (e.target as HTMLInputElement).checked)} />
              ${connection.name} <span class="hint">(${connection.strategy})</span>
            </label>`,
          )}
        </fieldset>`
      : null}
  </section>`
}
