/**
 * /actions, as Auth0's Management API serves them: actions (a draft that changes freely, and the
 * version last deployed, which is what runs), the triggers they run at, and each trigger's ordered
 * bindings. Creating, changing and deploying never run code; `test` runs the draft on the worker
 * pool against a sample event, applying nothing. Secret values go in and never come out: answers
 * and the audit log name secrets only. Every change goes to the audit log.
 */
import { ACTION_TRIGGERS, type ActionRecord, type ActionTrigger, isActionTrigger } from '@latchkey/core'
import { ActionBindingError, ConflictError, type Store } from '@latchkey/storage'
import { z } from 'zod'
import { draftPatch, MAX_ACTION_CODE_BYTES, newAction, syntaxErrorOf } from '../../actions/action-drafts.js'
import { badRequest, conflict, ManagementError, notFound } from '../errors.js'
import {
  actionListSchema,
  actionSchema,
  bindingListSchema,
  bindingSchema,
  bindingsBody,
  createActionBody,
  presentAction,
  presentBinding,
  presentTrigger,
  presentVersion,
  testActionBody,
  testResultSchema,
  triggerListSchema,
  updateActionBody,
  versionSchema,
} from '../mappings/actions.js'
import { everyPage, slicePage } from '../paging.js'
import { booleanParam, integerParam } from '../query.js'
import { type Resource, route } from '../route.js'

/** Room for the largest code, JSON-escaped, and the rest of the body. */
const ACTION_BODY_BYTES = 4 * MAX_ACTION_CODE_BYTES

const idParams = z.strictObject({ id: z.string().min(1).max(100).describe("The action's id.") })
const triggerParams = z.strictObject({ triggerId: z.string().min(1).max(100).describe(`The trigger: ${ACTION_TRIGGERS.join(', ')}.`) })
const page = {
  page: integerParam(0, 100_000).optional().describe('Page index of the results to return. First page is 0.'),
  per_page: integerParam(1, 100).optional().describe('Number of results per page (at most 100; 50 by default).'),
}
const listQuery = z.strictObject({
  ...page,
  triggerId: z.string().max(100).optional().describe('Only the actions of this trigger.'),
  actionName: z.string().max(200).optional().describe('Only the action of this name.'),
  deployed: booleanParam.optional().describe('Only the actions deployed (true) or never deployed (false).'),
  installed: booleanParam.optional().describe('Only installed (marketplace) actions: Latchkey has none.'),
})
const deleteQuery = z.strictObject({ force: booleanParam.optional().describe('Unbind the action from its trigger first; without it, a bound action is not deleted.') })

const ACTION_NOT_FOUND = () => notFound('The action does not exist.', 'action_not_found')
const ERRORS_404 = { 404: 'No such action (action_not_found).' }

async function findAction(store: Store, id: string): Promise<ActionRecord> {
  const action = await store.actions.get(id)
  if (!action) throw ACTION_NOT_FOUND()
  return action
}

/** The trigger named in the body (400), the query string (400) or the path (404). */
function knownTrigger(id: string, where: 'Payload' | 'Query' | 'Path'): ActionTrigger {
  if (isActionTrigger(id)) return id
  const message = `Unknown trigger ${JSON.stringify(id.slice(0, 100))}: expected one of ${ACTION_TRIGGERS.join(', ')}.`
  if (where === 'Path') throw notFound(message, 'trigger_not_found')
  throw badRequest(`${where} validation error: ${message}`, where === 'Query' ? 'invalid_query_string' : 'invalid_body')
}

/** A draft that does not compile is not deployed (400 with the compiler's message); the version deployed before runs on. */
function assertCompiles(action: ActionRecord): void {
  const error = syntaxErrorOf(action.code)
  if (error !== null) throw badRequest(`The action's code does not compile: ${error}. Nothing was deployed.`, 'invalid_code')
}

