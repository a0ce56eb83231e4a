/**
 * Actions and their trigger bindings from a tenant.yaml. An action is matched by name; its code is
 * read from the file the export names (relative to the YAML), with its dependencies, and deployed
 * when the export says it is. Exports carry secret names without values: a secret the action
 * already has keeps its value, a new one is left out with how to set it. The drafts' rules are the
 * Management API's and the CLI's (actions/action-drafts.ts). `triggers` sets each trigger's
 * bindings to the file's order, by action name.
 */
import { type ActionRecord, type ActionTrigger, isActionTrigger } from '@latchkey/core'
import { ActionBindingError, type Store } from '@latchkey/storage'
import { allChangesDeployed, draftPatch, MAX_BOUND_ACTIONS, newAction, type SecretInput } from '../actions/action-drafts.js'
import { recordAdminChange } from '../cli/audit.js'
import type { PlanContext } from './tenant-plan.js'
import { changedFields, item, type LeftOut, orFail, type PlanItem, skip } from './tenant-items.js'
import { type ActionEntry, type BindingEntry, readRelative } from './tenant-yaml.js'

/** What the Deploy CLI writes in place of an action secret's value (exports carry none): no value. */
const VALUE_NOT_SHOWN = '_VALUE_NOT_SHOWN_'

const TRIGGERS_RULE = 'Latchkey runs actions at post-login, credentials-exchange, pre-user-registration and post-change-password'

/** The actions of the file, by name, as the plan goes: their ids (new ones included). */
export type ActionIndex = Map<string, string>

export function planAction(ctx: PlanContext, entry: ActionEntry, store: Store): Promise<PlanItem> {
  return orFail('actions', entry.name, async () => {
    const trigger = entry.supported_triggers?.[0]?.id
    if (trigger === undefined) return skip('actions', entry.name, 'no supported_triggers: the action runs nowhere')
    if (!isActionTrigger(trigger)) return skip('actions', entry.name, `${trigger} is not supported: ${TRIGGERS_RULE}`)
    if (entry.code === undefined) return skip('actions', entry.name, 'no code file')
    const code = readRelative(ctx.baseDir, entry.code)
    if (code === null) return skip('actions', entry.name, `cannot read its code file ${entry.code} (paths are relative to the YAML file)`)
    const leftOut: LeftOut[] = []
    const current = await store.actions.findByName(entry.name.trim())
    const secrets = secretsOf(entry, current, leftOut)
    const encryption = await ctx.encryption()
    const deploy = entry.deployed !== false
    const dependencies = (entry.dependencies ?? []).map((d) => ({ name: d.name, version: d.version }))
    if (!current) {
      const action = await newAction({ name: entry.name, trigger, code, dependencies, secrets: secrets ?? [] }, encryption, ctx.now)
      ctx.actions.set(action.name, action.id)
      return item({
        section: 'actions',
        name: action.name,
        id: action.id,
        action: 'create',
        leftOut,
        apply: async (s) => {
          await s.actions.insert(action)
          await recordAdminChange(s, { action: 'action.created', details: { action_id: action.id, name: action.name, trigger, secrets: [...action.secretNames], source: 'tenant.yaml' } })
          if (deploy) await deployAction(s, action)
        },
      })
    }
    if (current.trigger !== trigger) return skip('actions', entry.name, `it runs at ${current.trigger} in Latchkey: an action's trigger cannot change`, leftOut)
    ctx.actions.set(current.name, current.id)
    const patch = await draftPatch(current, { code, dependencies, ...(secrets !== undefined ? { secrets } : {}) }, encryption, ctx.now)
    const fields = changedFields(pick(current, Object.keys(patch)), patch)
    const redeploy = deploy && (fields.length > 0 || !allChangesDeployed(current))
    if (fields.length === 0 && !redeploy) return item({ section: 'actions', name: current.name, id: current.id, action: 'unchanged', leftOut })
    return item({
      section: 'actions',
      name: current.name,
      id: current.id,
      action: 'update',
      changes: redeploy ? [...fields, 'deployed'] : fields,
      leftOut,
      apply: async (s) => {
        if (fields.length > 0) {
          await s.actions.update(current.id, patch)
          await recordAdminChange(s, { action: 'action.updated', details: { action_id: current.id, name: current.name, fields, source: 'tenant.yaml' } })
        }
        if (redeploy) await deployAction(s, current)
      },
    })
  })
}

