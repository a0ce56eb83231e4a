/**
 * Auth0's action, action version, trigger and binding objects ↔ Latchkey's ActionRecord and the
 * store's bindings. Shapes here; the rules for drafts are in actions/action-drafts.ts. What Auth0
 * has and Latchkey does not keep is derived: a version's and a binding's id are UUIDs computed from
 * the action (stable across calls), every secret's `updated_at` is the action's, and the build
 * status is always `built` (the code runs as written, nothing is built).
 */
import { createHash } from 'node:crypto'
import { ACTION_TRIGGERS, type ActionRecord, type ActionTrigger } from '@latchkey/core'
import { z } from 'zod'
import { allChangesDeployed, MAX_ACTION_CODE_BYTES, MAX_ACTION_DEPENDENCIES, MAX_ACTION_SECRETS, MAX_BOUND_ACTIONS, MAX_SECRET_VALUE_LENGTH } from '../../actions/action-drafts.js'

/** The Node.js that runs actions: this server's own (Auth0's `runtime`, e.g. `node22`). */
export const ACTION_RUNTIME = `node${process.versions.node.split('.')[0]}`

/** Auth0's current version of each trigger's event and api. */
export const TRIGGER_VERSIONS: Readonly<Record<ActionTrigger, string>> = {
  'post-login': 'v3',
  'credentials-exchange': 'v2',
  'pre-user-registration': 'v2',
  'post-change-password': 'v2',
}

const iso = (ms: number) => new Date(ms).toISOString()

