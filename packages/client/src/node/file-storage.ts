/**
 * A `Storage` in one JSON file for Node programs (CLIs, native apps): readable by the owner only
 * (mode 0600, its directory 0700 when created), replaced atomically (write a temporary file in
 * the same directory, then rename), and written by one operation at a time within a process.
 */
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Storage } from '../storage.js'

const FILE_MODE = 0o600

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')
}

async function load(path: string): Promise<Record<string, string>> {
  let raw: string
  try {
    raw = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw err
  }
  try {
    const parsed: unknown = JSON.parse(raw)
    // A file this store did not write (or a torn one from another tool) is replaced on the next write.
    return isStringRecord(parsed) ? parsed : {}
  } catch {
    return {}
  }
}

async function save(path: string, values: Record<string, string>): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temp, 'wx', FILE_MODE)
  try {
    await handle.writeFile(JSON.stringify(values))
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await chmod(temp, FILE_MODE) // the umask may not remove owner bits, but make sure
    await rename(temp, path)
  } catch (err) {
    await unlink(temp).catch(() => undefined)
    throw err
  }
  await chmod(path, FILE_MODE)
}

/**
 * Keeps the SDK's state in `path` (created on first write). Several processes sharing one file
 * may overwrite each other's last write; give each program its own file.
 */
export function fileStorage(path: string): Storage {
  let queue: Promise<unknown> = Promise.resolve()
  function serialized<T>(operation: () => Promise<T>): Promise<T> {
    const result = queue.then(operation, operation)
    queue = result.catch(() => undefined)
    return result
  }
  return {
    get: (key) => serialized(async () => (await load(path))[key] ?? null),
    set: (key, value) =>
      serialized(async () => {
        const values = await load(path)
        values[key] = value
        await save(path, values)
      }),
    remove: (key) =>
      serialized(async () => {
        const values = await load(path)
        if (!(key in values)) return
        delete values[key]
        await save(path, values)
      }),
  }
}
