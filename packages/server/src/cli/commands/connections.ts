/**
 * `latchkey connections …`: the ways users log in (Auth0's connections), like `auth0 connections`:
 * the database connection (Username-Password-Authentication) and upstream identity providers
 * (oidc, google-oauth2, github, oauth2), and the applications each is enabled for. Connections are
 * named by id (`con_…`) or name. The same rules as the Management API (@latchkey/core's registration
 * and each strategy's check of its options). An upstream client secret is sealed with the server's
 * key-encryption key (LATCHKEY_SECRET, or the key file beside a SQLite database) before it is stored
 * and is never printed; it is best read from stdin (`--client-secret-stdin`), since a command line
 * is visible to every user of the machine (`ps`) and kept in shell history.
 */
import { readFileSync } from 'node:fs'
import { type ConnectionInput, type ConnectionRecord, type ConnectionUpdate, connectionLabel, createConnection, isConnectionId, isDatabaseConnection, updateConnection } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Command } from 'commander'
import { checkClientSecret, checkConnectionOptions } from '../../management/connection-options.js'
import { presentConnection } from '../../management/mappings/connections.js'
import { recordAdminChange } from '../audit.js'
import { fields, iso, table } from '../present.js'
import { CliError, type CommonOptions, confirm, defined, group, leaf, list, listAll, notFound, print, readStdin, run, stdinIsTTY, warn } from '../run.js'
import { encryptionFor } from './keys.js'

const UPSTREAM_STRATEGIES = ['oidc', 'google-oauth2', 'github', 'oauth2']

interface ConnectionOptions extends CommonOptions {
  name?: string
  strategy?: string
  displayName?: string
  issuer?: string
  discoveryUrl?: string
  baseUrl?: string
  clientId?: string
  clientSecret?: string
  clientSecretStdin?: boolean
  removeClientSecret?: boolean
  scopes?: string
  enableFor?: string[]
  domainAliases?: string[]
  linkExistingAccounts?: boolean
  optionsFile?: string
  force?: boolean
  importMode?: boolean
  migrationDomain?: string
  migrationClientId?: string
  migrationRealm?: string
  migrationAudience?: string
}

interface EnableOptions extends CommonOptions {
  for?: string[]
}

/** Registration field paths → the flags that set them, for error messages. */
const FLAGS = {
  name: '--name',
  displayName: '--display-name',
  strategy: '--strategy',
  enabledClients: '--enable-for',
  'options.issuer': '--issuer',
  'options.discovery_url': '--discovery-url',
  'options.base_url': '--base-url',
  'options.client_id': '--client-id',
  'options.client_secret': '--client-secret',
  'options.scope': '--scopes',
  'options.domain_aliases': '--domain-aliases',
  'options.link_existing_accounts': '--link-existing-accounts',
  'options.import_mode': '--import-mode',
  'options.migration_source.domain': '--migration-domain',
  'options.migration_source.client_id': '--migration-client-id',
  'options.migration_source.realm': '--migration-realm',
  'options.migration_source.audience': '--migration-audience',
}

const SECRET_HELP = 'the upstream client secret; visible to other users in `ps` and kept in shell history: prefer --client-secret-stdin'

/** The options `create` and `update` share. */
function withConnectionOptions(cmd: Command): Command {
  return cmd
    .option('-d, --display-name <name>', 'what the login page\'s button says (default: the name)')
    .option('--issuer <url>', 'oidc: the provider\'s issuer (its discovery document is read from it)')
    .option('--discovery-url <url>', 'oidc: the provider\'s discovery document (…/.well-known/openid-configuration)')
    .option('--base-url <url>', 'github: the web root of a GitHub Enterprise Server (default https://github.com)')
    .option('--client-id <id>', 'the client id Latchkey has at the provider')
    .option('--client-secret <secret>', SECRET_HELP)
    .option('--client-secret-stdin', 'read the upstream client secret from stdin (one line; recommended)')
    .option('--scopes <scopes>', 'scopes to ask the provider for, space- or comma-separated (oidc default: openid profile email)')
    .option('--domain-aliases <domains>', 'email domains whose users go straight to this provider (home-realm discovery), comma-separated', list)
    .option('--link-existing-accounts', 'a first login whose verified email an existing account has offers to link it, after the user proves that account (docs/connections.md)')
    .option('--no-link-existing-accounts', 'turn that off (the default)')
    .option('--options-file <path>', 'more options as a JSON object, Auth0\'s names (e.g. oauth2\'s endpoints); the flags above win')
}

