/**
 * Actions: /api/v2/actions/actions, listed with their trigger, status and place in their trigger's
 * flow; created; their draft edited (code, secrets by name, dependencies, what a failure does),
 * tested against a sample event, deployed, deleted; and each trigger's flow
 * (/actions/triggers/{trigger}/bindings): the deployed actions that run, in order.
 */
import { html } from 'htm/preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import {
  actionStatus,
  type Dependency,
  dependenciesOf,
  dependenciesText,
  eventOf,
  indent,
  moved,
  ordinal,
  sampleEventOf,
  secretNameError,
  secretsBody,
  TRIGGERS,
  triggerLabel,
} from '../actions-form.js'
import { DeleteButton, ErrorBox, Field, Link, Pager, describedBy, messageOf, type Session } from '../ui.js'

interface Action {
  readonly id: string
  readonly name: string
  readonly supported_triggers: readonly { readonly id: string }[]
  readonly all_changes_deployed: boolean
  readonly updated_at: string
  readonly code: string
  readonly dependencies: readonly Dependency[]
  readonly secrets: readonly { readonly name: string }[]
  readonly on_failure?: 'deny' | 'skip'
  readonly deployed_version?: { readonly number: number; readonly created_at: string }
}

interface Binding {
  readonly id: string
  readonly display_name: string
  readonly action: Action
}

interface TestRun {
  readonly logs: string
  readonly stats: { readonly action_duration_ms: number }
  readonly commands: readonly Record<string, unknown>[]
  readonly error?: { readonly id: string; readonly msg: string }
}

const PER_PAGE = 25
const triggerOf = (action: Action) => action.supported_triggers[0]?.id ?? ''
const when = (iso: string) => new Date(iso).toLocaleString()
const bindingsPath = (trigger: string) => `actions/triggers/${encodeURIComponent(trigger)}/bindings`
const refsOf = (bindings: readonly { id: string; display_name: string }[]) =>
  bindings.map((b) => ({ ref: { type: 'action_id', value: b.id }, display_name: b.display_name }))

/** Every trigger's bindings, for saying where each action runs. */
async function allBindings(session: Session): Promise<Record<string, Binding[]>> {
  const lists = await Promise.all(TRIGGERS.map((t) => session.api.get<{ bindings: Binding[] }>(`${bindingsPath(t.id)}?per_page=100`)))
  return Object.fromEntries(TRIGGERS.map((t, i) => [t.id, lists[i]?.bindings ?? []]))
}

/** Where the action runs: "1st at Post login", or "Not bound". */
function placeOf(action: Action, bindings: Record<string, Binding[]>): string {
  const trigger = triggerOf(action)
  const index = (bindings[trigger] ?? []).findIndex((b) => b.action.id === action.id)
  return index === -1 ? 'Not bound' : `${ordinal(index + 1)} at ${triggerLabel(trigger)}`
}

