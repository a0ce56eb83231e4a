/**
 * A `Storage` in memory that remembers what it holds, so a login can run without touching the token
 * file and be written there only once it has succeeded.
 */
import type { Storage } from '@latchkey/client'

export interface StagingStorage extends Storage {
  /** Copies every value into `target`. */
  copyTo(target: Storage): Promise<void>
}

export function stagingStorage(): StagingStorage {
  const values = new Map<string, string>()
  return {
    async get(key) {
      return values.get(key) ?? null
    },
    async set(key, value) {
      values.set(key, value)
    },
    async remove(key) {
      values.delete(key)
    },
    async copyTo(target) {
      for (const [key, value] of values) await target.set(key, value)
    },
  }
}