/** The upstream client secret: from --client-secret-stdin, else --client-secret (with a warning), else undefined. */
async function clientSecretOf(o: ConnectionOptions): Promise<string | undefined> {
  if (o.clientSecretStdin && o.clientSecret !== undefined) throw new CliError('use --client-secret or --client-secret-stdin, not both', 2)
  if (o.removeClientSecret && (o.clientSecretStdin || o.clientSecret !== undefined)) throw new CliError('--no-client-secret removes the secret: do not give one too', 2)
  if (o.clientSecret !== undefined) {
    warn('a secret on the command line is visible to other users (ps) and kept in shell history; prefer --client-secret-stdin')
    return o.clientSecret
  }
  if (!o.clientSecretStdin) return undefined
  const secret = (await readStdin('Client secret (then Enter): ')).replace(/\r?\n$/, '')
  if (secret === '') throw new CliError('--client-secret-stdin: nothing was read from stdin', 2)
  if (secret.includes('\n')) throw new CliError('--client-secret-stdin: expected one line', 2)
  return secret
}

function readOptionsFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new CliError(`--options-file: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new CliError(`--options-file: ${path} is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError(`--options-file: ${path} must hold a JSON object`)
  return value as Record<string, unknown>
}

/** The options the flags give (Auth0's names), over those of --options-file; the secret apart. */
function optionsOf(o: ConnectionOptions): Record<string, unknown> {
  if (o.issuer !== undefined && o.discoveryUrl !== undefined) throw new CliError('use --issuer or --discovery-url, not both', 2)
  const scope = o.scopes
    ?.split(/[\s,]+/)
    .filter((s) => s !== '')
    .join(' ')
  return {
    ...(o.optionsFile === undefined ? {} : readOptionsFile(o.optionsFile)),
    ...defined({
      issuer: o.issuer,
      discovery_url: o.discoveryUrl,
      base_url: o.baseUrl,
      client_id: o.clientId,
      scope,
      domain_aliases: o.domainAliases,
      link_existing_accounts: o.linkExistingAccounts,
    }),
  }
}

/**
 * The trickle migration's settings the flags give (database connection only), over the stored ones:
 * `import_mode` and `migration_source` (its fields merged one by one).
 */
function migrationOptionsOf(o: ConnectionOptions, current: ConnectionRecord): Record<string, unknown> {
  const source = defined({ domain: o.migrationDomain, client_id: o.migrationClientId, realm: o.migrationRealm, audience: o.migrationAudience })
  const given = o.importMode !== undefined || Object.keys(source).length > 0
  if (!given) return {}
  if (!isDatabaseConnection(current)) throw new CliError('--import-mode and --migration-* are settings of the database connection (Username-Password-Authentication): trickle migration', 2)
  const stored = current.options.migration_source
  const merged = Object.keys(source).length > 0 ? { type: 'auth0', ...(typeof stored === 'object' && stored !== null ? stored : {}), ...source } : undefined
  return defined({ import_mode: o.importMode, migration_source: merged })
}

/** By id (`con_…`) or name. */
async function findConnection(store: Store, idOrName: string): Promise<ConnectionRecord> {
  const key = idOrName.trim()
  const connection = (isConnectionId(key) ? await store.connections.get(key) : null) ?? (await store.connections.findByName(key))
  if (!connection) throw notFound('connection with id or name', idOrName)
  return connection
}

async function checkApps(store: Store, clientIds: readonly string[] | undefined, flag: string): Promise<void> {
  for (const clientId of new Set(clientIds ?? [])) if (!(await store.applications.get(clientId))) throw new CliError(`${flag}: no application with client_id ${JSON.stringify(clientId)}`)
}

async function allClients(store: Store, connectionId: string): Promise<string[]> {
  const all: string[] = []
  let from: string | undefined
  do {
    const page = await store.connections.listClients(connectionId, { ...(from ? { from } : {}), take: 100 })
    all.push(...page.items)
    from = page.next
  } while (from)
  return all
}

function connectionFields(connection: ConnectionRecord): string {
  const { client_secret: _never, ...options } = connection.options
  return fields([
    ['id', connection.id],
    ['name', connection.name],
    ['display name', connectionLabel(connection)],
    ['strategy', connection.strategy],
    ...Object.entries(options).map(([key, value]) => [`options.${key}`, typeof value === 'string' ? value : JSON.stringify(value)] as const),
    ...(isDatabaseConnection(connection) && !connection.sealedClientSecret ? [] : ([['client secret', connection.sealedClientSecret ? 'set (sealed; never shown)' : 'none']] as const)),
    ['enabled for', connection.enabledClients],
    ['domain connection', connection.isDomainConnection],
    ['metadata', Object.entries(connection.metadata).map(([k, v]) => `${k}=${v}`)],
    ['created', iso(connection.createdAt)],
    ['updated', iso(connection.updatedAt)],
  ])
}

