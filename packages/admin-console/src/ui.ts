/** Small shared pieces of the pages: labelled fields, error boxes, the pager, the delete confirmation. */
import { html } from 'htm/preact'
import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { ManagementApi } from './api.js'

export interface Session {
  readonly api: ManagementApi
  readonly issuer: string
  /** Without create/update/delete permissions: change controls are disabled (the API refuses anyway). */
  readonly readOnly: boolean
  readonly navigate: (path: string) => void
  readonly href: (path: string) => string
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export function ErrorBox({ error }: { error: string | null }) {
  if (error === null) return null
  return html`<p class="error" role="alert">${error}</p>`
}

/** A change on a page: run it, then say `message` or the API's refusal (shown by Outcome). */
export function useChange() {
  const [error, setError] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const run = async (what: () => Promise<unknown>, message: string): Promise<boolean> => {
    setError(null)
    setDone(null)
    try {
      await what()
      setDone(message)
      return true
    } catch (e) {
      setError(messageOf(e))
      return false
    }
  }
  /** A refusal of the page's own (a choice missing), shown the same way. */
  const fail = (message: string) => {
    setDone(null)
    setError(message)
  }
  return { error, done, run, fail }
}

export type Change = ReturnType<typeof useChange>

/** What the last change did: its message, or the error. */
export function Outcome({ change, error = null }: { change: Change; error?: string | null }) {
  return html`<${ErrorBox} error=${error ?? change.error} />${change.done !== null ? html`<p class="ok" role="status">${change.done}</p>` : null}`
}

export function Field(props: { id: string; label: string; hint?: string; error?: string | undefined; children: ComponentChildren }) {
  return html`<div class="field">
    <label for=${props.id}>${props.label}</label>
    ${props.hint ? html`<p class="hint" id=${`${props.id}-hint`}>${props.hint}</p>` : null}
    ${props.children}
    ${props.error ? html`<p class="field-error" id=${`${props.id}-error`}>${props.error}</p>` : null}
  </div>`
}

/** aria-describedby for the control inside a Field. */
export function describedBy(id: string, hint: boolean, error: string | undefined): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean)
  return ids.length > 0 ? ids.join(' ') : undefined
}

export function Pager(props: { page: number; perPage: number; total: number; onPage: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(props.total / props.perPage))
  if (pages <= 1) return null
  const last = props.page + 1 >= pages
  return html`<nav class="pager" aria-label="Pages">
    <button type="button" disabled=${props.page === 0} onClick=${() => props.onPage(0)}>First</button>
    <button type="button" disabled=${props.page === 0} onClick=${() => props.onPage(props.page - 1)}>Previous</button>
    <span>Page ${(props.page + 1).toLocaleString('en')} of ${pages.toLocaleString('en')}</span>
    <button type="button" disabled=${last} onClick=${() => props.onPage(props.page + 1)}>Next</button>
    <button type="button" disabled=${last} onClick=${() => props.onPage(pages - 1)}>Last</button>
  </nav>`
}

/** A delete button that asks first, in place, and moves focus to the question. */
export function DeleteButton(props: { what: string; disabled: boolean; onConfirm: () => Promise<void> }) {
  const [asking, setAsking] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const question = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (asking) question.current?.focus()
  }, [asking])
  if (!asking)
    return html`<button type="button" class="danger" disabled=${props.disabled} onClick=${() => setAsking(true)}>Delete</button>`
  return html`<div class="confirm" role="alertdialog" aria-labelledby="confirm-text" tabindex="-1" ref=${question}>
    <p id="confirm-text">Delete ${props.what}? This cannot be undone.</p>
    <${ErrorBox} error=${error} />
    <button type="button" class="danger" onClick=${() => props.onConfirm().catch((e: unknown) => setError(messageOf(e)))}>Yes, delete</button>
    <button type="button" onClick=${() => setAsking(false)}>Cancel</button>
  </div>`
}

/** A block of code with a copy button. */
export function Snippet(props: { title: string; code: string }) {
  const [copied, setCopied] = useState(false)
  const copy = () =>
    navigator.clipboard.writeText(props.code).then(
      () => setCopied(true),
      () => setCopied(false),
    )
  return html`<section class="snippet">
    <div class="snippet-head"><h3>${props.title}</h3><button type="button" onClick=${copy}>${copied ? 'Copied' : 'Copy'}</button></div>
    <pre tabindex="0"><code>${props.code}</code></pre>
  </section>`
}

export function Link(props: { session: Session; to: string; children: ComponentChildren; class?: string }) {
  return html`<a class=${props.class} href=${props.session.href(props.to)} onClick=${(event: MouseEvent) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return
    event.preventDefault()
    props.session.navigate(props.to)
  }}>${props.children}</a>`
}

export interface Column<T> {
  readonly header: string
  readonly cell: (item: T) => unknown
}

/**
 * A list page of one Management API collection: its title and create button (disabled for read-only
 * administrators), the page of items as a table, loading, empty and error states, and the pager.
 */
export function ListPage<T>(props: {
  session: Session
  title: string
  createLabel: string
  createPath: string
  empty: string
  /** The collection's path and the key of its items in a paged answer (`clients`, `resource_servers`). */
  path: string
  itemsKey: string
  perPage: number
  rowKey: (item: T) => string
  columns: readonly Column<T>[]
}) {
  const { session, perPage } = props
  const [page, setPage] = useState(0)
  const [list, setList] = useState<{ items: T[]; total: number } | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    session.api.page<T>(props.path, props.itemsKey, page, perPage).then(setList, (e: unknown) => setError(messageOf(e)))
  }, [page])
  return html`<section aria-labelledby="page-title">
    <div class="page-head">
      <h1 id="page-title">${props.title}</h1>
      <button type="button" class="primary" disabled=${session.readOnly} onClick=${() => session.navigate(props.createPath)}>${props.createLabel}</button>
    </div>
    <${ErrorBox} error=${error} />
    ${list === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${list !== null && list.total === 0 ? html`<p class="empty">${props.empty}</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<table>
          <caption class="visually-hidden">${props.title}</caption>
          <thead><tr>${props.columns.map((c) => html`<th scope="col">${c.header}</th>`)}</tr></thead>
          <tbody>${list.items.map((item) => html`<tr key=${props.rowKey(item)}>${props.columns.map((c) => html`<td>${c.cell(item)}</td>`)}</tr>`)}</tbody>
        </table>`
      : null}
    ${list !== null ? html`<${Pager} page=${page} perPage=${perPage} total=${list.total} onPage=${setPage} />` : null}
  </section>`
}
