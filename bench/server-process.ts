/**
 * One benchmark target in a process of its own (`fork`ed by the runner), so that its CPU time and
 * memory are its own: it starts the target named in argv (JSON), tells the runner where it listens,
 * then answers `usage` (process.cpuUsage() and RSS), `profile-start` / `profile-stop` (a V8 CPU
 * profile of one timed run) and `close` over IPC.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import type { ServerRequest, TargetInfo, Usage } from './common.js'
import type { LatchkeyOptions } from './latchkey-target.js'

export type TargetSpec =
  | { readonly kind: 'floor' }
  | { readonly kind: 'oidc-provider' }
  | { readonly kind: 'latchkey'; readonly name: string; readonly db?: string; readonly rateLimits?: 'on' | 'off'; readonly logLevel?: string; readonly redis?: string; readonly rbac?: boolean; readonly emptyAction?: boolean; readonly nonRotating?: boolean; readonly join?: LatchkeyOptions['join'] }

export type ServerMessage =
  | { readonly type: 'ready'; readonly info: TargetInfo; readonly db?: string }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'reply'; readonly id: number; readonly usage?: Usage }

function send(message: ServerMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, () => resolve()))
}

async function start(spec: TargetSpec): Promise<{ info: TargetInfo; db?: string; close(): Promise<void> }> {
  if (spec.kind === 'floor') return (await import('./floor.js')).startFloor()
  if (spec.kind === 'oidc-provider') return (await import('./peer-target.js')).startPeer()
  const { startLatchkey } = await import('./latchkey-target.js')
  const { kind: _, ...options } = spec
  return startLatchkey(options)
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as TargetSpec
  let target: Awaited<ReturnType<typeof start>>
  try {
    target = await start(spec)
  } catch (err) {
    await send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) })
    process.exit(1)
  }
  let profiler: Session | undefined
  process.on('message', (request: ServerRequest) => {
    if (request.type === 'profile-start') {
      profiler = new Session()
      profiler.connect()
      void profiler
        .post('Profiler.enable')
        .then(() => profiler?.post('Profiler.start'))
        .then(() => send({ type: 'reply', id: request.id }))
    } else if (request.type === 'profile-stop') {
      const session = profiler
      profiler = undefined
      void session?.post('Profiler.stop').then(({ profile }) => {
        writeFileSync(request.file, JSON.stringify(profile))
        session.disconnect()
        return send({ type: 'reply', id: request.id })
      })
    } else if (request.type === 'usage') {
      const cpu = process.cpuUsage()
      void send({ type: 'reply', id: request.id, usage: { user: cpu.user, system: cpu.system, rss: process.memoryUsage.rss() } })
    } else if (request.type === 'close') {
      target.close().then(
        () => send({ type: 'reply', id: request.id }).then(() => process.exit(0)),
        () => process.exit(1),
      )
    }
  })
  process.on('disconnect', () => process.exit(0))
  await send({ type: 'ready', info: target.info, ...(target.db ? { db: target.db } : {}) })
}

void main()
