/**
 * What the Roles and Organizations pages share: a paged sub-list that reloads after a change, a
 * button that asks before removing, and finding users by email address (`/users-by-email`) to give
 * them a role or add them to an organization.
 */
import { html } from 'htm/preact'
import { useEffect, useId, useRef, useState } from 'preact/hooks'
import type { Page } from './api.js'
import { ErrorBox, messageOf, type Session } from './ui.js'

export interface FoundUser {
  readonly user_id: string
  readonly email?: string
  readonly name?: string
  readonly identities?: readonly { readonly connection: string }[]
}

/** One page of a Management API list, kept with its page number; `reload` after a change. */
export function usePaged<T>(session: Session, path: string, key: string, perPage: number, extra: Record<string, string> = {}) {
  const [page, setPage] = useState(0)
  const [list, setList] = useState<Page<T> | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [version, setVersion] = useState(0)
  const query = JSON.stringify(extra)
  useEffect(() => {
    setError(null)
    session.api.page<T>(path, key, page, perPage, extra).then(
      (answer) => {
        // After removing the last item of a later page, show the page before.
        if (answer.items.length === 0 && page > 0 && answer.total > 0) setPage(Math.max(0, Math.ceil(answer.total / perPage) - 1))
        else setList(answer)
      },
      (e: unknown) => setError(messageOf(e)),
    )
  }, [path, page, version, query])
  return { list, error, page, setPage, reload: () => setVersion((v) => v + 1) }
}

/** Every item of a Management API list, a page of 100 at a time (at most `max`), for pickers. */
export async function everyItem<T>(session: Session, path: string, key: string, max = 1000): Promise<T[]> {
  const all: T[] = []
  for (let page = 0; all.length < max; page++) {
    const answer = await session.api.page<T>(path, key, page, 100)
    all.push(...answer.items)
    if (answer.items.length < 100 || all.length >= answer.total) break
  }
  return all
}

/** A button that asks, in place, before it removes something, and moves focus to the question. */
export function ConfirmButton(props: {
  label: string
  /** The button's accessible name where `label` alone is ambiguous (`Remove admin` among several Remove buttons). */
  name?: string
  question: string
  confirmLabel: string
  disabled: boolean
  onConfirm: () => Promise<void>
}) {
  const [asking, setAsking] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const box = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  const asked = useRef(false)
  const textId = useId()
  useEffect(() => {
    // To the question when it opens; back to the button when it is cancelled.
    if (asking) box.current?.focus()
    else if (asked.current) button.current?.focus()
    asked.current = asking
  }, [asking])
  if (!asking)
    return html`<button type="button" class="danger" ref=${button} aria-label=${props.name} disabled=${props.disabled} onClick=${() => setAsking(true)}>${props.label}</button>`
  return html`<div class="confirm" role="alertdialog" aria-labelledby=${textId} tabindex="-1" ref=${box}>
    <p id=${textId}>${props.question}</p>
    <${ErrorBox} error=${error} />
    <button type="button" class="danger" onClick=${() => props.onConfirm().catch((e: unknown) => setError(messageOf(e)))}>${props.confirmLabel}</button>
    <button type="button" onClick=${() => setAsking(false)}>Cancel</button>
  </div>`
}

const connectionsOf = (user: FoundUser) => (user.identities ?? []).map((identity) => identity.connection).join(', ')

/**
 * Finds users by email address (users of different connections may share one) and offers `action`
 * on each (the API leaves a user who has it already as they are).
 */
export function UserFinder(props: {
  session: Session
  id: string
  label: string
  action: string
  disabled: boolean
  onPick: (user: FoundUser) => Promise<void>
}) {
  const { session } = props
  const [email, setEmail] = useState('')
  const [found, setFound] = useState<FoundUser[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const find = async (event: Event) => {
    event.preventDefault()
    setError(null)
    setFound(null)
    const address = email.trim()
    if (!/^[^\s@]+@[^\s@]+$/.test(address)) {
      setError('Type the full email address of the user, like jane@example.com.')
      return
    }
    try {
      const users = await session.api.get<FoundUser[]>(`users-by-email?${new URLSearchParams({ email: address })}`)
      if (users.length === 0) setError(`No user has the email address ${address}.`)
      setFound(users)
    } catch (e) {
      setError(messageOf(e))
    }
  }
  const pick = async (user: FoundUser) => {
    setError(null)
    try {
      await props.onPick(user)
      setFound(null)
      setEmail('')
    } catch (e) {
      setError(messageOf(e))
    }
  }
  return html`<form class="search finder" onSubmit=${find} noValidate>
    <label for=${props.id}>${props.label}</label>
    <div class="search-row">
      <input id=${props.id} type="email" disabled=${props.disabled} value=${email} onInput=${(e: Event) => setEmail((e.target as HTMLInputElement).value)} />
      <button type="submit" disabled=${props.disabled}>Find</button>
    </div>
    <${ErrorBox} error=${error} />
    ${found !== null && found.length > 0
      ? html`<ul class="rows">${found.map(
          (user) => html`<li key=${user.user_id}>
            <span><strong>${user.email ?? user.user_id}</strong> ${user.name && user.name !== user.email ? user.name : ''} <span class="hint">${connectionsOf(user)}</span></span>
            <button type="button" disabled=${props.disabled} aria-label=${`${props.action} ${user.email ?? user.user_id}`} onClick=${() => pick(user)}>${props.action}</button>
          </li>`,
        )}</ul>`
      : null}
  </form>`
}