const pick = (record: object, keys: readonly string[]): object => Object.fromEntries(Object.entries(record).filter(([k]) => keys.includes(k)))

/**
 * The secrets to write: values from the file, and names the action already has (their values kept).
 * Undefined when nothing would change, so the sealed values are not rewritten. Names with neither
 * a value nor a current one are left out.
 */
function secretsOf(entry: ActionEntry, current: ActionRecord | null, leftOut: LeftOut[]): SecretInput[] | undefined {
  const secrets: SecretInput[] = []
  for (const s of entry.secrets ?? []) {
    if (typeof s.value === 'string' && s.value !== '' && s.value !== VALUE_NOT_SHOWN) secrets.push({ name: s.name, value: s.value })
    else if (current?.secretNames.includes(s.name)) secrets.push({ name: s.name })
    else leftOut.push({ field: `secrets: ${s.name}`, reason: `exports carry no secret values: set it with latchkey actions deploy CODE_FILE --name ${JSON.stringify(entry.name)} --secret ${s.name}=…` })
  }
  const unchanged = current !== null && secrets.every((s) => s.value === undefined) && secrets.length === current.secretNames.length
  return unchanged ? undefined : secrets
}

async function deployAction(store: Store, action: ActionRecord): Promise<void> {
  const deployed = await store.actions.deploy(action.id, Date.now())
  if (deployed?.deployed) await recordAdminChange(store, { action: 'action.deployed', details: { action_id: deployed.id, name: deployed.name, version: deployed.deployed.version, source: 'tenant.yaml' } })
}

export function planTrigger(ctx: PlanContext, trigger: string, bindings: readonly BindingEntry[], store: Store): Promise<PlanItem> {
  return orFail('triggers', trigger, async () => {
    if (!isActionTrigger(trigger)) return bindings.length === 0 ? item({ section: 'triggers', name: trigger, action: 'unchanged' }) : skip('triggers', trigger, `not supported: ${TRIGGERS_RULE}`)
    if (bindings.length > MAX_BOUND_ACTIONS) return skip('triggers', trigger, `at most ${MAX_BOUND_ACTIONS} actions run at one trigger`)
    const leftOut: LeftOut[] = []
    const wanted: { actionId: string; displayName: string; name: string }[] = []
    for (const b of bindings) {
      const id = ctx.actions.get(b.action_name) ?? (await store.actions.findByName(b.action_name))?.id
      if (id === undefined) leftOut.push({ field: b.action_name, reason: 'no action of this name was carried over' })
      else wanted.push({ actionId: id, displayName: b.display_name ?? b.action_name, name: b.action_name })
    }
    const current = (await store.actions.bound(trigger as ActionTrigger)).map((b) => ({ actionId: b.id, displayName: b.displayName }))
    const next = wanted.map(({ actionId, displayName }) => ({ actionId, displayName }))
    if (changedFields({ bindings: current }, { bindings: next }).length === 0) return item({ section: 'triggers', name: trigger, action: 'unchanged', leftOut })
    return item({
      section: 'triggers',
      name: trigger,
      action: 'update',
      changes: ['bindings'],
      leftOut,
      apply: async (s) => {
        try {
          await s.actions.bind(trigger as ActionTrigger, next)
        } catch (error) {
          if (error instanceof ActionBindingError) throw new Error(`${trigger}: ${error.message}`)
          throw error
        }
        await recordAdminChange(s, { action: 'action.bindings_updated', details: { trigger, actions: wanted.map((w) => w.name), source: 'tenant.yaml' } })
      },
    })
  })
}
