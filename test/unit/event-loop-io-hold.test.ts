// The auto time flow holds the jump of time while real I/O started by the test
// is in flight, for at most autojumpThreshold of real time. Loopback only.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installVirtualTime, newEventLoop } from 'vitest-loop/core'
import type { EventLoop } from 'vitest-loop/core'
import { defaultIoProbe } from '../../src/loop/internal/io-probe.ts'
import { pollTurns } from '../../src/loop/internal/turns.ts'
import { probeKeptAliveRequest, restingTypes } from '../helpers/kept-alive-request.ts'

// Captured before any test installs virtual time: the server's real delay.
const realSetTimeout = globalThis.setTimeout

let server: http.Server
let base: string

beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.url === '/never') return // accepts the request and never answers
    if (request.url === '/slow') realSetTimeout(() => response.end('hello'), 20)
    else response.end('hello')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

/** GET `path` with a timeout of `ms` made of setTimeout, as a client library would. */
function get(loop: EventLoop, path: string, ms: number): Promise<{ body: string; at: number }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${base}${path}`, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => {
        clearTimeout(timer)
        resolve({ body, at: loop.time() })
      })
    })
    const timer = setTimeout(() => request.destroy(new Error(`timed out at ${loop.time()} ms`)), ms)
    request.on('error', reject)
  })
}

describe('auto time flow with real I/O in flight', () => {
  it('holds the jump while a request to a local server is in flight: a 5 s timeout does not fire', async () => {
    // The server answers after 20 ms of real time, well within the threshold.
    using loop = newEventLoop({ timeFlow: 'auto', autojumpThreshold: 1000 })
    using _time = installVirtualTime(loop)
    expect(await get(loop, '/slow', 5000)).toEqual({ body: 'hello', at: 0 })
    await sleep(1000) // the I/O is over: time jumps again
    expect(loop.time()).toBe(1000)
  })

  it('without the hold, the same timeout fires before the answer arrives', async () => {
    using loop = newEventLoop({ timeFlow: 'auto', ioProbe: () => false })
    using _time = installVirtualTime(loop)
    await expect(get(loop, '/slow', 5000)).rejects.toThrow('timed out at 5000 ms')
  })

  it('times a request to a server that never answers out at exactly its virtual deadline', async () => {
    using loop = newEventLoop({ timeFlow: 'auto', autojumpThreshold: 20 })
    using _time = installVirtualTime(loop)
    await expect(get(loop, '/never', 5000)).rejects.toThrow('timed out at 5000 ms')
    expect(loop.time()).toBe(5000)
  })

  // Issue 11, part 1: a poll spends its turns (pollTurns), yet real I/O in flight holds the move
  // of time as it holds an idle jump, for at most autojumpThreshold of real time.
  it('holds the move of time under a setImmediate poll while real I/O is in flight', async () => {
    let inFlight = true
    using loop = newEventLoop({ timeFlow: 'auto', ioProbe: () => inFlight, autojumpThreshold: 60_000 })
    using _time = installVirtualTime(loop)
    let fired = false
    setTimeout(() => (fired = true), 5000)
    for (let i = 0; i < 3 * pollTurns; i++) await new Promise((resolve) => setImmediate(resolve))
    expect([fired, loop.time()]).toEqual([false, 0])
    inFlight = false
    let polls = 0
    while (!fired) {
      await new Promise((resolve) => setImmediate(resolve))
      polls++
    }
    expect([loop.time(), polls]).toEqual([5000, 1])
  })

  it('moves time under a poll anyway once real I/O held it for autojumpThreshold', async () => {
    using loop = newEventLoop({ timeFlow: 'auto', ioProbe: () => true, autojumpThreshold: 0 })
    using _time = installVirtualTime(loop)
    let fired = false
    setTimeout(() => (fired = true), 5000)
    let polls = 0
    while (!fired) {
      await new Promise((resolve) => setImmediate(resolve))
      polls++
    }
    expect([loop.time(), polls]).toEqual([5000, pollTurns + 1])
  })

  it('holds the jump while a file is read', async () => {
    using loop = newEventLoop({ timeFlow: 'auto' })
    using _time = installVirtualTime(loop)
    const winner = await Promise.race([readFile(new URL(import.meta.url), 'utf8').then(() => 'file'), sleep(10, 'timer')])
    expect([winner, loop.time()]).toEqual(['file', 0])
  })

  it('holds runUntilComplete the same way', async () => {
    using loop = newEventLoop()
    using _time = installVirtualTime(loop)
    const result = await loop.runUntilComplete(async () => (await get(loop, '/', 5000)).body)
    expect([result, loop.time()]).toEqual(['hello', 0])
  })
})

describe('the default I/O probe', () => {
  it("does not count the test runner's own pipes and ports, nor console output through them", async () => {
    const probe = defaultIoProbe()
    const seen = [probe()]
    console.log('a line of test output')
    seen.push(probe())
    await new Promise((resolve) => setImmediate(resolve))
    seen.push(probe())
    expect(seen).toEqual([false, false, false])
  })

  it('counts a request in flight, but neither a listening server nor its side of a kept-alive connection', async () => {
    const probe = defaultIoProbe()
    expect(probe()).toBe(false)
    expect(await probeKeptAliveRequest(`${base}/`, probe)).toEqual([true, false])
  })

  it('counts a child process until it exits', async () => {
    const probe = defaultIoProbe()
    const child = spawn(process.execPath, ['-e', ''])
    const during = probe()
    await new Promise((resolve) => child.on('close', resolve))
    // Its handles are released in the close phase of the event loop, after this turn's immediates.
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
    expect([during, probe()]).toEqual([true, false])
  })

  it('tells the sides of a connection apart when no socket was active as it was made (a worker thread, here a process with no stdio)', async () => {
    const child = fileURLToPath(new URL('../helpers/io-probe-child.ts', import.meta.url))
    const dir = mkdtempSync(path.join(tmpdir(), 'io-probe-'))
    const out = path.join(dir, 'out.json')
    try {
      const code = await new Promise((resolve, reject) => {
        const run = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', child, out], { stdio: 'ignore' })
        run.on('error', reject)
        run.on('close', resolve)
      })
      expect(code).toBe(0)
      const { types, seen } = JSON.parse(readFileSync(out, 'utf8')) as { types: string[]; seen: boolean[] }
      // Only what is never I/O nor a socket was active: the probe took no snapshot of handles.
      expect(types.filter((type) => !restingTypes.includes(type))).toEqual([])
      expect(seen).toEqual([false, true, false])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