const conflictOnName = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
  try {
    return await work()
  } catch (err) {
    if (err instanceof ConflictError) throw conflict(`An action with the name ${JSON.stringify(name.slice(0, 100))} already exists.`, 'action_conflict')
    throw err
  }
}

/** The trigger's bindings as Auth0 lists them (each with its whole action). */
async function bindingsOf(store: Store, trigger: ActionTrigger) {
  const bound = await store.actions.bound(trigger)
  const actions = await Promise.all(bound.map((b) => store.actions.get(b.id)))
  return bound.flatMap((b, i) => {
    const action = actions[i]
    return action ? [presentBinding(trigger, b.displayName, action)] : []
  })
}

export const actions: Resource = {
  tag: 'actions',
  description: 'Actions: code that runs at a trigger (post-login, credentials-exchange, pre-user-registration, post-change-password).',
  routes: [
    route({
      method: 'get',
      path: '/actions/actions',
      summary: 'Get actions',
      scopes: ['read:actions'],
      query: listQuery,
      answer: { status: 200, description: 'The actions, oldest first, with the total.', schema: actionListSchema },
      async handle({ deps, query }) {
        const { page: index = 0, per_page: perPage = 50 } = query
        const trigger = query.triggerId === undefined ? undefined : knownTrigger(query.triggerId, 'Query')
        const filter = trigger ? { trigger } : {}
        let rows: ActionRecord[]
        let total: number
        if (query.installed === true) {
          rows = []
          total = 0
        } else if (query.actionName !== undefined || query.deployed !== undefined) {
          const found = query.actionName !== undefined ? [await deps.store.actions.findByName(query.actionName)] : await everyPage((p) => deps.store.actions.list({ ...filter, ...p }))
          const all = found.filter(
            (a): a is ActionRecord => a !== null && (trigger === undefined || a.trigger === trigger) && (query.deployed === undefined || (a.deployed !== null) === query.deployed),
          )
          rows = slicePage(all, query)
          total = all.length
        } else {
          rows = await deps.store.actions.list({ ...filter, page: index, perPage })
          total = await deps.store.actions.count(filter)
        }
        return { status: 200, body: { total, page: index, per_page: perPage, actions: rows.map(presentAction) } }
      },
    }),
    route({
      method: 'post',
      path: '/actions/actions',
      summary: 'Create an action',
      scopes: ['create:actions'],
      body: createActionBody,
      maxBodyBytes: ACTION_BODY_BYTES,
      answer: { status: 201, description: 'The new action (deployed too when `deploy` is true).', schema: actionSchema },
      errors: { 400: 'With deploy: true, code that does not compile (invalid_code).', 409: 'An action with this name exists (action_conflict).' },
      async handle({ deps, body, audit }) {
        const trigger = knownTrigger(body.supported_triggers[0]?.id ?? '', 'Payload')
        const action = await newAction(
          { name: body.name, trigger, code: body.code, dependencies: body.dependencies, secrets: body.secrets, onFailure: body.on_failure },
          deps.keys.encryption,
          deps.clock.now(),
        )
        if (body.deploy === true) assertCompiles(action)
        await conflictOnName(action.name, () => deps.store.actions.insert(action))
        await audit.change({
          action: 'action.created',
          description: 'Create an action',
          details: { action_id: action.id, action_name: action.name, trigger, secrets: [...action.secretNames] },
        })
        let answer = action
        if (body.deploy === true) {
          answer = (await deps.store.actions.deploy(action.id, deps.clock.now())) ?? action
          await audit.change({ action: 'action.deployed', description: 'Deploy an action', details: { action_id: action.id, action_name: action.name, version: answer.deployed?.version ?? null } })
        }
        return { status: 201, body: presentAction(answer) }
      },
    }),
    route({
      method: 'get',
      path: '/actions/actions/:id',
      summary: 'Get an action',
      scopes: ['read:actions'],
      params: idParams,
      answer: { status: 200, description: 'The action: its draft, and its deployed version when it has one.', schema: actionSchema },
      errors: ERRORS_404,
      async handle({ deps, params }) {
        return { status: 200, body: presentAction(await findAction(deps.store, params.id)) }
      },
    }),
    route({
      method: 'patch',
      path: '/actions/actions/:id',
      summary: 'Update an action',
      scopes: ['update:actions'],
      params: idParams,
      body: updateActionBody,
      maxBodyBytes: ACTION_BODY_BYTES,
      answer: { status: 200, description: 'The action as changed (its deployed version runs until the next deploy).', schema: actionSchema },
      errors: { ...ERRORS_404, 409: 'An action with this name exists (action_conflict).' },
      async handle({ deps, params, body, audit }) {
        const current = await findAction(deps.store, params.id)
        const asked = body.supported_triggers?.[0]?.id
        if (asked !== undefined && asked !== current.trigger)
          throw badRequest(`Payload validation error: the action runs at ${current.trigger}; an action's trigger cannot be changed.`)
        const patch = await draftPatch(
          current,
          { name: body.name, code: body.code, dependencies: body.dependencies, secrets: body.secrets, onFailure: body.on_failure },
          deps.keys.encryption,
          deps.clock.now(),
        )
        const updated = await conflictOnName(patch.name ?? current.name, () => deps.store.actions.update(current.id, patch))
        if (!updated) throw ACTION_NOT_FOUND()
        await audit.change({
          action: 'action.updated',
          description: 'Update an action',
          details: { action_id: updated.id, action_name: updated.name, fields: Object.keys(body), ...(body.secrets ? { secrets: [...updated.secretNames] } : {}) },
        })
        return { status: 200, body: presentAction(updated) }
      },
    }),
    route({
      method: 'delete',
      path: '/actions/actions/:id',
      summary: 'Delete an action',
      scopes: ['delete:actions'],
      params: idParams,
      query: deleteQuery,
      answer: { status: 204, description: 'Deleted, with its versions (and its binding, with force=true).' },
      errors: ERRORS_404,
      async handle({ deps, params, query, audit }) {
        const action = await findAction(deps.store, params.id)
        const bound = (await deps.store.actions.bound(action.trigger)).some((b) => b.id === action.id)
        if (bound && query.force !== true)
          throw new ManagementError(400, 'action_bound', `The action is bound to the ${action.trigger} trigger: remove it from the trigger's bindings first, or delete with force=true.`)
        if (!(await deps.store.actions.delete(action.id))) throw ACTION_NOT_FOUND()
        await audit.change({ action: 'action.deleted', description: 'Delete an action', details: { action_id: action.id, action_name: action.name, trigger: action.trigger, unbound: bound } })
        return { status: 204 }
      },
    }),
    route({
      method: 'post',
      path: '/actions/actions/:id/deploy',
      summary: 'Deploy an action: its draft becomes the version that runs',
      scopes: ['create:actions'],
      params: idParams,
      answer: { status: 202, description: 'The new version (Auth0 answers 202); it runs at once where the action is bound.', schema: versionSchema },
      errors: { ...ERRORS_404, 400: "The draft's code does not compile (invalid_code): the message names the error and its line." },
      async handle({ deps, params, audit }) {
        const action = await findAction(deps.store, params.id)
        assertCompiles(action)
        const deployed = await deps.store.actions.deploy(action.id, deps.clock.now())
        const version = deployed ? presentVersion(deployed) : null
        if (!deployed || !version) throw ACTION_NOT_FOUND()
        await audit.change({ action: 'action.deployed', description: 'Deploy an action', details: { action_id: deployed.id, action_name: deployed.name, version: version.number } })
        return { status: 202, body: version }
      },
    }),
    route({
      method: 'post',
      path: '/actions/actions/:id/test',
      summary: "Test an action: run its draft against a sample event (nothing it asks for is applied)",
      scopes: ['create:actions'],
      params: idParams,
      body: testActionBody,
      answer: { status: 200, description: "The run: the action's console output, what it asked for, and its error when it failed.", schema: testResultSchema },
      errors: ERRORS_404,
      async handle({ deps, params, body, audit }) {
        const action = await findAction(deps.store, params.id)
        const { secrets: _ignored, ...event } = body.payload
        const started = performance.now()
        const { run } = await deps.actions.test(action, event)
        const total = Math.round((performance.now() - started) * 100) / 100
        await audit.change({ action: 'action.tested', description: 'Test an action', details: { action_id: action.id, action_name: action.name, ok: run.ok } })
        return {
          status: 200,
          body: {
            payload: {
              logs: run.logs.map((line) => `${line}\n`).join(''),
              stats: { action_duration_ms: Math.round(run.ms * 100) / 100, total_request_duration_ms: total },
              commands: run.commands.map((command) => ({ ...command })),
              ...(run.ok ? {} : { error: { id: run.failure, msg: `${run.error.name}: ${run.error.message}` } }),
            },
          },
        }
      },
    }),
    route({
      method: 'get',
      path: '/actions/triggers',
      summary: 'Get triggers',
      scopes: ['read:actions'],
      answer: { status: 200, description: 'The triggers actions can be bound to.', schema: triggerListSchema },
      async handle() {
        return { status: 200, body: { triggers: ACTION_TRIGGERS.map(presentTrigger) } }
      },
    }),
    route({
      method: 'get',
      path: '/actions/triggers/:triggerId/bindings',
      summary: "Get a trigger's bindings",
      scopes: ['read:actions'],
      params: triggerParams,
      query: z.strictObject(page),
      answer: { status: 200, description: 'The actions bound to the trigger, in the order they run.', schema: bindingListSchema },
      errors: { 404: 'No such trigger (trigger_not_found).' },
      async handle({ deps, params, query }) {
        const trigger = knownTrigger(params.triggerId, 'Path')
        const all = await bindingsOf(deps.store, trigger)
        return { status: 200, body: { total: all.length, page: query.page ?? 0, per_page: query.per_page ?? 50, bindings: slicePage(all, query) } }
      },
    }),
    route({
      method: 'patch',
      path: '/actions/triggers/:triggerId/bindings',
      summary: "Update a trigger's bindings: the actions that run, in order",
      scopes: ['update:actions'],
      params: triggerParams,
      body: bindingsBody,
      answer: { status: 200, description: 'The bindings as they are now.', schema: z.object({ bindings: z.array(bindingSchema) }) },
      errors: { 404: 'No such trigger (trigger_not_found).' },
      async handle({ deps, params, body, audit }) {
        const trigger = knownTrigger(params.triggerId, 'Path')
        const bindings = await Promise.all(
          body.bindings.map(async ({ ref, display_name }) => {
            const action = ref.type === 'action_id' ? await deps.store.actions.get(ref.value) : await deps.store.actions.findByName(ref.value)
            if (!action) throw badRequest(`Payload validation error: no action with ${ref.type === 'action_id' ? 'id' : 'name'} ${JSON.stringify(ref.value.slice(0, 100))}.`, 'invalid_body')
            return { actionId: action.id, displayName: display_name ?? action.name, name: action.name }
          }),
        )
        try {
          await deps.store.actions.bind(
            trigger,
            bindings.map(({ actionId, displayName }) => ({ actionId, displayName })),
          )
        } catch (err) {
          if (err instanceof ActionBindingError) throw badRequest(`Payload validation error: ${err.message}.`, 'invalid_body')
          throw err
        }
        await audit.change({ action: 'action.bindings_updated', description: "Update a trigger's bindings", details: { trigger, actions: bindings.map((b) => b.name) } })
        return { status: 200, body: { bindings: await bindingsOf(deps.store, trigger) } }
      },
    }),
  ],
}
