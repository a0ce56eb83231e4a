/**
 * `latchkey actions …`: Actions (Auth0's), like `auth0 actions`: deploy an action from a file (create
 * or update it by name, deploy it, and bind it at the end of its trigger if it is not bound), list,
 * show, delete, order a trigger's actions, and test an action's draft against a sample event on a
 * worker pool of the command's own. An action is named by name or id everywhere. Secret values are
 * sealed with the server's key-encryption key and never shown; every change goes to the audit log.
 */
import { readFileSync } from 'node:fs'
import { ACTION_TRIGGERS, type ActionRecord, type ActionTrigger, isActionTrigger } from '@latchkey/core'
import { ActionBindingError, type Store } from '@latchkey/storage'
import { type Command, InvalidArgumentError } from 'commander'
import { draftPatch, MAX_BOUND_ACTIONS, newAction, type SecretInput, syntaxErrorOf } from '../../actions/action-drafts.js'
import { ActionRunner } from '../../actions/action-runner.js'
import { presentAction } from '../../management/mappings/actions.js'
import { sampleEvent } from '../action-samples.js'
import { recordAdminChange } from '../audit.js'
import { fields, iso, table } from '../present.js'
import { CliError, type CommonOptions, cliEnv, confirm, group, leaf, listAll, notFound, print, run, setExitCode } from '../run.js'
import { encryptionFor } from './keys.js'

interface DeployOptions extends CommonOptions {
  name: string
  trigger?: string
  secret?: SecretInput[]
  onFailure?: 'deny' | 'skip'
}

interface ListOptions extends CommonOptions {
  trigger?: string
}

