/**
 * Connections and the applications each is enabled for. Being written (issue 13): the contract in
 * ../contract.ts is final; these verbs land next.
 */
import type { ConnectionRecord } from '@latchkey/core'
import type { Kysely } from 'kysely'
import type { Checkpoint, CheckpointPage, ConnectionFilter, ConnectionPatch, ConnectionRepo, EnabledConnection, Page, SealedConnectionSecret } from '../contract.js'
import type { Database } from '../kysely/schema.js'

const pending = (verb: string): never => {
  throw new Error(`connections.${verb} is not implemented yet`)
}

export class KyselyConnectionRepo implements ConnectionRepo {
  constructor(private readonly db: Kysely<Database>) {}
  async insert(_record: ConnectionRecord): Promise<void> {
    pending('insert')
  }
  async get(_id: string): Promise<ConnectionRecord | null> {
    return pending('get')
  }
  async findByName(_name: string): Promise<ConnectionRecord | null> {
    return pending('findByName')
  }
  async list(_filter?: ConnectionFilter & Page): Promise<ConnectionRecord[]> {
    return pending('list')
  }
  async count(_filter?: ConnectionFilter): Promise<number> {
    return pending('count')
  }
  async update(_id: string, _patch: ConnectionPatch): Promise<ConnectionRecord | null> {
    return pending('update')
  }
  async delete(_id: string): Promise<boolean> {
    return pending('delete')
  }
  async enabledFor(_clientId: string): Promise<EnabledConnection[]> {
    return pending('enabledFor')
  }
  async setEnabled(_connectionId: string, _clientId: string, _enabled: boolean): Promise<boolean> {
    return pending('setEnabled')
  }
  async listClients(_connectionId: string, _checkpoint?: Checkpoint): Promise<CheckpointPage<string>> {
    return pending('listClients')
  }
  async sealedSecrets(): Promise<SealedConnectionSecret[]> {
    return pending('sealedSecrets')
  }
  async replaceSealedClientSecret(_id: string, _expected: string, _replacement: string): Promise<boolean> {
    void this.db
    return pending('replaceSealedClientSecret')
  }
}
