// The thread support/cli.ts runs `latchkey` commands on: main.ts with an io of each command's own
// (output collected, stdin holding the given input and not a TTY, the given environment), one
// command at a time. A thread of its own, so a command waiting for SQLite's write lock (the busy
// timeout blocks its thread) never blocks a server the test runs on the same file, as with a process.
import { Readable } from 'node:stream'
import { parentPort } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../../src/cli/main.ts')

parentPort.on('message', async ({ id, argv, env, input }) => {
  let stdout = ''
  let stderr = ''
  const io = {
    stdout: { write: (text) => (stdout += text) },
    stderr: { write: (text) => (stderr += text) },
    stdin: Object.assign(Readable.from(input === undefined ? [] : [Buffer.from(input)]), { isTTY: false }),
    env,
    exitCode: undefined,
    exit(code) {
      this.exitCode = code
    },
  }
  try {
    await main(argv, io)
  } catch (error) {
    // What node prints for an error nothing caught, and its exit code.
    stderr += `${error?.stack ?? String(error)}\n`
    io.exitCode = 1
  }
  parentPort.postMessage({ id, result: { code: io.exitCode ?? 0, stdout, stderr } })
})
