import type { Command } from 'commander'

/** `latchkey export users` (being written). */
export function registerExportUsers(_exporting: Command): void {}
