/**
 * A second process on the same database, for the SQLite sharing tests:
 *   child-store.ts migrate <url> <at>     migrate at epoch ms <at> (a start line shared by several
 *                                         children, so their migrations overlap), print "migrated"
 *   child-store.ts hold <url> <ms> <id>   insert user <id> in a transaction held open <ms>, print
 *                                         "holding" once the write lock is taken, "committed" after
 *   child-store.ts insert <url> - <id>    print "ready", insert user <id> (waiting out any lock),
 *                                         print "inserted"
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { openStore } from '../../src/open.js'
import { T0, user } from '../fixtures.js'

const [mode, url, ms, id] = process.argv.slice(2)
if (url === undefined) throw new Error('usage: child-store.ts migrate <url> <at> | hold <url> <ms> <id> | insert <url> - <id>')
const store = await openStore(url)
try {
  if (mode === 'migrate') {
    await sleep(Math.max(0, Number(ms) - Date.now()))
    await store.migrate()
    process.stdout.write('migrated\n')
  } else if (mode === 'hold') {
    await store.transaction(async (tx) => {
      await tx.users.insert(user({ id: id ?? 'auth0|held', createdAt: T0 }))
      process.stdout.write('holding\n')
      await sleep(Number(ms))
    })
    process.stdout.write('committed\n')
  } else if (mode === 'insert') {
    process.stdout.write('ready\n')
    await store.users.insert(user({ id: id ?? 'auth0|inserted', createdAt: T0 }))
    process.stdout.write('inserted\n')
  } else {
    throw new Error(`unknown mode ${mode}`)
  }
} finally {
  await store.close()
}
