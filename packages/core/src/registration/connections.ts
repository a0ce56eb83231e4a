/**
 * Registering connections (Auth0's): the ways users log in, for the CLI and the Management API.
 * Input is validated once here with Auth0's rules for names, display names and metadata; the
 * options are checked only as a bounded JSON object (each strategy checks its own options, passed
 * in as `checkOptions`). The upstream client secret travels in `options.client_secret`, as in
 * Auth0's API: it is taken out of the options and handed back apart, for the server to seal
 * (records keep only `sealedClientSecret`).
 */
import { z } from 'zod'
import { randomAlphanumeric } from '../opaque.js'
import type { ConnectionRecord, ConnectionStrategy } from '../records.js'
import { parseInput, RegistrationError } from './applications.js'
import { mergeMetadata } from './metadata.js'

/** Latchkey's own user database: one connection of strategy `auth0`, created with the database. */
export const DATABASE_CONNECTION = { name: 'Username-Password-Authentication', strategy: 'auth0' } as const

export const CONNECTION_STRATEGIES: readonly ConnectionStrategy[] = ['auth0', 'oidc', 'google-oauth2', 'github', 'oauth2']
/**
 * Social strategies (Auth0's `isSocial`, on identities): Google, GitHub, and custom OAuth 2.0
 * connections, which Auth0 lists under Social too; the others are enterprise (or the database).
 */
export const SOCIAL_STRATEGIES: readonly ConnectionStrategy[] = ['google-oauth2', 'github', 'oauth2']
/**
 * Strategies for one public provider (Google, GitHub): their users' ids name no connection
 * (`github|{id}`), and they take no part in home-realm discovery. The others (`oidc`, `oauth2`) are
 * for many providers, so their ids carry the connection's name (`oauth2|{connection}|{id}`).
 */
export const PUBLIC_PROVIDER_STRATEGIES: readonly ConnectionStrategy[] = ['google-oauth2', 'github']

/** Auth0's rule for connection names. */
export const CONNECTION_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/
export const MAX_CONNECTION_NAME_LENGTH = 128
export const MAX_CONNECTION_DISPLAY_NAME_LENGTH = 128
/** Auth0's limits on a connection's metadata: 10 keys, keys and values up to 255 characters. */
export const MAX_CONNECTION_METADATA_KEYS = 10
/** The largest `options`, as JSON (an OIDC connection keeps its provider's discovery document there). */
export const MAX_CONNECTION_OPTIONS_BYTES = 65_536
/** The most applications one request may enable a connection for. */
export const MAX_ENABLED_CLIENTS = 1000

const NAME_RULE = `name must be 1–${MAX_CONNECTION_NAME_LENGTH} letters, digits or "-", starting and ending with a letter or digit`

export const newConnectionId = (): string => `con_${randomAlphanumeric(16)}`
export const isConnectionId = (value: string): boolean => /^con_[A-Za-z0-9]{1,64}$/.test(value)
export const isConnectionStrategy = (value: string): value is ConnectionStrategy => (CONNECTION_STRATEGIES as readonly string[]).includes(value)
export const isSocialStrategy = (strategy: ConnectionStrategy): boolean => SOCIAL_STRATEGIES.includes(strategy)
export const isPublicProviderStrategy = (strategy: ConnectionStrategy): boolean => PUBLIC_PROVIDER_STRATEGIES.includes(strategy)
export const isDatabaseConnection = (connection: Pick<ConnectionRecord, 'name' | 'strategy'>): boolean =>
  connection.strategy === DATABASE_CONNECTION.strategy && connection.name === DATABASE_CONNECTION.name

/** A strategy's own check of its options (discovery URL, client id…); returns them as they are to be stored. */
export type ConnectionOptionsCheck = (strategy: ConnectionStrategy, options: Record<string, unknown>) => Record<string, unknown>

const options = z
  .record(z.string(), z.json())
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_CONNECTION_OPTIONS_BYTES, `options must be at most ${MAX_CONNECTION_OPTIONS_BYTES} bytes as JSON`)

export const connectionInput = z.object({
  name: z.string().min(1, 'name is required').max(MAX_CONNECTION_NAME_LENGTH, NAME_RULE),
  /** Auth0's `display_name`; '' or null clears it. */
  displayName: z.string().trim().max(MAX_CONNECTION_DISPLAY_NAME_LENGTH, `display_name must be at most ${MAX_CONNECTION_DISPLAY_NAME_LENGTH} characters`).nullable().optional(),
  strategy: z.string().min(1, 'strategy is required'),
  /** Auth0's `options`, `client_secret` included (taken out, see the header). Replaced as a whole on update. */
  options: options.optional(),
  /** Client ids; whether they exist is the caller's to check. */
  enabledClients: z.array(z.string().min(1).max(256)).max(MAX_ENABLED_CLIENTS).optional(),
  isDomainConnection: z.boolean().optional(),
  /** A null value removes the key (on update). */
  metadata: z.record(z.string(), z.string().max(255, 'metadata values must be at most 255 characters').nullable()).optional(),
})
export type ConnectionInput = z.input<typeof connectionInput>
/** What an update may change: neither the name nor the strategy (Auth0's rule). */
export type ConnectionUpdate = Partial<Omit<ConnectionInput, 'name' | 'strategy'>>

function checkName(name: string): string {
  if (!CONNECTION_NAME.test(name)) throw new RegistrationError(NAME_RULE)
  return name
}

