import type { Command } from 'commander'

/** `latchkey import users FILE` (being written). */
export function registerImportUsers(_importing: Command): void {}