/** A UUID (version 8: custom) derived from `text`, so derived ids stay the same from call to call. */
function derivedUuid(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex')
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

export const versionId = (action: ActionRecord, version: number) => derivedUuid(`action-version/${action.id}/${version}`)
export const bindingId = (trigger: string, actionId: string) => derivedUuid(`action-binding/${trigger}/${actionId}`)

const triggerRef = z.looseObject({
  id: z.string().min(1).max(100).describe(`The trigger: one of ${ACTION_TRIGGERS.join(', ')}.`),
  version: z.string().max(20).optional().describe('Its version (v3 for post-login, v2 for the others); any is accepted.'),
})

const dependencyIn = z.looseObject({
  name: z.string().min(1).max(214).describe('An npm package, loaded from the deployment\'s node_modules.'),
  version: z.string().min(1).max(100),
  registry_url: z.string().max(2000).optional().describe('Accepted and ignored: packages come from the deployment.'),
})

const secretIn = z.looseObject({
  name: z.string().min(1).max(200).describe('1 to 64 letters, digits or underscores.'),
  value: z.string().max(MAX_SECRET_VALUE_LENGTH).optional().describe('Required for a new secret; an update without it keeps the value. Never answered.'),
})

const draftFields = {
  code: z.string().max(MAX_ACTION_CODE_BYTES).describe(`The source code (at most ${MAX_ACTION_CODE_BYTES / 1024} kB); the trigger's empty handler by default.`),
  dependencies: z.array(dependencyIn).max(MAX_ACTION_DEPENDENCIES),
  runtime: z.string().regex(/^node\d+(-actions)?$/, 'Expected a Node.js runtime such as node22').describe(`Accepted; actions run on this server's Node.js (${ACTION_RUNTIME}).`),
  secrets: z.array(secretIn).max(MAX_ACTION_SECRETS).describe(`At most ${MAX_ACTION_SECRETS}; the list replaces the action's secrets.`),
  modules: z.array(z.unknown()).max(0, 'Action modules are not supported').describe('Not supported: empty or absent.'),
  on_failure: z
    .enum(['deny', 'skip'])
    .describe("Latchkey's (not Auth0's): a run that throws, times out or runs out of memory denies the login (`deny`, the default, as Auth0) or is skipped (`skip`)."),
}

export const createActionBody = z
  .strictObject({
    name: z.string().max(200).describe('Unique among actions; 1–100 characters.'),
    supported_triggers: z.array(triggerRef).length(1, 'An action supports exactly one trigger'),
    ...draftFields,
    code: draftFields.code.optional(),
    dependencies: draftFields.dependencies.optional(),
    runtime: draftFields.runtime.optional(),
    secrets: draftFields.secrets.optional(),
    modules: draftFields.modules.optional(),
    on_failure: draftFields.on_failure.optional(),
    deploy: z.boolean().optional().describe('Deploy the action as soon as it is created.'),
  })
  .describe('A new action (a draft, not yet deployed).')

export const updateActionBody = z
  .strictObject({
    name: createActionBody.shape.name.optional(),
    supported_triggers: createActionBody.shape.supported_triggers.optional().describe("The action's own trigger: an action's trigger cannot change."),
    code: draftFields.code.optional(),
    dependencies: draftFields.dependencies.optional(),
    runtime: draftFields.runtime.optional(),
    secrets: draftFields.secrets.optional(),
    modules: draftFields.modules.optional(),
    on_failure: draftFields.on_failure.optional(),
  })
  .describe("The draft's fields to change; nothing runs differently until the action is deployed.")

export const bindingsBody = z
  .strictObject({
    bindings: z
      .array(
        z.looseObject({
          ref: z.strictObject({ type: z.enum(['action_id', 'action_name']), value: z.string().min(1).max(200) }),
          display_name: z.string().min(1).max(200).optional().describe("The binding's name; the action's by default."),
          secrets: z.array(z.unknown()).max(0, 'Binding secrets are not supported').optional(),
        }),
      )
      .max(MAX_BOUND_ACTIONS),
  })
  .describe('Every action to bind to the trigger, in the order they run (the list replaces the bindings).')

export const testActionBody = z.strictObject({ payload: z.record(z.string(), z.unknown()).describe("The event the action's handler gets (Auth0's event object).") })

const triggerSchema = z
  .object({
    id: z.string(),
    version: z.string(),
    status: z.string().optional(),
    runtimes: z.array(z.string()).optional(),
    default_runtime: z.string().optional(),
    compatible_triggers: z.array(z.object({ id: z.string(), version: z.string() })).optional(),
    binding_policy: z.string().optional(),
  })
  .describe('A trigger.')

const secretSchema = z.object({ name: z.string(), updated_at: z.string() })
const dependencySchema = z.object({ name: z.string(), version: z.string() })

const actionBaseSchema = z.object({
  id: z.string(),
  name: z.string(),
  supported_triggers: z.array(triggerSchema),
  all_changes_deployed: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
})

export const versionSchema = z
  .object({
    id: z.string(),
    action_id: z.string(),
    code: z.string(),
    dependencies: z.array(dependencySchema),
    deployed: z.boolean(),
    runtime: z.string(),
    secrets: z.array(secretSchema),
    status: z.string(),
    number: z.number().int(),
    errors: z.array(z.object({ id: z.string(), msg: z.string() })),
    action: actionBaseSchema,
    built_at: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    supported_triggers: z.array(triggerSchema),
  })
  .describe('A deployed version of an action.')

export const actionSchema = actionBaseSchema
  .extend({
    code: z.string(),
    dependencies: z.array(dependencySchema),
    runtime: z.string(),
    secrets: z.array(secretSchema).describe('Names only: values are never answered.'),
    status: z.string(),
    built_at: z.string(),
    on_failure: z.enum(['deny', 'skip']).describe("Latchkey's: what a failing run does."),
    deployed_version: versionSchema.optional(),
  })
  .describe('An action.')

export const bindingSchema = z
  .object({ id: z.string(), trigger_id: z.string(), display_name: z.string(), action: actionSchema, created_at: z.string(), updated_at: z.string() })
  .describe('An action bound to a trigger.')

export const actionListSchema = z.object({ total: z.number().int(), page: z.number().int(), per_page: z.number().int(), actions: z.array(actionSchema) })
export const bindingListSchema = z.object({ total: z.number().int(), page: z.number().int(), per_page: z.number().int(), bindings: z.array(bindingSchema) })
export const triggerListSchema = z.object({ triggers: z.array(triggerSchema) })
export const testResultSchema = z.object({
  payload: z.object({
    logs: z.string().describe('What the action wrote to the console, one line each.'),
    stats: z.object({ action_duration_ms: z.number(), total_request_duration_ms: z.number() }),
    commands: z.array(z.record(z.string(), z.unknown())).describe('What the action asked for (api calls), in order; none of it is applied.'),
    error: z.object({ id: z.string(), msg: z.string() }).optional().describe('Set when the action threw, timed out or ran out of memory.'),
  }),
})

export function presentTrigger(trigger: ActionTrigger): z.output<typeof triggerSchema> {
  return {
    id: trigger,
    version: TRIGGER_VERSIONS[trigger],
    status: 'CURRENT',
    runtimes: [ACTION_RUNTIME],
    default_runtime: ACTION_RUNTIME,
    compatible_triggers: [],
    binding_policy: 'trigger-bound',
  }
}

const triggerOf = (action: ActionRecord) => ({ id: action.trigger, version: TRIGGER_VERSIONS[action.trigger] })
const secretsOf = (action: ActionRecord) => action.secretNames.map((name) => ({ name, updated_at: iso(action.updatedAt) }))

function presentBase(action: ActionRecord): z.output<typeof actionBaseSchema> {
  return {
    id: action.id,
    name: action.name,
    supported_triggers: [triggerOf(action)],
    all_changes_deployed: allChangesDeployed(action),
    created_at: iso(action.createdAt),
    updated_at: iso(action.updatedAt),
  }
}

/** The deployed version, as Auth0's deploy answers it; null when never deployed. */
export function presentVersion(action: ActionRecord): z.output<typeof versionSchema> | null {
  const deployed = action.deployed
  if (!deployed) return null
  const at = iso(deployed.deployedAt)
  return {
    id: versionId(action, deployed.version),
    action_id: action.id,
    code: deployed.code,
    dependencies: [...action.dependencies],
    deployed: true,
    runtime: ACTION_RUNTIME,
    secrets: deployed.sealedSecrets === action.sealedSecrets ? secretsOf(action) : [],
    status: 'built',
    number: deployed.version,
    errors: [],
    action: presentBase(action),
    built_at: at,
    created_at: at,
    updated_at: at,
    supported_triggers: [triggerOf(action)],
  }
}

export function presentAction(action: ActionRecord): z.output<typeof actionSchema> {
  const version = presentVersion(action)
  return {
    ...presentBase(action),
    code: action.code,
    dependencies: [...action.dependencies],
    runtime: ACTION_RUNTIME,
    secrets: secretsOf(action),
    status: 'built',
    built_at: iso(action.updatedAt),
    on_failure: action.onFailure ?? 'deny',
    ...(version ? { deployed_version: version } : {}),
  }
}

export function presentBinding(trigger: ActionTrigger, displayName: string, action: ActionRecord): z.output<typeof bindingSchema> {
  return {
    id: bindingId(trigger, action.id),
    trigger_id: trigger,
    display_name: displayName,
    action: presentAction(action),
    created_at: iso(action.createdAt),
    updated_at: iso(action.deployed?.deployedAt ?? action.updatedAt),
  }
}

export type CreateActionBody = z.output<typeof createActionBody>
