/**
 * The rules for writing an action's draft, shared by the Management API and the CLI: a name of 1–100
 * characters, one of core's triggers, code within 100 kB (Auth0's limit), at most 10 dependencies,
 * and secrets named `[A-Za-z0-9_]{1,64}` (at most 50, values up to 4,096 characters). Secret values
 * are sealed together with the key-encryption key as `{"NAME": "value", …}` (what the runner opens)
 * and never leave here again: only their names are kept in the clear. Refusals are core's
 * RegistrationError (`field: reason`), which both callers already turn into their own answers.
 */
import {
  type ActionDependency,
  type ActionRecord,
  type ActionTrigger,
  HANDLER_OF,
  isActionTrigger,
  RegistrationError,
  randomId,
} from '@latchkey/core'
import type { ActionPatch } from '@latchkey/storage'
import { compileFunction } from 'node:vm'
import type { KeyEncryption } from '../keys/key-encryption.js'

/** Auth0: "Each Action should not exceed 100 kB." */
export const MAX_ACTION_CODE_BYTES = 100 * 1024
export const MAX_ACTION_NAME_LENGTH = 100
export const MAX_ACTION_SECRETS = 50
export const MAX_SECRET_VALUE_LENGTH = 4096
/** Auth0: "Each Action may have a maximum of 10 npm modules." */
export const MAX_ACTION_DEPENDENCIES = 10
/** Auth0: "Each flow may have a maximum of 20 active bound Actions." */
export const MAX_BOUND_ACTIONS = 20
export const SECRET_NAME = /^[A-Za-z0-9_]{1,64}$/

export interface SecretInput {
  readonly name: string
  /** Absent on an update: the secret keeps its value. */
  readonly value?: string | undefined
}

export interface ActionDraftInput {
  readonly name: string
  readonly trigger: string
  readonly code?: string | undefined
  readonly dependencies?: readonly ActionDependency[] | undefined
  readonly secrets?: readonly SecretInput[] | undefined
  /** Latchkey's: what a failing run does (`deny` by default, or `skip`). */
  readonly onFailure?: 'deny' | 'skip' | undefined
}

/** What each trigger's handler is called with, for the starter code's comment (as Auth0's templates say it). */
const STARTER_DOCS: Readonly<Record<ActionTrigger, { readonly flow: string; readonly event: string; readonly api: string }>> = {
  'post-login': { flow: 'PostLogin', event: 'Details about the user and the context in which they are logging in.', api: 'Interface whose methods can be used to change the behavior of the login.' },
  'credentials-exchange': { flow: 'Credentials Exchange', event: 'Details about the Client Credentials request.', api: 'Interface whose methods can be used to change the behavior of the access token.' },
  'pre-user-registration': { flow: 'PreUserRegistration', event: 'Details about the context and user that is attempting to register.', api: 'Interface whose methods can be used to change the behavior of the signup.' },
  'post-change-password': { flow: 'PostChangePassword', event: 'Details about the user and the context in which the change password is happening.', api: 'Methods and utilities to help change the behavior after a user changes their password.' },
}

/** What a new action's code is when none is given: the trigger's handler, doing nothing, with Auth0's template comment. */
export function starterCode(trigger: ActionTrigger): string {
  const doc = STARTER_DOCS[trigger]
  return [
    '/**',
    ` * Handler that will be called during the execution of a ${doc.flow} flow.`,
    ' *',
    ` * @param {Event} event - ${doc.event}`,
    ` * @param {API} api - ${doc.api}`,
    ' */',
    `exports.${HANDLER_OF[trigger]} = async (event, api) => {`,
    '};',
    '',
  ].join('\n')
}

export function checkActionName(name: string): string {
  const trimmed = name.trim()
  if (trimmed.length < 1 || trimmed.length > MAX_ACTION_NAME_LENGTH) throw new RegistrationError(`name: must be 1 to ${MAX_ACTION_NAME_LENGTH} characters`)
  return trimmed
}

export function checkActionTrigger(trigger: string): ActionTrigger {
  if (!isActionTrigger(trigger)) throw new RegistrationError(`trigger: unknown trigger ${JSON.stringify(trigger.slice(0, 100))} (expected one of post-login, credentials-exchange, pre-user-registration, post-change-password)`)
  return trigger
}

export function checkActionCode(code: string): string {
  if (Buffer.byteLength(code, 'utf8') > MAX_ACTION_CODE_BYTES) throw new RegistrationError(`code: must be at most ${MAX_ACTION_CODE_BYTES / 1024} kB`)
  return code
}

export function checkDependencies(dependencies: readonly ActionDependency[]): ActionDependency[] {
  if (dependencies.length > MAX_ACTION_DEPENDENCIES) throw new RegistrationError(`dependencies: at most ${MAX_ACTION_DEPENDENCIES}`)
  const names = new Set<string>()
  return dependencies.map((d) => {
    if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(d.name) || d.name.length > 214) throw new RegistrationError(`dependencies: ${JSON.stringify(d.name.slice(0, 100))} is not an npm package name`)
    if (!/^[\w.^~<>=*|+ -]{1,100}$/.test(d.version)) throw new RegistrationError(`dependencies: ${JSON.stringify(d.version.slice(0, 100))} is not a version of ${d.name}`)
    if (names.has(d.name)) throw new RegistrationError(`dependencies: ${d.name} is named twice`)
    names.add(d.name)
    return { name: d.name, version: d.version }
  })
}

