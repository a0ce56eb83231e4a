import type { Command } from 'commander'

/** `latchkey import tenant` (being written). */
export function registerImportTenant(_importing: Command): void {}

/** `latchkey export tenant` (being written). */
export function registerExportTenant(_exporting: Command): void {}