/** One trigger's flow: its bound actions in order (move, remove), and adding a deployed one. */
function Flow(props: { session: Session; bindings: Record<string, Binding[]>; onChange: (trigger: string, bindings: Binding[]) => void }) {
  const { session } = props
  const [trigger, setTrigger] = useState<string>('post-login')
  const [deployed, setDeployed] = useState<Action[]>([])
  const [choice, setChoice] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [status, setStatus] = useState<string | null>(null)
  const bound = props.bindings[trigger] ?? []
  useEffect(() => {
    setChoice('')
    session.api
      .get<{ actions: Action[] }>(`actions/actions?triggerId=${encodeURIComponent(trigger)}&deployed=true&per_page=100`)
      .then((answer) => setDeployed(answer.actions), (e: unknown) => setError(messageOf(e)))
  }, [trigger])
  const save = async (next: readonly { id: string; display_name: string }[], done: string) => {
    setError(null)
    setStatus(null)
    try {
      const answer = await session.api.patch<{ bindings: Binding[] }>(bindingsPath(trigger), { bindings: refsOf(next) })
      props.onChange(trigger, answer.bindings)
      setStatus(done)
    } catch (e) {
      setError(messageOf(e))
    }
  }
  const current = bound.map((b) => ({ id: b.action.id, display_name: b.display_name }))
  const addable = deployed.filter((a) => !bound.some((b) => b.action.id === a.id))
  const add = (event: Event) => {
    event.preventDefault()
    const action = addable.find((a) => a.id === choice)
    if (action === undefined) {
      setError('Choose a deployed action to add.')
      return
    }
    void save([...current, { id: action.id, display_name: action.name }], `${action.name} now runs ${ordinal(current.length + 1)}.`)
  }
  const disabled = session.readOnly
  return html`<section aria-labelledby="flow-title" class="panel">
    <h2 id="flow-title">Flows</h2>
    <p class="hint">The actions bound to a trigger run in this order, each at its deployed version. The first that denies or fails ends the flow.</p>
    <${Field} id="flow-trigger" label="Trigger">
      <select id="flow-trigger" value=${trigger} onChange=${(e: Event) => setTrigger((e.target as HTMLSelectElement).value)}>
        ${TRIGGERS.map((t) => html`<option value=${t.id}>${t.label} (${t.id})</option>`)}
      </select>
    <//>
    <${ErrorBox} error=${error} />
    ${status !== null ? html`<p class="ok" role="status">${status}</p>` : null}
    ${bound.length === 0
      ? html`<p class="empty">No action runs at ${triggerLabel(trigger)}.</p>`
      : html`<ol class="flow" aria-label=${`${triggerLabel(trigger)} flow`}>${bound.map(
          (b, i) => html`<li key=${b.id}>
            <span class="flow-name"><${Link} session=${session} to=${`actions/${encodeURIComponent(b.action.id)}`}>${b.display_name}<//>
              <span class="hint"> ${actionStatus(b.action)}</span></span>
            <span class="flow-buttons">
              <button type="button" disabled=${disabled || i === 0} aria-label=${`Move ${b.display_name} up`}
                onClick=${() => save(moved(current, i, -1), `${b.display_name} now runs ${ordinal(i)}.`)}>Up</button>
              <button type="button" disabled=${disabled || i === bound.length - 1} aria-label=${`Move ${b.display_name} down`}
                onClick=${() => save(moved(current, i, 1), `${b.display_name} now runs ${ordinal(i + 2)}.`)}>Down</button>
              <button type="button" class="danger" disabled=${disabled} aria-label=${`Remove ${b.display_name} from the flow`}
                onClick=${() => save(current.filter((_, j) => j !== i), `${b.display_name} no longer runs at ${triggerLabel(trigger)}.`)}>Remove</button>
            </span>
          </li>`,
        )}</ol>`}
    ${addable.length > 0
      ? html`<form class="search-row" onSubmit=${add} noValidate>
          <label for="flow-add" class="visually-hidden">Deployed action to add</label>
          <select id="flow-add" disabled=${disabled} value=${choice} onChange=${(e: Event) => setChoice((e.target as HTMLSelectElement).value)}>
            <option value="">Choose a deployed action…</option>
            ${addable.map((a) => html`<option value=${a.id}>${a.name}</option>`)}
          </select>
          <button type="submit" disabled=${disabled}>Add to the flow</button>
        </form>`
      : html`<p class="hint">${deployed.length > 0 ? 'Every deployed action of this trigger is in the flow.' : 'Only deployed actions can be added: deploy an action of this trigger to add it here.'}</p>`}
  </section>`
}

export function ActionsPage({ session }: { session: Session }) {
  const [page, setPage] = useState(0)
  const [list, setList] = useState<{ items: Action[]; total: number } | null>(null)
  const [bindings, setBindings] = useState<Record<string, Binding[]>>({})
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    setList(null)
    Promise.all([session.api.get<{ actions: Action[]; total: number }>(`actions/actions?page=${page}&per_page=${PER_PAGE}`), allBindings(session)]).then(
      ([answer, bound]) => {
        setList({ items: answer.actions, total: answer.total })
        setBindings(bound)
      },
      (e: unknown) => setError(messageOf(e)),
    )
  }, [page])
  return html`<section aria-labelledby="page-title">
    <div class="page-head">
      <h1 id="page-title">Actions</h1>
      <button type="button" class="primary" disabled=${session.readOnly} onClick=${() => session.navigate('actions/new')}>Create action</button>
    </div>
    <p class="hint">Code that runs at a login, a token for a machine, a sign-up or a password change: Auth0's Actions, unchanged.</p>
    <${ErrorBox} error=${error} />
    ${list === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${list !== null && list.total === 0 ? html`<p class="empty">No actions yet. Create one, test it on a sample event, deploy it and add it to a flow.</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<table>
          <caption class="visually-hidden">Actions</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Trigger</th><th scope="col">Status</th><th scope="col">Runs</th></tr></thead>
          <tbody>${list.items.map(
            (action) => html`<tr key=${action.id}>
              <td><${Link} session=${session} to=${`actions/${encodeURIComponent(action.id)}`}>${action.name}<//></td>
              <td>${triggerLabel(triggerOf(action))}</td>
              <td>${actionStatus(action)}</td>
              <td>${placeOf(action, bindings)}</td>
            </tr>`,
          )}</tbody>
        </table>`
      : null}
    ${list !== null ? html`<${Pager} page=${page} perPage=${PER_PAGE} total=${list.total} onPage=${setPage} />` : null}
    ${list !== null ? html`<${Flow} session=${session} bindings=${bindings} onChange=${(trigger: string, next: Binding[]) => setBindings({ ...bindings, [trigger]: next })} />` : null}
  </section>`
}

