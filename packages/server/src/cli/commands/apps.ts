/** `latchkey apps …`: register and manage applications (OAuth clients), like `auth0 apps`. */
import {
  ADMIN_CONSOLE_APP_KEPT,
  ADMIN_CONSOLE_CLIENT_ID,
  type ApplicationInput,
  type ApplicationRecord,
  createApplication,
  type RefreshTokenExpiration,
  type RefreshTokenRotation,
  rotateClientSecret,
  updateApplication,
} from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Command } from 'commander'
import { readFileSync } from 'node:fs'
import { recordAdminChange } from '../audit.js'
import { appFields, presentApp, table } from '../present.js'
import { CliError, type CommonOptions, confirm, defined, group, issuerRules, leaf, list, listAll, notFound, print, run, seconds } from '../run.js'

interface AppOptions extends CommonOptions {
  name?: string
  type?: string
  callbacks?: string[]
  logoutUrls?: string[]
  webOrigins?: string[]
  origins?: string[]
  grants?: string[]
  authMethod?: string
  jwksFile?: string
  thirdParty?: boolean
  organizationUsage?: string
  organizationRequireBehavior?: string
  initiateLoginUri?: string
  idTokenAlg?: string
  issuer?: string
  refreshRotation?: string
  refreshExpiration?: string
  refreshReuseInterval?: number
  refreshIdleLifetime?: Lifetime
  refreshAbsoluteLifetime?: Lifetime
  force?: boolean
}

/** Registration field paths → the flags that set them, for error messages. */
const FLAGS = {
  name: '--name',
  type: '--type',
  callbacks: '--callbacks',
  logoutUrls: '--logout-urls',
  webOrigins: '--web-origins',
  allowedOrigins: '--origins',
  grants: '--grants',
  authMethod: '--auth-method',
  jwks: '--jwks-file',
  'refreshToken.rotation': '--refresh-rotation',
  'refreshToken.expiration': '--refresh-expiration',
  'refreshToken.reuseIntervalSeconds': '--refresh-reuse-interval',
  'refreshToken.idleLifetimeSeconds': '--refresh-idle-lifetime',
  'refreshToken.infiniteIdleLifetime': '--refresh-idle-lifetime',
  'refreshToken.absoluteLifetimeSeconds': '--refresh-absolute-lifetime',
  'refreshToken.infiniteAbsoluteLifetime': '--refresh-absolute-lifetime',
  organizationUsage: '--organization-usage',
  organizationRequireBehavior: '--organization-require-behavior',
  initiateLoginUri: '--initiate-login-uri',
  idTokenAlg: '--id-token-alg',
}

/** The options `create` and `update` share. */
function withAppOptions(cmd: Command, update: boolean): Command {
  cmd
    .option('--callbacks <urls>', 'allowed callback URLs, comma-separated', list)
    .option('--logout-urls <urls>', 'allowed logout URLs, comma-separated', list)
    .option('--web-origins <origins>', 'allowed web origins (web_message, cross-origin auth), comma-separated', list)
    .option('--origins <origins>', 'allowed origins (CORS), comma-separated', list)
    .option('--grants <grants>', 'grant types: authorization_code (code), refresh_token (refresh-token), client_credentials (credentials)', list)
    .option('--third-party', 'a third-party app: always asks for consent')
    .option('--jwks-file <path>', 'public keys of a private_key_jwt app: a JSON file holding a JWK Set or one JWK (public parts only)')
    .option('--refresh-rotation <type>', 'refresh tokens: rotating (a new one at every refresh, the default) or non-rotating (the same one kept)')
    .option('--refresh-expiration <type>', 'refresh tokens: expiring (the lifetimes apply, the default) or non-expiring (never expire; non-rotating only)')
    .option('--refresh-reuse-interval <seconds>', 'reuse interval (leeway) for a rotated refresh token', seconds)
    .option('--refresh-idle-lifetime <seconds>', "refresh-token idle lifetime, or 'infinite'", lifetimeOption)
    .option('--refresh-absolute-lifetime <seconds>', "refresh-token absolute lifetime, or 'infinite'", lifetimeOption)
    .option('--organization-usage <usage>', 'organizations at login: deny (default), allow or require')
    .option('--organization-require-behavior <behavior>', 'with require and no organization given: no_prompt (an error, default) or pre_login_prompt (ask its name)')
    .option('--initiate-login-uri <url>', "the app's login URI, where invitation links point (default: the first callback's origin; '' clears)")
    .option('--id-token-alg <alg>', "ID-token signing algorithm: RS256 (default, what Auth0's SDKs expect), ES256 or EdDSA")
    .option('--issuer <url>', "the server's issuer, for the URL rules (env LATCHKEY_ISSUER): while it is http, http URLs on any host are accepted; without it, http only for localhost and loopback")
  if (update) cmd.option('--no-third-party', 'make it a first-party app again')
  return cmd
}

