/** Identities: which upstream accounts log in as which user. Being written (issue 13), see connections.ts. */
import type { IdentityRecord } from '@latchkey/core'
import type { Kysely } from 'kysely'
import type { IdentityRepo } from '../contract.js'
import type { Database } from '../kysely/schema.js'

const pending = (verb: string): never => {
  throw new Error(`identities.${verb} is not implemented yet`)
}

export class KyselyIdentityRepo implements IdentityRepo {
  constructor(private readonly db: Kysely<Database>) {}
  async find(_connectionId: string, _providerUserId: string): Promise<IdentityRecord | null> {
    return pending('find')
  }
  async listForUser(_userId: string): Promise<IdentityRecord[]> {
    return pending('listForUser')
  }
  async insert(_record: IdentityRecord): Promise<void> {
    pending('insert')
  }
  async updateProfile(_c: string, _p: string, _profileData: Readonly<Record<string, unknown>>, _now: number): Promise<IdentityRecord | null> {
    return pending('updateProfile')
  }
  async move(_c: string, _p: string, _toUserId: string, _now: number): Promise<IdentityRecord | null> {
    return pending('move')
  }
  async delete(_userId: string, _c: string, _p: string): Promise<boolean> {
    void this.db
    return pending('delete')
  }
}
