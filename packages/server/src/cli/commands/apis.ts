/** `latchkey apis …`: register and manage APIs (resource servers; the identifier is the audience), like `auth0 apis`. */
import { type ApiInput, type ApiRecord, checkApiChangeable, createApi, type TokenDialect, updateApi } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Command } from 'commander'
import { recordAdminChange } from '../audit.js'
import { apiFields, presentApi, rbacSummary, table } from '../present.js'
import { CliError, type CommonOptions, confirm, defined, group, leaf, list, listAll, notFound, print, run, seconds } from '../run.js'

interface ApiOptions extends CommonOptions {
  name?: string
  identifier?: string
  scopes?: string[]
  offlineAccess?: boolean
  tokenLifetime?: number
  skipConsent?: boolean
  signingAlg?: string
  rbac?: boolean
  permissionsInToken?: boolean
  force?: boolean
}

const FLAGS = { name: '--name', identifier: '--identifier', scopes: '--scopes', tokenLifetime: '--token-lifetime', signingAlg: '--signing-alg' }

function withApiOptions(cmd: Command): Command {
  return cmd
    .option('-s, --scopes <scopes>', 'scopes, comma-separated (e.g. read:letters,write:letters)', list)
    .option('-o, --offline-access', 'allow refresh tokens (offline_access) for this API')
    .option('--no-offline-access', 'do not allow refresh tokens')
    .option('-l, --token-lifetime <seconds>', 'access-token lifetime (default 86400)', seconds)
    .option('--skip-consent', 'first-party apps skip the consent page (the default)')
    .option('--no-skip-consent', 'always ask for consent, first-party apps included')
    .option('--signing-alg <alg>', 'access-token signing algorithm: RS256 (default), ES256 or EdDSA')
    .option('--rbac', "enable RBAC: users' access tokens carry only the requested scopes their permissions allow (latchkey roles)")
    .option('--no-rbac', 'disable RBAC (the default): access tokens carry the requested scopes')
    .option('--permissions-in-token', "add the user's permissions for this API to their access tokens (the permissions claim)")
    .option('--no-permissions-in-token', 'no permissions claim (the default)')
}

/** The token dialect with or without `_authz` (the permissions claim), keeping the profile (`rfc9068_profile`) of `current`. */
function dialect(permissionsInToken: boolean | undefined, current: TokenDialect = 'access_token'): TokenDialect | undefined {
  if (permissionsInToken === undefined) return undefined
  const base = current.replace(/_authz$/, '') as 'access_token' | 'rfc9068_profile'
  return permissionsInToken ? `${base}_authz` : base
}

function apiInput(o: ApiOptions, current?: ApiRecord): Partial<ApiInput> {
  return defined({
    name: o.name,
    scopes: o.scopes,
    allowOfflineAccess: o.offlineAccess,
    tokenLifetime: o.tokenLifetime,
    skipConsentForFirstParty: o.skipConsent,
    // Checked by the registration rules, which name the flag when it is not one of the three.
    signingAlg: o.signingAlg as ApiInput['signingAlg'],
    enforcePolicies: o.rbac,
    tokenDialect: dialect(o.permissionsInToken, current?.tokenDialect),
  })
}

/** By id, or by identifier (the audience). */
async function findApi(store: Store, idOrIdentifier: string): Promise<ApiRecord> {
  const api = (await store.apis.get(idOrIdentifier)) ?? (await store.apis.findByIdentifier(idOrIdentifier))
  if (!api) throw notFound('API with id or identifier', idOrIdentifier)
  return api
}

export function registerApis(program: Command): void {
  const apis = group(program, 'apis', 'Manage APIs (resource servers); the identifier is the audience')

  leaf(apis, 'create', 'Register an API', (cmd) =>
    withApiOptions(
      cmd
        .requiredOption('-n, --name <name>', 'API name')
        .requiredOption('-i, --identifier <audience>', 'the audience, e.g. https://api.example.com/ (exact string; cannot change later)'),
    ),
  ).action((opts: ApiOptions) =>
    run(
      opts,
      async (store) => {
        const api = createApi({ ...apiInput(opts), name: opts.name ?? '', identifier: opts.identifier ?? '' }, Date.now())
        await store.apis.insert(api)
        await recordAdminChange(store, { action: 'api.created', details: { api_id: api.id, identifier: api.identifier, name: api.name } })
        print(opts, presentApi(api), () => `Created API ${JSON.stringify(api.name)}\n${apiFields(api)}`)
      },
      FLAGS,
    ),
  )

  leaf(apis, 'list', 'List APIs')
    .alias('ls')
    .action((opts: CommonOptions) =>
      run(opts, async (store) => {
        const all = await listAll((page) => store.apis.list(page))
        print(opts, all.map(presentApi), () =>
          all.length === 0
            ? 'No APIs yet: latchkey apis create --name NAME --identifier AUDIENCE --scopes a,b'
            : table(
                ['ID', 'IDENTIFIER', 'NAME', 'RBAC', 'SCOPES'],
                all.map((a) => [a.id, a.identifier, a.name, rbacSummary(a), a.scopes.map((s) => s.value)]),
              ),
        )
      }),
    )

  leaf(apis, 'show <id-or-identifier>', 'Show an API')
    .action((id: string, opts: CommonOptions) =>
      run(opts, async (store) => {
        const api = await findApi(store, id)
        print(opts, presentApi(api), () => apiFields(api))
      }),
    )

  leaf(apis, 'update <id-or-identifier>', 'Change an API (--scopes replaces the list; the identifier cannot change)', (cmd) =>
    withApiOptions(cmd.option('-n, --name <name>', 'API name')),
  ).action((id: string, opts: ApiOptions) =>
    run(
      opts,
      async (store) => {
        if (Object.keys(apiInput(opts)).length === 0) throw new CliError('nothing to update: pass at least one option (see --help)', 2)
        const current = await findApi(store, id)
        const input = apiInput(opts, current)
        const { id: apiId, identifier: _identifier, createdAt: _createdAt, ...patch } = updateApi(current, input, Date.now())
        const updated = (await store.apis.update(apiId, patch)) ?? current
        await recordAdminChange(store, { action: 'api.updated', details: { api_id: apiId, identifier: updated.identifier, fields: Object.keys(input) } })
        print(opts, presentApi(updated), () => `Updated API ${JSON.stringify(updated.name)}\n${apiFields(updated)}`)
      },
      FLAGS,
    ),
  )

  leaf(apis, 'delete <id-or-identifier>', 'Delete an API', (cmd) => cmd.alias('rm').option('--force', 'do not ask for confirmation'))
    .action((id: string, opts: ApiOptions) =>
      run(opts, async (store) => {
        const api = await findApi(store, id)
        checkApiChangeable(api, 'deleted')
        await confirm(`Delete API ${JSON.stringify(api.name)} (${api.identifier})?`, opts.force)
        if (!(await store.apis.delete(api.id))) throw notFound('API with id or identifier', id)
        await recordAdminChange(store, { action: 'api.deleted', details: { api_id: api.id, identifier: api.identifier, name: api.name } })
        print(opts, { id: api.id, identifier: api.identifier, deleted: true }, () => `Deleted API ${JSON.stringify(api.name)} (${api.identifier})`)
      }),
    )
}