function appInput(o: AppOptions): Partial<ApplicationInput> {
  const idle = o.refreshIdleLifetime
  const absolute = o.refreshAbsoluteLifetime
  const refreshToken = defined({
    rotation: o.refreshRotation as RefreshTokenRotation | undefined,
    expiration: o.refreshExpiration as RefreshTokenExpiration | undefined,
    reuseIntervalSeconds: o.refreshReuseInterval,
    idleLifetimeSeconds: idle === 'infinite' ? undefined : idle,
    infiniteIdleLifetime: idle === undefined ? undefined : idle === 'infinite',
    absoluteLifetimeSeconds: absolute === 'infinite' ? undefined : absolute,
    infiniteAbsoluteLifetime: absolute === undefined ? undefined : absolute === 'infinite',
  })
  return defined({
    name: o.name,
    callbacks: o.callbacks,
    logoutUrls: o.logoutUrls,
    webOrigins: o.webOrigins,
    allowedOrigins: o.origins,
    grants: o.grants,
    authMethod: o.authMethod,
    jwks: o.jwksFile === undefined ? undefined : readJwksFile(o.jwksFile),
    firstParty: o.thirdParty === undefined ? undefined : !o.thirdParty,
    refreshToken: Object.keys(refreshToken).length ? refreshToken : undefined,
    organizationUsage: o.organizationUsage,
    organizationRequireBehavior: o.organizationRequireBehavior,
    initiateLoginUri: o.initiateLoginUri,
    // Checked by the registration rules, which name the flag when it is not one of the three.
    idTokenAlg: o.idTokenAlg as ApplicationInput['idTokenAlg'],
  })
}

/** A lifetime flag: whole seconds (the lifetime applies), or `infinite` (Auth0's infinite_* switch). */
type Lifetime = number | 'infinite'
function lifetimeOption(value: string): Lifetime {
  return value.trim().toLowerCase() === 'infinite' ? 'infinite' : seconds(value)
}

async function findApp(store: Store, clientId: string): Promise<ApplicationRecord> {
  const app = await store.applications.get(clientId)
  if (!app) throw notFound('application with client_id', clientId)
  return app
}

/** An application that may be changed by hand: not the admin console's, which the server keeps (admin-console-app.ts). */
async function findChangeableApp(store: Store, clientId: string): Promise<ApplicationRecord> {
  const app = await findApp(store, clientId)
  if (app.clientId === ADMIN_CONSOLE_CLIENT_ID) throw new CliError(ADMIN_CONSOLE_APP_KEPT)
  return app
}

