/**
 * `latchkey grants …`: client grants, which APIs a machine-to-machine application may get access
 * tokens for with client_credentials, and with which of the API's scopes (Auth0's client grants:
 * an app "authorized" for an API under Machine to Machine Applications).
 */
import { type ClientGrantRecord, createClientGrant, updateClientGrant } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Command } from 'commander'
import { recordAdminChange } from '../audit.js'
import { clientGrantFields, presentClientGrant, table } from '../present.js'
import { type CommonOptions, confirm, group, leaf, list, listAll, notFound, print, run } from '../run.js'

interface GrantOptions extends CommonOptions {
  client?: string
  audience?: string
  scopes?: string[]
  force?: boolean
}

/** Registration field paths → the flags that set them, for error messages. */
const FLAGS = { clientId: '--client', audience: '--audience', scope: '--scopes' }

/** The API an --audience names: its identifier or, for convenience, its id. */
async function resolveAudience(store: Store, value: string): Promise<string> {
  const api = (await store.apis.findByIdentifier(value)) ?? (await store.apis.get(value))
  return api?.identifier ?? value
}

async function findGrant(store: Store, id: string): Promise<ClientGrantRecord> {
  const grant = await store.clientGrants.get(id)
  if (!grant) throw notFound('client grant with id', id)
  return grant
}

export function registerGrants(program: Command): void {
  const grants = group(program, 'grants', 'Manage client grants: the APIs a machine-to-machine app may call (client_credentials)')

  leaf(grants, 'create', 'Let an m2m application get tokens for an API', (cmd) =>
    cmd
      .requiredOption('-c, --client <client_id>', 'the machine-to-machine application')
      .requiredOption('-a, --audience <identifier>', "the API's identifier (or its id)")
      .option('-s, --scopes <scopes>', "the API's scopes it may request, comma-separated (default: none)", list),
  ).action((opts: GrantOptions) =>
    run(
      opts,
      async (store) => {
        const clientId = opts.client ?? ''
        const audience = await resolveAudience(store, opts.audience ?? '')
        const record = createClientGrant(
          { clientId, audience, scope: opts.scopes ?? [] },
          { application: await store.applications.get(clientId), api: await store.apis.findByIdentifier(audience) },
          Date.now(),
        )
        await store.clientGrants.insert(record)
        await recordAdminChange(store, { action: 'client_grant.created', clientId, details: { client_grant_id: record.id, audience, scope: record.scope } })
        print(opts, presentClientGrant(record), () => `Created client grant ${record.id}\n${clientGrantFields(record)}`)
      },
      FLAGS,
    ),
  )

  leaf(grants, 'list', 'List client grants', (cmd) =>
    cmd.option('-c, --client <client_id>', 'only this application').option('-a, --audience <identifier>', "only this API (identifier or id)"),
  )
    .alias('ls')
    .action((opts: GrantOptions) =>
      run(opts, async (store) => {
        const filter = {
          ...(opts.client !== undefined ? { clientId: opts.client } : {}),
          ...(opts.audience !== undefined ? { audience: await resolveAudience(store, opts.audience) } : {}),
        }
        const all = await listAll((page) => store.clientGrants.list({ ...filter, ...page }))
        print(opts, all.map(presentClientGrant), () =>
          all.length === 0
            ? 'No client grants: latchkey grants create --client CLIENT_ID --audience API --scopes a,b'
            : table(
                ['ID', 'CLIENT_ID', 'AUDIENCE', 'SCOPES'],
                all.map((g) => [g.id, g.clientId, g.audience, g.scope]),
              ),
        )
      }),
    )

  leaf(grants, 'show <id>', 'Show a client grant').action((id: string, opts: CommonOptions) =>
    run(opts, async (store) => {
      const grant = await findGrant(store, id)
      print(opts, presentClientGrant(grant), () => clientGrantFields(grant))
    }),
  )

  leaf(grants, 'update <id>', "Replace a client grant's scopes", (cmd) =>
    cmd.requiredOption('-s, --scopes <scopes>', "the API's scopes it may request, comma-separated ('' for none)", list),
  ).action((id: string, opts: GrantOptions) =>
    run(
      opts,
      async (store) => {
        const current = await findGrant(store, id)
        const next = updateClientGrant(current, { scope: opts.scopes ?? [] }, await store.apis.findByIdentifier(current.audience), Date.now())
        const updated = (await store.clientGrants.update(id, { scope: next.scope, updatedAt: next.updatedAt })) ?? next
        await recordAdminChange(store, {
          action: 'client_grant.updated',
          clientId: updated.clientId,
          details: { client_grant_id: id, audience: updated.audience, scope: updated.scope },
        })
        print(opts, presentClientGrant(updated), () => `Updated client grant ${id}\n${clientGrantFields(updated)}`)
      },
      FLAGS,
    ),
  )

  leaf(grants, 'delete <id>', 'Delete a client grant: the application can no longer get tokens for the API', (cmd) =>
    cmd.alias('rm').option('--force', 'do not ask for confirmation'),
  ).action((id: string, opts: GrantOptions) =>
    run(opts, async (store) => {
      const grant = await findGrant(store, id)
      await confirm(`Delete client grant ${id} (${grant.clientId} → ${grant.audience})?`, opts.force)
      if (!(await store.clientGrants.delete(id))) throw notFound('client grant with id', id)
      await recordAdminChange(store, { action: 'client_grant.deleted', clientId: grant.clientId, details: { client_grant_id: id, audience: grant.audience } })
      print(opts, { id, deleted: true }, () => `Deleted client grant ${id} (${grant.clientId} → ${grant.audience})`)
    }),
  )
}