export function registerConnections(program: Command): void {
  const connections = group(program, 'connections', 'Manage connections: the user database and upstream identity providers (OpenID, Google, GitHub, OAuth 2.0)')

  leaf(connections, 'create', 'Add an upstream identity provider', (cmd) =>
    withConnectionOptions(
      cmd
        .requiredOption('-n, --name <name>', 'unique name: letters, digits and -, starting and ending with a letter or digit (used at /authorize?connection=)')
        .requiredOption('-s, --strategy <strategy>', UPSTREAM_STRATEGIES.join(', ')),
    )
      .option('--enable-for <client_ids>', 'enable it for these applications, comma-separated', list)
      .addHelpText('after', '\nThe client secret is sealed with the server\'s key-encryption key and never shown again.\nExample: printf %s "$SECRET" | latchkey connections create --name acme-okta --strategy oidc --issuer https://acme.okta.com --client-id ID --client-secret-stdin'),
  ).action((opts: ConnectionOptions) =>
    run(
      opts,
      async (store) => {
        const secret = await clientSecretOf(opts)
        const options: Record<string, unknown> = { ...optionsOf(opts), ...(secret === undefined ? {} : { client_secret: secret }) }
        if (options.client_id === undefined) throw new CliError('--client-id is required (the client id Latchkey has at the provider)', 2)
        await checkApps(store, opts.enableFor, '--enable-for')
        const input: ConnectionInput = defined({
          name: opts.name ?? '',
          strategy: opts.strategy ?? '',
          displayName: opts.displayName,
          options,
          enabledClients: opts.enableFor,
        }) as ConnectionInput
        const { record, clientSecret } = createConnection(input, Date.now(), checkConnectionOptions)
        checkClientSecret(record, clientSecret)
        const sealed = clientSecret === null ? null : await (await encryptionFor(store, opts)).encrypt(clientSecret)
        const created = { ...record, sealedClientSecret: sealed }
        await store.connections.insert(created)
        await recordAdminChange(store, {
          action: 'connection.created',
          details: { connection_id: created.id, name: created.name, strategy: created.strategy, enabled_clients: [...created.enabledClients] },
        })
        print(opts, presentConnection(created), () => `Created connection ${created.name}\n${connectionFields(created)}`)
      },
      FLAGS,
    ),
  )

  leaf(connections, 'list', 'List connections')
    .alias('ls')
    .action((opts: CommonOptions) =>
      run(opts, async (store) => {
        const all = await listAll((page) => store.connections.list(page))
        print(opts, all.map(presentConnection), () =>
          table(
            ['ID', 'NAME', 'STRATEGY', 'DISPLAY NAME', 'APPS'],
            all.map((c) => [c.id, c.name, c.strategy, connectionLabel(c), c.enabledClients.length]),
          ),
        )
      }),
    )

  leaf(connections, 'show <connection>', 'Show a connection (by id or name); its client secret never').action((idOrName: string, opts: CommonOptions) =>
    run(opts, async (store) => {
      const connection = await findConnection(store, idOrName)
      print(opts, presentConnection(connection), () => connectionFields(connection))
    }),
  )

  leaf(connections, 'update <connection>', 'Change a connection: the options given join the stored ones (name and strategy never change)', (cmd) =>
    withConnectionOptions(cmd)
      .option('--no-client-secret', 'remove the stored client secret (a public, PKCE-only registration)')
      .option('--enable-for <client_ids>', 'the applications it is enabled for, replacing the stored set, comma-separated', list)
      .option('--import-mode', 'database connection: trickle migration on: a user unknown here (or imported without a password) is checked by the old Auth0 tenant at login, then saved here with the same user_id')
      .option('--no-import-mode', 'database connection: trickle migration off')
      .option('--migration-domain <domain>', "database connection: the old Auth0 tenant's domain (old-tenant.eu.auth0.com) or base URL")
      .option('--migration-client-id <id>', "database connection: the client id of the old tenant's application allowed the password-realm grant (its secret: --client-secret-stdin)")
      .option('--migration-realm <connection>', "database connection: the old tenant's database connection (default Username-Password-Authentication)")
      .option('--migration-audience <audience>', 'database connection: an audience for the old tenant\'s token request (optional)')
      .addHelpText(
        'after',
        '\nTrickle migration from Auth0: printf %s "$OLD_APP_SECRET" | latchkey connections update Username-Password-Authentication --import-mode --migration-domain old-tenant.eu.auth0.com --migration-client-id ID --client-secret-stdin',
      ),
  ).action((idOrName: string, opts: Omit<ConnectionOptions, 'clientSecret'> & { clientSecret?: string | false }) => {
    // Commander's --no-client-secret sets clientSecret to false.
    const removeClientSecret = opts.clientSecret === false
    const o: ConnectionOptions = { ...opts, clientSecret: typeof opts.clientSecret === 'string' ? opts.clientSecret : undefined, removeClientSecret }
    return run(
      o,
      async (store) => {
        const secret = await clientSecretOf(o)
        const current = await findConnection(store, idOrName)
        const given = { ...optionsOf(o), ...migrationOptionsOf(o, current) }
        const changesOptions = Object.keys(given).length > 0 || secret !== undefined || removeClientSecret
        const input: ConnectionUpdate = defined({
          displayName: o.displayName,
          enabledClients: o.enableFor,
          options: changesOptions
            ? { ...current.options, ...given, ...(secret !== undefined ? { client_secret: secret } : removeClientSecret ? { client_secret: null } : {}) }
            : undefined,
        })
        if (Object.keys(input).length === 0) throw new CliError('nothing to update: pass at least one option (see --help)', 2)
        await checkApps(store, o.enableFor, '--enable-for')
        const { record, clientSecret } = updateConnection(current, input, Date.now(), checkConnectionOptions)
        checkClientSecret(record, clientSecret)
        const sealedClientSecret = typeof clientSecret === 'string' ? await (await encryptionFor(store, o)).encrypt(clientSecret) : record.sealedClientSecret
        const { id, name: _name, strategy: _strategy, createdAt: _createdAt, ...patch } = { ...record, sealedClientSecret }
        const updated = await store.connections.update(id, patch)
        if (!updated) throw notFound('connection with id or name', idOrName)
        await recordAdminChange(store, {
          action: 'connection.updated',
          details: {
            connection_id: id,
            name: updated.name,
            strategy: updated.strategy,
            fields: Object.keys(input),
            ...(clientSecret !== undefined ? { client_secret: clientSecret === null ? 'removed' : 'replaced' } : {}),
          },
        })
        print(o, presentConnection(updated), () => `Updated connection ${updated.name}\n${connectionFields(updated)}`)
      },
      FLAGS,
    )
  })

  leaf(connections, 'delete <connection>', 'Delete an upstream connection and the users whose connection it is', (cmd) =>
    cmd.alias('rm').option('--force', 'do not ask for confirmation (needed when not run from a terminal)'),
  ).action((idOrName: string, opts: ConnectionOptions) =>
    run(opts, async (store) => {
      const connection = await findConnection(store, idOrName)
      if (isDatabaseConnection(connection))
        throw new CliError(`${connection.name} is Latchkey's user database: it cannot be deleted (disable it for an application: latchkey connections disable ${connection.name} --for CLIENT_ID)`)
      const question = `Delete connection ${connection.name} (${connection.id}) and every user whose connection it is?`
      if (!opts.force && !stdinIsTTY()) throw new CliError(`${question} Pass --force to confirm.`, 2)
      await confirm(question, opts.force)
      if (!(await store.connections.delete(connection.id))) throw notFound('connection with id or name', idOrName)
      await recordAdminChange(store, { action: 'connection.deleted', details: { connection_id: connection.id, name: connection.name, strategy: connection.strategy } })
      print(opts, { id: connection.id, deleted: true }, () => `Deleted connection ${connection.name} (${connection.id}) and its users`)
    }),
  )

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    leaf(connections, `${verb} <connection>`, `${enabled ? 'Enable' : 'Disable'} a connection for applications`, (cmd) =>
      cmd.requiredOption('--for <client_ids>', 'the applications, comma-separated', list),
    ).action((idOrName: string, opts: EnableOptions) =>
      run(opts, async (store) => {
        const connection = await findConnection(store, idOrName)
        const clientIds = [...new Set(opts.for ?? [])]
        if (clientIds.length === 0) throw new CliError('name at least one application with --for', 2)
        await checkApps(store, clientIds, '--for')
        await store.transaction(async (tx) => {
          for (const clientId of clientIds) await tx.connections.setEnabled(connection.id, clientId, enabled)
        })
        await recordAdminChange(store, {
          action: 'connection.clients_updated',
          details: { connection_id: connection.id, name: connection.name, [enabled ? 'enabled_clients' : 'disabled_clients']: clientIds },
        })
        const now = await allClients(store, connection.id)
        print(opts, { id: connection.id, name: connection.name, enabled_clients: now }, () =>
          `${enabled ? 'Enabled' : 'Disabled'} ${connection.name} for ${clientIds.join(', ')}; enabled for: ${now.length ? now.join(', ') : 'no application'}`,
        )
      }),
    )
  }
}
