/**
 * `latchkey export …`: moving a tenant out, or keeping a copy. `export users` writes users as JSON,
 * NDJSON, CSV or Auth0's bulk-import format (export-users.ts); `export tenant` writes the
 * configuration as the Auth0 Deploy CLI's tenant.yaml (tenant.ts).
 */
import type { Command } from 'commander'
import { group } from '../run.js'
import { registerExportUsers } from './export-users.js'
import { registerExportTenant } from './tenant.js'

export function registerExport(program: Command): void {
  const exporting = group(program, 'export', "Export users, or the tenant's configuration as the Auth0 Deploy CLI's tenant.yaml")
  registerExportUsers(exporting)
  registerExportTenant(exporting)
}