/** The secrets' names, checked: valid, unique, not too many. */
export function checkSecretNames(secrets: readonly SecretInput[]): string[] {
  if (secrets.length > MAX_ACTION_SECRETS) throw new RegistrationError(`secrets: at most ${MAX_ACTION_SECRETS}`)
  const names = new Set<string>()
  for (const { name, value } of secrets) {
    if (!SECRET_NAME.test(name)) throw new RegistrationError(`secrets: ${JSON.stringify(name.slice(0, 70))} is not a secret name (1 to 64 letters, digits or underscores)`)
    if (names.has(name)) throw new RegistrationError(`secrets: ${name} is named twice`)
    if (value !== undefined && value.length > MAX_SECRET_VALUE_LENGTH) throw new RegistrationError(`secrets: the value of ${name} is longer than ${MAX_SECRET_VALUE_LENGTH} characters`)
    names.add(name)
  }
  return [...names]
}

/**
 * The sealed secrets and their names for `secrets`: a secret given without a value keeps the one
 * in `current` (sealed), and one absent from `secrets` is dropped. Null when there are none.
 */
export async function sealSecrets(
  encryption: KeyEncryption,
  secrets: readonly SecretInput[],
  current: { readonly secretNames: readonly string[]; readonly sealedSecrets: string | null } | null,
): Promise<{ secretNames: string[]; sealedSecrets: string | null }> {
  const secretNames = checkSecretNames(secrets)
  if (secrets.length === 0) return { secretNames, sealedSecrets: null }
  let previous: Record<string, string> | null = null
  const values: Record<string, string> = {}
  for (const { name, value } of secrets) {
    if (value !== undefined) {
      values[name] = value
      continue
    }
    if (!current?.secretNames.includes(name)) throw new RegistrationError(`secrets: ${name} needs a value`)
    previous ??= current.sealedSecrets === null ? {} : (JSON.parse(await encryption.openText(current.sealedSecrets)) as Record<string, string>)
    const kept = previous[name]
    if (kept === undefined) throw new RegistrationError(`secrets: ${name} needs a value`)
    values[name] = kept
  }
  return { secretNames, sealedSecrets: await encryption.encrypt(JSON.stringify(values)) }
}

/** A new action (a draft, never deployed) from checked input. */
export async function newAction(input: ActionDraftInput, encryption: KeyEncryption, now: number): Promise<ActionRecord> {
  const trigger = checkActionTrigger(input.trigger)
  const name = checkActionName(input.name)
  const code = checkActionCode(input.code ?? starterCode(trigger))
  const dependencies = checkDependencies(input.dependencies ?? [])
  const sealed = await sealSecrets(encryption, input.secrets ?? [], null)
  return { id: randomId(), name, trigger, code, dependencies, ...sealed, onFailure: input.onFailure ?? 'deny', deployed: null, createdAt: now, updatedAt: now }
}

/** The patch for changing the draft's fields given in `input` (secrets: see sealSecrets). */
export async function draftPatch(
  current: ActionRecord,
  input: Partial<Omit<ActionDraftInput, 'trigger'>>,
  encryption: KeyEncryption,
  now: number,
): Promise<ActionPatch> {
  return {
    ...(input.name !== undefined ? { name: checkActionName(input.name) } : {}),
    ...(input.code !== undefined ? { code: checkActionCode(input.code) } : {}),
    ...(input.dependencies !== undefined ? { dependencies: checkDependencies(input.dependencies) } : {}),
    ...(input.secrets !== undefined ? await sealSecrets(encryption, input.secrets, current) : {}),
    ...(input.onFailure !== undefined ? { onFailure: input.onFailure } : {}),
    updatedAt: now,
  }
}

/** The parameters of the CommonJS wrapper the worker compiles an action in (action-worker.mjs). */
const WRAPPER_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname', 'console']

/**
 * Why `code` would not compile where it runs (`SyntaxError: Unexpected token '}' (line 3)`), or
 * null when it compiles. Only parsed, never run: compiling executes nothing, so this is safe on the
 * event loop. Deploying checks it, so a version that cannot even load never runs at a login.
 */
export function syntaxErrorOf(code: string): string | null {
  try {
    compileFunction(code, WRAPPER_PARAMS, { filename: 'action.js' })
    return null
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error
    const line = /^action\.js:(\d+)/.exec(error.stack ?? '')?.[1]
    return `SyntaxError: ${error.message}${line ? ` (line ${line})` : ''}`
  }
}

/** Whether the deployed version is the draft as it is (Auth0's `all_changes_deployed`). */
export const allChangesDeployed = (action: ActionRecord): boolean =>
  action.deployed !== null && action.deployed.code === action.code && action.deployed.sealedSecrets === action.sealedSecrets
