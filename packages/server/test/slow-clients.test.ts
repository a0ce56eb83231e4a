/**
 * Slow clients cannot pin connections: headers that trickle in, or a body that never finishes, get
 * Node's 408 and a closed socket within the configured timeouts, and the server keeps serving.
 * (Production timeouts are HTTP_TIMEOUTS in src/server.ts; the test uses short ones.)
 */
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { openAndMigrate } from '@latchkey/storage'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { startServer, type RunningServer } from '../src/server.js'
import { freePort } from './support/harness.js'

const TIMEOUTS = { headersMs: 600, requestMs: 1_200, keepAliveMs: 500, checkIntervalMs: 100 }

/** Writes `chunks` one every `everyMs` until the server closes the socket; returns what it answered. */
function trickle(port: number, chunks: string[], everyMs: number): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const socket: Socket = connect(port, '127.0.0.1')
    let answer = ''
    let i = 0
    const timer = setInterval(() => {
      if (i < chunks.length && !socket.destroyed) socket.write(chunks[i++] as string)
    }, everyMs)
    socket.on('data', (d) => (answer += d))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearInterval(timer)
      resolve({ answer, closedAfterMs: Date.now() - started })
    })
    setTimeout(() => {
      clearInterval(timer)
      socket.destroy()
      reject(new Error(`the server kept a slow connection open for 10 s (answered: ${JSON.stringify(answer)})`))
    }, 10_000)
  })
}

describe('slow clients', () => {
  let running: RunningServer
  let port = 0
  before(async () => {
    port = await freePort()
    const config = loadConfig({ port, host: '127.0.0.1', db: 'sqlite::memory:', logLevel: 'silent' }, {})
    running = await startServer(config, { store: await openAndMigrate(config.db), log: createLogger('silent'), httpTimeouts: TIMEOUTS })
  })
  after(() => running.close())

  it('headers sent a byte at a time are cut off with 408 after the headers timeout', async () => {
    const request = 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ' + 'a'.repeat(200)
    const { answer, closedAfterMs } = await trickle(port, request.split(''), 20)
    assert.match(answer, /^HTTP\/1\.1 408/)
    assert.ok(closedAfterMs < 3_000, `closed after ${closedAfterMs} ms`)
  })

  it('a body that never finishes is cut off with 408 after the request timeout', async () => {
    const head = 'POST /oauth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n'
    const { answer, closedAfterMs } = await trickle(port, [head, ...Array.from({ length: 400 }, () => 'a')], 20)
    assert.match(answer, /^HTTP\/1\.1 408/)
    assert.ok(closedAfterMs < 4_000, `closed after ${closedAfterMs} ms`)
  })

  it('keeps serving other clients meanwhile and afterwards', async () => {
    const slow = trickle(port, 'GET /health HTTP/1.1\r\nHost: x\r\n'.split(''), 50)
    const res = await fetch(`http://127.0.0.1:${port}/health`)
    assert.equal(res.status, 200)
    await slow
    assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200)
  })
})