interface TestOptions extends CommonOptions {
  event?: string
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const TRIGGERS = ACTION_TRIGGERS.join(', ')

/** `--secret NAME=value`, or `--secret NAME` for the value of the environment variable NAME. Repeatable. */
function secretOption(value: string, previous: SecretInput[] | undefined): SecretInput[] {
  const at = value.indexOf('=')
  const name = at === -1 ? value : value.slice(0, at)
  const given = at === -1 ? cliEnv()[name] : value.slice(at + 1)
  if (given === undefined) throw new InvalidArgumentError(`no value for ${name}: write ${name}=VALUE, or set the environment variable ${name}`)
  return [...(previous ?? []).filter((s) => s.name !== name), { name, value: given }]
}

function triggerOption(value: string): ActionTrigger {
  if (!isActionTrigger(value)) throw new InvalidArgumentError(`expected one of ${TRIGGERS}`)
  return value
}

async function findAction(store: Store, ref: string): Promise<ActionRecord> {
  const action = (UUID.test(ref.trim()) ? await store.actions.get(ref.trim()) : null) ?? (await store.actions.findByName(ref.trim()))
  if (!action) throw notFound('action with name or id', ref)
  return action
}

/** The trigger's bindings as the store keeps them (id and display name), in order. */
async function bindingsOf(store: Store, trigger: ActionTrigger) {
  return (await store.actions.bound(trigger)).map((b) => ({ actionId: b.id, displayName: b.displayName, name: b.name }))
}

async function bind(store: Store, trigger: ActionTrigger, bindings: readonly { actionId: string; displayName: string; name: string }[]): Promise<void> {
  if (bindings.length > MAX_BOUND_ACTIONS) throw new CliError(`at most ${MAX_BOUND_ACTIONS} actions run at one trigger`)
  try {
    await store.actions.bind(
      trigger,
      bindings.map(({ actionId, displayName }) => ({ actionId, displayName })),
    )
  } catch (error) {
    if (error instanceof ActionBindingError) throw new CliError(error.message)
    throw error
  }
  await recordAdminChange(store, { action: 'action.bindings_updated', details: { trigger, actions: bindings.map((b) => b.name) } })
}

/** Where the action runs: its place (1, 2, …) in its trigger's order, or null when not bound. */
async function positionOf(store: Store, action: ActionRecord): Promise<number | null> {
  const index = (await store.actions.bound(action.trigger)).findIndex((b) => b.id === action.id)
  return index === -1 ? null : index + 1
}

function actionFields(action: ActionRecord, position: number | null): string {
  return fields([
    ['id', action.id],
    ['name', action.name],
    ['trigger', action.trigger],
    ['deployed version', action.deployed ? `${action.deployed.version} (${iso(action.deployed.deployedAt)})` : 'never deployed'],
    ['draft', action.deployed === null ? 'not deployed' : presentAction(action).all_changes_deployed ? 'deployed' : 'has changes not deployed'],
    ['bound', position === null ? 'no' : `yes, ${ordinal(position)} at ${action.trigger}`],
    ['secrets', action.secretNames.length ? [...action.secretNames] : null],
    ['dependencies', action.dependencies.length ? action.dependencies.map((d) => `${d.name}@${d.version}`) : null],
    ['created', iso(action.createdAt)],
    ['updated', iso(action.updatedAt)],
  ])
}

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`

const presentWithBinding = (action: ActionRecord, position: number | null) => ({ ...presentAction(action), bound: position !== null, position })

function readCode(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

function readEvent(file: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new CliError(`cannot read the event in ${file}: ${(error as Error).message}`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CliError(`the event in ${file} must be a JSON object`)
  return value as Record<string, unknown>
}

const describeCommand = (command: Record<string, unknown>): string => {
  const { kind, ...rest } = command
  return `${String(kind)} ${JSON.stringify(rest)}`
}

function onFailureOption(value: string): 'deny' | 'skip' {
  if (value !== 'deny' && value !== 'skip') throw new InvalidArgumentError('expected deny or skip')
  return value
}

export function registerActions(program: Command): void {
  const actions = group(program, 'actions', 'Manage Actions: code that runs at login and token time (post-login, credentials-exchange, …)')

  leaf(actions, 'deploy <file>', "Create or update an action from a file, deploy it, and bind it at the end of its trigger's order if it is not bound", (cmd) =>
    cmd
      .requiredOption('-n, --name <name>', 'the action (created when no action has this name)')
      .option('-t, --trigger <trigger>', `where it runs, for a new action: ${TRIGGERS}`, triggerOption)
      .option('-s, --secret <NAME=value>', 'a secret (event.secrets.NAME); NAME alone takes the environment variable NAME; repeatable. Secrets not given keep their values', secretOption)
      .option('--on-failure <deny|skip>', 'when a run throws or times out: deny the login (default) or skip the action', onFailureOption)
      .addHelpText('after', '\nExample: latchkey actions deploy add-roles.js --name add-roles --trigger post-login --secret API_KEY'),
  ).action((file: string, opts: DeployOptions) =>
    run(
      opts,
      async (store) => {
        const code = readCode(file)
        const syntax = syntaxErrorOf(code)
        if (syntax !== null) throw new CliError(`${file} does not compile: ${syntax}; nothing was changed`)
        const encryption = await encryptionFor(store, opts)
        const given = opts.secret ?? []
        let action = await store.actions.findByName(opts.name.trim())
        let created = false
        if (!action) {
          if (!opts.trigger) throw new CliError(`no action named ${JSON.stringify(opts.name)} yet: give its trigger with --trigger (${TRIGGERS})`, 2)
          action = await newAction({ name: opts.name, trigger: opts.trigger, code, secrets: given, onFailure: opts.onFailure }, encryption, Date.now())
          await store.actions.insert(action)
          created = true
          await recordAdminChange(store, { action: 'action.created', details: { action_id: action.id, name: action.name, trigger: action.trigger, secrets: [...action.secretNames] } })
        } else {
          if (opts.trigger && opts.trigger !== action.trigger) throw new CliError(`action ${JSON.stringify(action.name)} runs at ${action.trigger}; an action's trigger cannot change`)
          // The secrets given replace those of their names; the others keep their values.
          const secrets = [...action.secretNames.filter((name) => !given.some((s) => s.name === name)).map((name) => ({ name })), ...given]
          const patch = await draftPatch(action, { code, ...(given.length ? { secrets } : {}), ...(opts.onFailure ? { onFailure: opts.onFailure } : {}) }, encryption, Date.now())
          action = (await store.actions.update(action.id, patch)) ?? action
          await recordAdminChange(store, { action: 'action.updated', details: { action_id: action.id, name: action.name, fields: ['code', ...(given.length ? ['secrets'] : [])], secrets: [...action.secretNames] } })
        }
        const deployed = await store.actions.deploy(action.id, Date.now())
        if (!deployed?.deployed) throw notFound('action with name or id', action.name)
        await recordAdminChange(store, { action: 'action.deployed', details: { action_id: deployed.id, name: deployed.name, version: deployed.deployed.version } })
        const bindings = await bindingsOf(store, deployed.trigger)
        let position = bindings.findIndex((b) => b.actionId === deployed.id) + 1
        if (position === 0) {
          await bind(store, deployed.trigger, [...bindings, { actionId: deployed.id, displayName: deployed.name, name: deployed.name }])
          position = bindings.length + 1
        }
        print(opts, presentWithBinding(deployed, position), () =>
          [
            `${created ? 'Created and deployed' : 'Deployed'} action ${JSON.stringify(deployed.name)}, version ${deployed.deployed?.version}: it runs ${ordinal(position)} at ${deployed.trigger}`,
            actionFields(deployed, position),
          ].join('\n'),
        )
      },
      { name: '--name', trigger: '--trigger', code: '<file>', secrets: '--secret', dependencies: 'dependencies' },
    ),
  )

  leaf(actions, 'list', 'List actions, with where they run', (cmd) => cmd.option('-t, --trigger <trigger>', `only this trigger's: ${TRIGGERS}`, triggerOption))
    .alias('ls')
    .action((opts: ListOptions) =>
      run(opts, async (store) => {
        const all = await listAll((page) => store.actions.list({ ...(opts.trigger ? { trigger: opts.trigger } : {}), ...page }))
        const order = new Map<string, number>()
        for (const trigger of ACTION_TRIGGERS) {
          for (const [i, b] of (await store.actions.bound(trigger)).entries()) order.set(b.id, i + 1)
        }
        print(opts, all.map((a) => presentWithBinding(a, order.get(a.id) ?? null)), () =>
          all.length === 0
            ? 'No actions yet: latchkey actions deploy FILE --name NAME --trigger post-login'
            : table(
                ['NAME', 'TRIGGER', 'VERSION', 'BOUND', 'UNDEPLOYED CHANGES', 'ID'],
                all.map((a) => [
                  a.name,
                  a.trigger,
                  a.deployed?.version ?? null,
                  order.has(a.id) ? `#${order.get(a.id)}` : 'no',
                  a.deployed === null || !presentAction(a).all_changes_deployed ? 'yes' : 'no',
                  a.id,
                ]),
              ),
        )
      }),
    )

  leaf(actions, 'show <action>', 'Show an action (by name or id): its code, deployed version, secret names, and whether it is bound').action((ref: string, opts: CommonOptions) =>
    run(opts, async (store) => {
      const action = await findAction(store, ref)
      const position = await positionOf(store, action)
      print(opts, presentWithBinding(action, position), () => `${actionFields(action, position)}\n\n--- code (draft) ---\n${action.code}`)
    }),
  )

  leaf(actions, 'delete <action>', 'Delete an action: unbound from its trigger first, then deleted with its versions', (cmd) =>
    cmd.alias('rm').option('--force', 'do not ask for confirmation'),
  ).action((ref: string, opts: CommonOptions & { force?: boolean }) =>
    run(opts, async (store) => {
      const action = await findAction(store, ref)
      const bindings = await bindingsOf(store, action.trigger)
      const bound = bindings.some((b) => b.actionId === action.id)
      await confirm(`Delete action ${JSON.stringify(action.name)}${bound ? `, which runs at ${action.trigger}` : ''}?`, opts.force)
      if (bound)
        await bind(
          store,
          action.trigger,
          bindings.filter((b) => b.actionId !== action.id),
        )
      if (!(await store.actions.delete(action.id))) throw notFound('action with name or id', ref)
      await recordAdminChange(store, { action: 'action.deleted', details: { action_id: action.id, name: action.name, trigger: action.trigger, unbound: bound } })
      print(opts, { id: action.id, deleted: true, unbound: bound }, () => `Deleted action ${JSON.stringify(action.name)}${bound ? ` (unbound from ${action.trigger} first)` : ''}`)
    }),
  )

  leaf(actions, 'order <trigger> <actions...>', "Set the order a trigger's actions run in: every bound action, and any deployed ones of that trigger to bind too").action(
    (trigger: string, refs: string[], opts: CommonOptions) =>
      run(opts, async (store) => {
        if (!isActionTrigger(trigger)) throw new CliError(`unknown trigger ${JSON.stringify(trigger)}: expected one of ${TRIGGERS}`, 2)
        const current = await bindingsOf(store, trigger)
        const chosen: ActionRecord[] = []
        for (const ref of refs) {
          const action = await findAction(store, ref)
          if (action.trigger !== trigger) throw new CliError(`action ${JSON.stringify(action.name)} runs at ${action.trigger}, not ${trigger}`)
          if (!action.deployed) throw new CliError(`action ${JSON.stringify(action.name)} has never been deployed: latchkey actions deploy FILE --name ${action.name}`)
          if (chosen.some((a) => a.id === action.id)) throw new CliError(`action ${JSON.stringify(action.name)} is named twice`, 2)
          chosen.push(action)
        }
        const left = current.filter((b) => !chosen.some((a) => a.id === b.actionId))
        if (left.length > 0)
          throw new CliError(`name every action bound to ${trigger}: missing ${left.map((b) => JSON.stringify(b.name)).join(', ')} (latchkey actions delete removes one)`, 2)
        const bindings = chosen.map((a) => ({ actionId: a.id, displayName: current.find((b) => b.actionId === a.id)?.displayName ?? a.name, name: a.name }))
        await bind(store, trigger, bindings)
        print(opts, { trigger, bindings: bindings.map((b, i) => ({ position: i + 1, action_id: b.actionId, action_name: b.name, display_name: b.displayName })) }, () =>
          [`Actions at ${trigger} run in this order:`, table(['#', 'NAME', 'ID'], bindings.map((b, i) => [i + 1, b.name, b.actionId]))].join('\n'),
        )
      }),
  )

  leaf(actions, 'test <action>', "Run an action's draft against a sample event (or --event FILE.json): prints what it asked for and its console output; exits 1 if it failed", (cmd) =>
    cmd.option('-e, --event <file>', "the event, as JSON (default: a sample of the action's trigger, as Auth0's test tab has)"),
  ).action((ref: string, opts: TestOptions) =>
    run(opts, async (store) => {
      const action = await findAction(store, ref)
      const event = opts.event ? readEvent(opts.event) : sampleEvent(action.trigger)
      const runner = new ActionRunner(store, await encryptionFor(store, opts), { now: () => Date.now() })
      let result: Awaited<ReturnType<ActionRunner['test']>>
      try {
        result = await runner.test(action, event)
      } finally {
        await runner.close()
      }
      const { run: ran } = result
      const failure = ran.ok ? null : { failure: ran.failure, name: ran.error.name, message: ran.error.message }
      print(opts, { action_id: action.id, action_name: action.name, ok: ran.ok, ms: Math.round(ran.ms * 100) / 100, commands: ran.commands, logs: ran.logs, ...(failure ? { error: failure } : {}) }, () =>
        [
          `Tested action ${JSON.stringify(action.name)} (its draft) at ${action.trigger}: ${ran.ok ? 'ok' : `failed (${ran.failure})`} in ${Math.round(ran.ms)} ms`,
          '',
          ran.commands.length ? `commands (${ran.commands.length}):` : 'commands: none',
          ...ran.commands.map((c) => `  ${describeCommand({ ...c })}`),
          ran.logs.length ? `logs (${ran.logs.length}):` : 'logs: none',
          ...ran.logs.map((line) => `  ${line}`),
          ...(failure ? [`error: ${failure.name}: ${failure.message}`] : []),
        ].join('\n'),
      )
      if (!ran.ok) setExitCode(1)
    }),
  )
}
