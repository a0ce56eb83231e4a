/** `npm run example:cli -- <command>`: the Appointments CLI on this process's terminal. */
import { run } from './program.js'

process.once('SIGINT', () => {
  process.stderr.write('\nCancelled.\n')
  process.exit(130)
})

process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
})