/** The JSON of a --jwks-file; what it must hold is checked by the registration rules. */
function readJwksFile(path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new CliError(`--jwks-file: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new CliError(`--jwks-file: ${path} is not JSON`)
  }
}

async function save(store: Store, record: ApplicationRecord): Promise<ApplicationRecord> {
  const { clientId, createdAt: _createdAt, jwks, ...patch } = record
  return (await store.applications.update(clientId, { ...patch, jwks: jwks ?? null })) ?? record
}

const SECRET_WARNING = 'Store the client secret now: it will not be shown again.'

export function registerApps(program: Command): void {
  const apps = group(program, 'apps', 'Manage applications (OAuth clients)')

  leaf(apps, 'create', 'Register an application', (cmd) => {
    cmd.requiredOption('-n, --name <name>', 'application name').requiredOption('-t, --type <type>', 'spa, native, regular or m2m')
    withAppOptions(cmd, false)
    cmd.option('--auth-method <method>', 'token endpoint authentication: None, Post, Basic or private_key_jwt (with --jwks-file) (default: None for spa/native, Post otherwise)')
  }).action((opts: AppOptions) =>
    run(
      opts,
      async (store) => {
        const { record, clientSecret } = createApplication({ ...appInput(opts), name: opts.name ?? '', type: opts.type ?? '' }, Date.now(), issuerRules(opts))
        await store.applications.insert(record)
        await recordAdminChange(store, { action: 'application.created', clientId: record.clientId, details: { name: record.name, app_type: record.appType } })
        print(opts, presentApp(record, clientSecret ?? undefined), () =>
          [
            `Created application ${JSON.stringify(record.name)}`,
            appFields(record, clientSecret ? [['client_secret', clientSecret]] : []),
            ...(clientSecret ? ['', SECRET_WARNING] : []),
          ].join('\n'),
        )
      },
      FLAGS,
    ),
  )

  leaf(apps, 'list', 'List applications')
    .alias('ls')
    .action((opts: CommonOptions) =>
      run(opts, async (store) => {
        const all = await listAll((page) => store.applications.list(page))
        print(opts, all.map((a) => presentApp(a)), () =>
          all.length === 0
            ? 'No applications yet: latchkey apps create --name NAME --type spa|native|regular|m2m'
            : table(
                ['CLIENT_ID', 'TYPE', 'NAME'],
                all.map((a) => [a.clientId, a.appType, a.name]),
              ),
        )
      }),
    )

  leaf(apps, 'show <client_id>', 'Show an application')
    .action((clientId: string, opts: CommonOptions) =>
      run(opts, async (store) => {
        const app = await findApp(store, clientId)
        print(opts, presentApp(app), () => appFields(app))
      }),
    )

  leaf(apps, 'update <client_id>', 'Change an application (lists given replace the stored ones)', (cmd) =>
    withAppOptions(cmd.option('-n, --name <name>', 'application name'), true).option(
      '--auth-method <method>',
      'Post or Basic (between secret methods), or private_key_jwt (drops the secret; needs public keys); to go back to a secret use rotate-secret --auth-method',
    ),
  ).action((clientId: string, opts: AppOptions) =>
    run(
      opts,
      async (store) => {
        const input = appInput(opts)
        if (Object.keys(input).length === 0) throw new CliError('nothing to update: pass at least one option (see --help)', 2)
        const updated = await save(store, updateApplication(await findChangeableApp(store, clientId), input, Date.now(), issuerRules(opts)))
        await recordAdminChange(store, { action: 'application.updated', clientId, details: { name: updated.name, fields: Object.keys(input) } })
        print(opts, presentApp(updated), () => `Updated application ${JSON.stringify(updated.name)}\n${appFields(updated)}`)
      },
      FLAGS,
    ),
  )

  leaf(apps, 'delete <client_id>', 'Delete an application and everything issued to it', (cmd) =>
    cmd.alias('rm').option('--force', 'do not ask for confirmation'),
  ).action((clientId: string, opts: AppOptions) =>
    run(opts, async (store) => {
      const app = await findChangeableApp(store, clientId)
      await confirm(`Delete application ${JSON.stringify(app.name)} (${app.clientId}) and its tokens?`, opts.force)
      if (!(await store.applications.delete(clientId))) throw notFound('application with client_id', clientId)
      await recordAdminChange(store, { action: 'application.deleted', clientId, details: { name: app.name } })
      print(opts, { client_id: clientId, deleted: true }, () => `Deleted application ${JSON.stringify(app.name)} (${clientId})`)
    }),
  )

  leaf(apps, 'rotate-secret <client_id>', 'Issue a new client secret; the old one stops working at once', (cmd) =>
    cmd.option('--auth-method <method>', 'Post or Basic: also how the secret is sent (moves a private_key_jwt app to a secret, dropping its keys)'),
  )
    .action((clientId: string, opts: AppOptions) =>
      run(opts, async (store) => {
        const { record, clientSecret } = rotateClientSecret(await findChangeableApp(store, clientId), Date.now(), opts.authMethod)
        const updated = await save(store, record)
        await recordAdminChange(store, { action: 'application.secret_rotated', clientId, details: { name: updated.name } })
        print(opts, presentApp(updated, clientSecret), () =>
          [`New client secret for ${JSON.stringify(updated.name)} (${clientId})`, `  client_secret  ${clientSecret}`, '', SECRET_WARNING].join('\n'),
        )
      }),
    )
}
