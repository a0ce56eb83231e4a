/** What the parts of a user's page share: a collapsible section, and times as the administrator reads them. */
import { html } from 'htm/preact'
import type { ComponentChildren } from 'preact'

export const when = (iso: string | undefined) => (iso === undefined ? 'never' : new Date(iso).toLocaleString())

/** One collapsible part of a user's page: a `<details>` whose summary is its heading (closed until opened: its data loads then). */
export function UserSection(props: { title: string; id: string; open: boolean; onToggle: (open: boolean) => void; children: ComponentChildren }) {
  return html`<details class="user-section" id=${props.id} open=${props.open} onToggle=${(e: Event) => props.onToggle((e.currentTarget as HTMLDetailsElement).open)}>
    <summary><h2>${props.title}</h2></summary>
    ${props.open ? html`<div class="user-section-body">${props.children}</div>` : null}
  </details>`
}