function checkStrategy(strategy: string): ConnectionStrategy {
  if (!isConnectionStrategy(strategy))
    throw new RegistrationError(`strategy: expected one of ${CONNECTION_STRATEGIES.filter((s) => s !== 'auth0').join(', ')}`)
  if (strategy === DATABASE_CONNECTION.strategy)
    throw new RegistrationError(`strategy: Latchkey has one database connection (${DATABASE_CONNECTION.name}); it cannot create another`)
  return strategy
}


/**
 * The options without `client_secret`, checked by the strategy, and the secret: a string (a new
 * one), null (`client_secret: null` or '': none) or undefined (not given).
 */
function splitOptions(
  strategy: ConnectionStrategy,
  given: Record<string, unknown>,
  checkOptions: ConnectionOptionsCheck | undefined,
): { options: Record<string, unknown>; clientSecret: string | null | undefined } {
  const { client_secret: secret, ...rest } = given
  if (secret !== undefined && secret !== null && typeof secret !== 'string') throw new RegistrationError('options.client_secret must be a string')
  if (typeof secret === 'string' && secret.length > 4096) throw new RegistrationError('options.client_secret must be at most 4096 characters')
  const clientSecret = secret === undefined ? undefined : secret === null || secret === '' ? null : secret
  return { options: checkOptions ? checkOptions(strategy, rest) : rest, clientSecret }
}

const uniqueClients = (clients: readonly string[] | undefined): string[] => [...new Set(clients ?? [])]

/**
 * A new connection, and the upstream client secret given in its options (null: none) for the
 * caller to seal into `sealedClientSecret`. Strategy `auth0` is refused: the database connection
 * exists from the start and there is only one.
 */
export function createConnection(
  input: ConnectionInput,
  now: number,
  checkOptions?: ConnectionOptionsCheck,
): { record: ConnectionRecord; clientSecret: string | null } {
  const data = parseInput(connectionInput, input)
  const strategy = checkStrategy(data.strategy)
  const { options: opts, clientSecret } = splitOptions(strategy, data.options ?? {}, checkOptions)
  return {
    record: {
      id: newConnectionId(),
      name: checkName(data.name),
      displayName: data.displayName || null,
      strategy,
      options: opts,
      sealedClientSecret: null,
      enabledClients: uniqueClients(data.enabledClients),
      isDomainConnection: data.isDomainConnection ?? false,
      metadata: mergeMetadata({}, data.metadata, MAX_CONNECTION_METADATA_KEYS),
      createdAt: now,
      updatedAt: now,
    },
    clientSecret: clientSecret ?? null,
  }
}

/**
 * A partial update (Auth0's PATCH): given options replace the stored ones as a whole, except that
 * the secret is kept when they carry no `client_secret` (Latchkey never shows it, so it cannot be
 * sent back); `client_secret: null` removes it. `clientSecret`: the new secret to seal, null to
 * clear the sealed one, undefined to keep it. The name and strategy never change.
 */
export function updateConnection(
  current: ConnectionRecord,
  input: ConnectionUpdate,
  now: number,
  checkOptions?: ConnectionOptionsCheck,
): { record: ConnectionRecord; clientSecret: string | null | undefined } {
  // Auth0 refuses them in a PATCH too; the same value is harmless.
  const fixed = input as { name?: unknown; strategy?: unknown }
  if (fixed.name !== undefined && fixed.name !== current.name) throw new RegistrationError("name: a connection's name cannot change")
  if (fixed.strategy !== undefined && fixed.strategy !== current.strategy) throw new RegistrationError("strategy: a connection's strategy cannot change")
  const data = parseInput(connectionInput.omit({ name: true, strategy: true }).partial(), input)
  const split = data.options === undefined ? undefined : splitOptions(current.strategy, data.options, checkOptions)
  // The database connection's options are its check's to judge (the server's: trickle migration); without one it takes none.
  if (split !== undefined && current.strategy === DATABASE_CONNECTION.strategy && !checkOptions && Object.keys(split.options).length > 0)
    throw new RegistrationError(`options: the database connection (${DATABASE_CONNECTION.name}) takes no options in Latchkey`)
  const clientSecret = split?.clientSecret
  return {
    record: {
      ...current,
      displayName: data.displayName === undefined ? current.displayName : data.displayName || null,
      options: split?.options ?? current.options,
      sealedClientSecret: clientSecret === null ? null : current.sealedClientSecret,
      enabledClients: data.enabledClients === undefined ? current.enabledClients : uniqueClients(data.enabledClients),
      isDomainConnection: data.isDomainConnection ?? current.isDomainConnection,
      metadata: data.metadata === undefined ? current.metadata : mergeMetadata(current.metadata, data.metadata, MAX_CONNECTION_METADATA_KEYS),
      updatedAt: now,
    },
    clientSecret,
  }
}

/** What the login page's button says. */
export function connectionLabel(connection: Pick<ConnectionRecord, 'name' | 'displayName'>): string {
  return connection.displayName ?? connection.name
}

/**
 * The `sub` of a user whose first login came through an upstream connection, in Auth0's shape:
 * `google-oauth2|{id}` and `github|{id}` for the public providers' strategies,
 * `{strategy}|{connection}|{id}` for the others (`oidc`, `oauth2`: several connections share them).
 * Not whether it is social: `oauth2` is social and its ids name the connection.
 */
export function connectionUserId(connection: Pick<ConnectionRecord, 'name' | 'strategy'>, providerUserId: string): string {
  if (connection.strategy === DATABASE_CONNECTION.strategy) throw new Error('users of the database connection get ids from newUserId')
  return isPublicProviderStrategy(connection.strategy) ? `${connection.strategy}|${providerUserId}` : `${connection.strategy}|${connection.name}|${providerUserId}`
}