function CreateAction({ session }: { session: Session }) {
  const [name, setName] = useState('')
  const [trigger, setTrigger] = useState<string>('post-login')
  const [nameError, setNameError] = useState<string | undefined>(undefined)
  const [error, setError] = useState<string | null>(null)
  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    if (name.trim() === '') {
      setNameError('Give the action a name, e.g. add-role-claim.')
      return
    }
    setNameError(undefined)
    try {
      const created = await session.api.post<Action>('actions/actions', { name: name.trim(), supported_triggers: [{ id: trigger }] })
      session.navigate(`actions/${encodeURIComponent(created.id)}`)
    } catch (e) {
      setError(messageOf(e))
    }
  }
  const hint = TRIGGERS.find((t) => t.id === trigger)?.hint ?? ''
  return html`<section aria-labelledby="page-title">
    <p><${Link} session=${session} to="actions">← Actions<//></p>
    <h1 id="page-title">Create action</h1>
    <${ErrorBox} error=${error} />
    <form onSubmit=${submit} noValidate>
      <${Field} id="action-name" label="Name" hint="Unique among actions; shown in flows and logs." error=${nameError}>
        <input id="action-name" type="text" disabled=${session.readOnly} aria-invalid=${nameError ? 'true' : undefined}
          aria-describedby=${describedBy('action-name', true, nameError)} value=${name} onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} />
      <//>
      <${Field} id="action-trigger" label="Trigger" hint=${hint}>
        <select id="action-trigger" disabled=${session.readOnly} aria-describedby="action-trigger-hint" value=${trigger}
          onChange=${(e: Event) => setTrigger((e.target as HTMLSelectElement).value)}>
          ${TRIGGERS.map((t) => html`<option value=${t.id}>${t.label} (${t.id})</option>`)}
        </select>
      <//>
      <p class="hint">The action starts with the trigger's empty handler; write its code next. An action's trigger cannot change.</p>
      <div class="actions"><button type="submit" class="primary" disabled=${session.readOnly}>Create</button></div>
    </form>
  </section>`
}

/** The code's textarea: Tab indents, unless Esc was pressed just before (then Tab leaves, as usual). */
function CodeEditor(props: { value: string; readOnly: boolean; error: string | null; onInput: (code: string) => void }) {
  const escaped = useRef(false)
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      escaped.current = true
      return
    }
    const plainTab = event.key === 'Tab' && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey
    if (plainTab && !escaped.current && !props.readOnly) {
      event.preventDefault()
      const area = event.target as HTMLTextAreaElement
      const next = indent(area.value, area.selectionStart, area.selectionEnd)
      area.value = next.value
      area.setSelectionRange(next.caret, next.caret)
      props.onInput(next.value)
    }
    escaped.current = false
  }
  return html`<div class="field">
    <label for="action-code">Code</label>
    <p class="hint" id="action-code-hint">Tab indents. To move on with the keyboard, press Esc, then Tab.</p>
    <textarea id="action-code" class="code" rows="18" spellcheck=${false} autocapitalize="off" autocomplete="off" readOnly=${props.readOnly}
      aria-describedby=${props.error ? 'action-code-hint action-code-error' : 'action-code-hint'} aria-invalid=${props.error ? 'true' : undefined}
      value=${props.value} onInput=${(e: Event) => props.onInput((e.target as HTMLTextAreaElement).value)} onKeyDown=${onKeyDown}
      onBlur=${() => {
        escaped.current = false
      }}></textarea>
    ${props.error !== null ? html`<p class="error" role="alert" id="action-code-error">${props.error}</p>` : null}
  </div>`
}

