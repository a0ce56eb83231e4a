import type { Command } from 'commander'

/** `latchkey migration status` (being written). */
export function registerMigration(_program: Command): void {}
