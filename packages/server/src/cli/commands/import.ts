/**
 * `latchkey import …`: moving a tenant in. `import users FILE` takes Auth0's bulk-import format
 * (import-users.ts); `import tenant tenant.yaml` takes the Auth0 Deploy CLI's export (tenant.ts).
 */
import type { Command } from 'commander'
import { group } from '../run.js'
import { registerImportUsers } from './import-users.js'
import { registerImportTenant } from './tenant.js'

export function registerImport(program: Command): void {
  const importing = group(program, 'import', "Import users (Auth0's bulk-import format) or a tenant's configuration (the Auth0 Deploy CLI's tenant.yaml)")
  registerImportUsers(importing)
  registerImportTenant(importing)
}