function TestResult({ run }: { run: TestRun }) {
  return html`<div class="test-result">
    ${run.error
      ? html`<p class="error">The action failed (${run.error.id}): ${run.error.msg}</p>`
      : html`<p class="ok">The action ran in ${run.stats.action_duration_ms} ms.</p>`}
    <h3>What it asked for</h3>
    ${run.commands.length === 0
      ? html`<p class="hint">Nothing (no claims, no denial, no metadata).</p>`
      : html`<ol class="commands">${run.commands.map((command) => {
          const { kind, ...rest } = command
          return html`<li><code>${String(kind)}</code> <code>${JSON.stringify(rest)}</code></li>`
        })}</ol>`}
    <h3>Console output</h3>
    ${run.logs === '' ? html`<p class="hint">None.</p>` : html`<pre tabindex="0">${run.logs}</pre>`}
  </div>`
}

/** Create (id undefined) or edit, test and deploy one action. */
export function ActionPage({ session, id }: { session: Session; id?: string }) {
  if (id === undefined) return html`<${CreateAction} session=${session} />`
  return html`<${EditAction} session=${session} id=${id} />`
}

function EditAction({ session, id }: { session: Session; id: string }) {
  const [action, setAction] = useState<Action | null>(null)
  const [code, setCode] = useState('')
  const [deps, setDeps] = useState('')
  const [onFailure, setOnFailure] = useState<'deny' | 'skip'>('deny')
  const [kept, setKept] = useState<string[]>([])
  const [added, setAdded] = useState<{ name: string; value: string }[]>([])
  const [secretsChanged, setSecretsChanged] = useState(false)
  const [secretName, setSecretName] = useState('')
  const [secretValue, setSecretValue] = useState('')
  const [secretError, setSecretError] = useState<string | undefined>(undefined)
  const [depsError, setDepsError] = useState<string | undefined>(undefined)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [editorError, setEditorError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [bound, setBound] = useState<Binding[] | null>(null)
  const [bindError, setBindError] = useState<string | null>(null)
  const [event, setEvent] = useState('')
  const [run, setRun] = useState<TestRun | null>(null)
  const [testError, setTestError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const show = (found: Action) => {
    setAction(found)
    setCode(found.code)
    setDeps(dependenciesText(found.dependencies))
    setOnFailure(found.on_failure ?? 'deny')
    setKept(found.secrets.map((s) => s.name))
    setAdded([])
    setSecretsChanged(false)
  }
  const loadBindings = (trigger: string) =>
    session.api.get<{ bindings: Binding[] }>(`${bindingsPath(trigger)}?per_page=100`).then((answer) => setBound(answer.bindings), (e: unknown) => setBindError(messageOf(e)))
  useEffect(() => {
    session.api.get<Action>(`actions/actions/${encodeURIComponent(id)}`).then(
      (found) => {
        show(found)
        setEvent(sampleEventOf(triggerOf(found)))
        void loadBindings(triggerOf(found))
      },
      (e: unknown) => setLoadError(messageOf(e)),
    )
  }, [id])
  if (action === null)
    return html`<section><h1 id="page-title">Action</h1><${ErrorBox} error=${loadError} />${loadError === null ? html`<p>Loading…</p>` : null}</section>`
  const trigger = triggerOf(action)
  const disabled = session.readOnly || busy
  const dirty = code !== action.code || deps !== dependenciesText(action.dependencies) || onFailure !== (action.on_failure ?? 'deny') || secretsChanged
  const place = (bound ?? []).findIndex((b) => b.action.id === action.id)
  const path = `actions/actions/${encodeURIComponent(action.id)}`

  /** Saves the draft when it changed; the action as saved, or null (the error is shown). */
  const save = async (): Promise<Action | null> => {
    setEditorError(null)
    setSaved(null)
    const parsed = dependenciesOf(deps)
    if ('error' in parsed) {
      setDepsError(parsed.error)
      return null
    }
    setDepsError(undefined)
    if (!dirty) return action
    try {
      const body = { code, dependencies: parsed.dependencies, on_failure: onFailure, ...(secretsChanged ? { secrets: secretsBody(kept, added) } : {}) }
      const answer = await session.api.patch<Action>(path, body)
      show(answer)
      return answer
    } catch (e) {
      setEditorError(messageOf(e))
      return null
    }
  }
  const work = async (task: () => Promise<void>) => {
    setBusy(true)
    try {
      await task()
    } finally {
      setBusy(false)
    }
  }
  const submit = (e: Event) => {
    e.preventDefault()
    void work(async () => {
      if ((await save()) !== null) setSaved('Draft saved. It runs once deployed.')
    })
  }
  const deploy = () =>
    work(async () => {
      if ((await save()) === null) return
      try {
        const version = await session.api.post<{ number: number }>(`${path}/deploy`)
        show(await session.api.get<Action>(path))
        setSaved(
          place === -1
            ? `Deployed version ${version.number}. It is not in the ${triggerLabel(trigger)} flow yet: add it below to make it run.`
            : `Deployed version ${version.number}: it runs ${ordinal(place + 1)} at ${triggerLabel(trigger)} from now on.`,
        )
      } catch (e) {
        setEditorError(messageOf(e))
      }
    })
  const test = () =>
    work(async () => {
      setTestError(null)
      setRun(null)
      const parsed = eventOf(event)
      if ('error' in parsed) {
        setTestError(parsed.error)
        return
      }
      if ((await save()) === null) return
      try {
        const answer = await session.api.post<{ payload: TestRun }>(`${path}/test`, { payload: parsed.event })
        setRun(answer.payload)
      } catch (e) {
        setTestError(messageOf(e))
      }
    })
  const setFlow = (next: readonly { id: string; display_name: string }[]) =>
    work(async () => {
      setBindError(null)
      try {
        setBound((await session.api.patch<{ bindings: Binding[] }>(bindingsPath(trigger), { bindings: refsOf(next) })).bindings)
      } catch (e) {
        setBindError(messageOf(e))
      }
    })
  const flow = (bound ?? []).map((b) => ({ id: b.action.id, display_name: b.display_name }))
  const addSecret = () => {
    const name = secretName.trim()
    const problem = secretNameError(name, [...kept, ...added.map((s) => s.name)])
    if (problem !== null || secretValue === '') {
      setSecretError(problem ?? 'Give the secret a value.')
      return
    }
    setSecretError(undefined)
    setAdded([...added, { name, value: secretValue }])
    setSecretsChanged(true)
    setSecretName('')
    setSecretValue('')
  }
  return html`<section aria-labelledby="page-title">
    <p><${Link} session=${session} to="actions">← Actions<//></p>
    <h1 id="page-title">${action.name}</h1>
    <dl class="facts">
      <dt>Trigger</dt><dd>${triggerLabel(trigger)} (<code>${trigger}</code>)</dd>
      <dt>Status</dt><dd data-testid="action-status">${actionStatus(action)}${action.deployed_version ? `, ${when(action.deployed_version.created_at)}` : ''}</dd>
      <dt>Runs</dt><dd>${bound === null ? '…' : place === -1 ? 'Not bound: it does not run' : `${ordinal(place + 1)} at ${triggerLabel(trigger)}`}</dd>
      <dt>Draft saved</dt><dd>${when(action.updated_at)}</dd>
    </dl>
    ${saved !== null ? html`<p class="ok" role="status">${saved}</p>` : null}
    <form onSubmit=${submit} noValidate>
      <${CodeEditor} value=${code} readOnly=${session.readOnly} error=${editorError} onInput=${setCode} />
      <fieldset>
        <legend>Secrets</legend>
        <p class="hint" id="secrets-hint">The action reads them as <code>event.secrets.NAME</code>. Values are sealed on the server and never shown again, here or by the API.</p>
        ${kept.length + added.length === 0 ? html`<p class="hint">No secrets.</p>` : null}
        <ul class="secrets">
          ${kept.map(
            (name) => html`<li key=${name}><code>${name}</code> <span class="hint">value hidden</span>
              <button type="button" disabled=${disabled} aria-label=${`Remove secret ${name}`} onClick=${() => {
                setKept(kept.filter((n) => n !== name))
                setSecretsChanged(true)
              }}>Remove</button></li>`,
          )}
          ${added.map(
            (secret) => html`<li key=${secret.name}><code>${secret.name}</code> <span class="hint">new, saved with the draft</span>
              <button type="button" disabled=${disabled} aria-label=${`Remove secret ${secret.name}`} onClick=${() => setAdded(added.filter((s) => s.name !== secret.name))}>Remove</button></li>`,
          )}
        </ul>
        <div class="secret-add">
          <${Field} id="secret-name" label="Secret name" error=${secretError}>
            <input id="secret-name" type="text" autocomplete="off" disabled=${disabled} aria-invalid=${secretError ? 'true' : undefined}
              aria-describedby=${describedBy('secret-name', false, secretError)} value=${secretName} onInput=${(e: Event) => setSecretName((e.target as HTMLInputElement).value)} />
          <//>
          <${Field} id="secret-value" label="Secret value">
            <input id="secret-value" type="password" autocomplete="new-password" disabled=${disabled} value=${secretValue}
              onInput=${(e: Event) => setSecretValue((e.target as HTMLInputElement).value)} />
          <//>
          <button type="button" disabled=${disabled} onClick=${addSecret}>Add secret</button>
        </div>
      </fieldset>
      <${Field} id="action-deps" label="Dependencies" hint="npm packages as name@version, one a line. Latchkey records them: install them in the deployment's node_modules." error=${depsError}>
        <textarea id="action-deps" rows="2" class="code" disabled=${disabled} aria-invalid=${depsError ? 'true' : undefined}
          aria-describedby=${describedBy('action-deps', true, depsError)} value=${deps} onInput=${(e: Event) => setDeps((e.target as HTMLTextAreaElement).value)}></textarea>
      <//>
      <${Field} id="action-failure" label="When the action throws or times out" hint="Latchkey's setting; it takes effect at once, without a deploy.">
        <select id="action-failure" disabled=${disabled} aria-describedby="action-failure-hint" value=${onFailure}
          onChange=${(e: Event) => setOnFailure((e.target as HTMLSelectElement).value === 'skip' ? 'skip' : 'deny')}>
          <option value="deny">Deny (the login fails, as Auth0 does)</option>
          <option value="skip">Skip the action and go on</option>
        </select>
      <//>
      ${dirty && !session.readOnly ? html`<p class="hint" data-testid="unsaved">Unsaved changes: Save draft keeps them, Deploy saves and deploys them.</p>` : null}
      <div class="actions">
        <button type="submit" disabled=${disabled}>Save draft</button>
        <button type="button" class="primary" disabled=${disabled} onClick=${deploy}>Deploy</button>
        <${DeleteButton} what=${`the action ${action.name}${place === -1 ? '' : ` (it is removed from the ${triggerLabel(trigger)} flow first)`}`} disabled=${session.readOnly}
          onConfirm=${async () => {
            await session.api.delete(`${path}${place === -1 ? '' : '?force=true'}`)
            session.navigate('actions')
          }} />
      </div>
    </form>

    <section aria-labelledby="test-title" class="panel">
      <h2 id="test-title">Test</h2>
      <p class="hint">Runs the draft (saved first) against this event. Nothing it asks for is applied.</p>
      <${Field} id="action-event" label="Sample event (JSON)">
        <textarea id="action-event" class="code" rows="12" spellcheck=${false} disabled=${disabled} value=${event}
          onInput=${(e: Event) => setEvent((e.target as HTMLTextAreaElement).value)}></textarea>
      <//>
      <div class="actions">
        <button type="button" disabled=${disabled} onClick=${test}>Run test</button>
        <button type="button" disabled=${disabled} onClick=${() => setEvent(sampleEventOf(trigger))}>Reset the sample</button>
      </div>
      <${ErrorBox} error=${testError} />
      <div aria-live="polite">${run !== null ? html`<${TestResult} run=${run} />` : null}</div>
    </section>

    <section aria-labelledby="binding-title" class="panel">
      <h2 id="binding-title">${triggerLabel(trigger)} flow</h2>
      <${ErrorBox} error=${bindError} />
      ${bound !== null && bound.length > 0
        ? html`<ol class="flow">${bound.map((b) => html`<li key=${b.id}><span class="flow-name">${b.action.id === action.id ? html`<strong>${b.display_name}</strong>` : b.display_name}</span></li>`)}</ol>`
        : null}
      ${place === -1
        ? html`<p class="hint">${action.deployed_version ? 'Not in the flow yet: add it to make it run.' : 'Deploy it first: only deployed actions run.'}</p>
            <button type="button" disabled=${disabled || action.deployed_version === undefined}
              onClick=${() => setFlow([...flow, { id: action.id, display_name: action.name }])}>Add to the ${triggerLabel(trigger)} flow</button>`
        : html`<p class="hint">Change the order on the <${Link} session=${session} to="actions">Actions<//> page.</p>
            <button type="button" class="danger" disabled=${disabled} onClick=${() => setFlow(flow.filter((b) => b.id !== action.id))}>Remove from the flow</button>`}
    </section>
  </section>`
}
