import { ConflictError } from '../contract.js'

/** SQLite (better-sqlite3) and PostgreSQL (23505) report a taken unique key or primary key. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false
  const { code } = error
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505'
}

/** Runs a write, turning a unique violation into ConflictError(message). */
export async function rejectDuplicate<T>(message: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(message)
    throw error
  }
}
