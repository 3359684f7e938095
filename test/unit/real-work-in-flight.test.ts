// What the stall check counts as real work that may still settle a test's
// promise: thread-pool jobs and real timers Node does not list, resources it
// does, and Vitest's own calls to the main process.
import { AsyncResource } from 'node:async_hooks'
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  beginTestWork,
  endTestWork,
  heldTimers,
  ours,
  realWorkMark,
  resourcesAboveBaseline,
  rpcCallsInFlight,
  trackedWork,
  watchRealWork,
  withRunnerTimer,
} from '../../src/vitest/real-work.ts'

watchRealWork()

describe('trackedWork', () => {
  it('counts a thread-pool job Node does not list until its callback runs', async () => {
    const mark = realWorkMark()
    const done = new Promise((resolve) => crypto.pbkdf2('secret', 'salt', 1, 32, 'sha256', resolve))
    expect(process.getActiveResourcesInfo()).not.toContain('PBKDF2REQUEST')
    expect(trackedWork(mark)).toContain('a PBKDF2REQUEST in flight')
    await done
    expect(trackedWork(mark)).not.toContain('a PBKDF2REQUEST in flight')
  })

  it('sees the end of the crypto jobs tests await most: keys, random bytes, scrypt, WebCrypto digests', async () => {
    const mark = realWorkMark()
    const jobs = Promise.all([
      new Promise((resolve) => crypto.generateKeyPair('ec', { namedCurve: 'P-256' }, resolve)),
      new Promise((resolve) => crypto.randomBytes(16, resolve)),
      new Promise((resolve) => crypto.scrypt('secret', 'salt', 16, resolve)),
      crypto.subtle.digest('SHA-256', new Uint8Array(16)),
    ])
    expect(trackedWork(mark).filter((what) => what.includes('REQUEST')).sort()).toEqual([
      'a HASHREQUEST in flight',
      'a KEYPAIRGENREQUEST in flight',
      'a RANDOMBYTESREQUEST in flight',
      'a SCRYPTREQUEST in flight',
    ])
    await jobs
    expect(trackedWork(mark).filter((what) => what.includes('REQUEST'))).toEqual([])
  })

  it('drops a crypto job that ran synchronously (pbkdf2Sync, scryptSync): it ended inside the call', () => {
    const mark = realWorkMark()
    crypto.pbkdf2Sync('secret', 'salt', 1, 32, 'sha256')
    crypto.scryptSync('secret', 'salt', 16)
    expect(trackedWork(mark).filter((what) => what.includes('REQUEST'))).toEqual([])
  })

  it('counts a worker thread from its start (when Node may list nothing for it yet) until it exits', async () => {
    const mark = realWorkMark()
    const worker = new Worker('require("node:worker_threads").parentPort.postMessage("ready")', { eval: true })
    expect(trackedWork(mark)).toContain('a WORKER in flight')
    expect(await new Promise((resolve) => worker.once('message', resolve))).toBe('ready')
    await new Promise((resolve) => worker.once('exit', resolve))
    expect(trackedWork(mark)).not.toContain('a WORKER in flight')
  })

  it('counts a zlib handle while it compresses', async () => {
    const mark = realWorkMark()
    const done = new Promise((resolve) => zlib.gzip(Buffer.alloc(1000), resolve))
    expect(trackedWork(mark)).toContain('a ZLIB in flight')
    await done
    expect(trackedWork(mark)).not.toContain('a ZLIB in flight')
  })

  it("counts an unref'd real timer until it is cleared, but not the runner's timeout timer nor ours", () => {
    // Vitest's own real timers (this test's timeout among them) are in flight too: count ours.
    const timers = (): number => trackedWork(realWorkMark()).filter((what) => what === 'a Timeout in flight').length
    const before = timers()
    const timer = setTimeout(() => {}, 60_000).unref()
    expect(timers()).toBe(before + 1)
    clearTimeout(timer)
    expect(timers()).toBe(before)

    const runner = withRunnerTimer(5000, () => setTimeout(() => {}, 5000).unref())
    const own = ours(() => setTimeout(() => {}, 5000).unref())
    expect(timers()).toBe(before)
    clearTimeout(runner)
    clearTimeout(own)
  })

  it('sweeps the real timers it holds as they are cleared (Vitest makes a few per test), and keeps counting a live one', () => {
    const timers = (): number => trackedWork(realWorkMark()).filter((what) => what === 'a Timeout in flight').length
    const live = setTimeout(() => {}, 60_000).unref()
    const before = timers()
    // No look in between, as in a run of passing tests: only the sweeps as the set grows keep it small.
    for (let i = 0; i < 1000; i++) clearTimeout(setTimeout(() => {}, 5000))
    expect(heldTimers()).toBeLessThan(200)
    expect(timers()).toBe(before)
    clearTimeout(live)
    expect(timers()).toBe(before - 1)
  })

  it('counts work of unknown kinds, whose end it cannot see, for the tests running when it started', () => {
    const test = beginTestWork()
    const work = new AsyncResource('SOME_ADDON_WORK')
    expect(trackedWork(test)).toContain('a SOME_ADDON_WORK in flight')
    work.runInAsyncScope(() => {})
    expect(trackedWork(test)).toContain('a SOME_ADDON_WORK in flight')
    // a test that began after it does not wait on it
    const later = beginTestWork()
    expect(trackedWork(later)).not.toContain('a SOME_ADDON_WORK in flight')
    endTestWork(later)
    endTestWork(test)
  })
})

describe('resourcesAboveBaseline', () => {
  it('counts every kind of live resource above the fewest seen, servers included', async () => {
    resourcesAboveBaseline()
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    expect(resourcesAboveBaseline()).toBe('1 TCPServerWrap')
    await new Promise((resolve) => server.close(resolve))
    // The handle leaves Node's list a turn or two of the event loop after its close callback.
    for (let turn = 0; turn < 5 && process.getActiveResourcesInfo().includes('TCPServerWrap'); turn++) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(resourcesAboveBaseline() ?? '').not.toContain('TCPServerWrap')
  })
})

describe('rpcCallsInFlight', () => {
  it("counts Vitest's calls to the main process until they are answered", async () => {
    const rpc = (globalThis as unknown as { __vitest_worker__: { rpc: { getCountOfFailedTests(): Promise<number> } } }).__vitest_worker__.rpc
    // Vitest's own calls (task updates) may be in flight beside ours, more so on a
    // loaded machine: start and end where none is (each wait bounded).
    const noneInFlight = async (): Promise<void> => {
      const cap = Date.now() + 10_000
      while (rpcCallsInFlight() > 0 && Date.now() < cap) await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await noneInFlight()
    expect(rpcCallsInFlight()).toBe(0)
    const answer = rpc.getCountOfFailedTests()
    expect(rpcCallsInFlight()).toBe(1)
    await answer
    await noneInFlight()
    expect(rpcCallsInFlight()).toBe(0)
  })

  it('wraps each method once, however often Vitest reads it (the RPC makes a new function on every read)', () => {
    const worker = (globalThis as unknown as { __vitest_worker__: { rpc: Record<string, unknown> } }).__vitest_worker__
    expect(typeof worker.rpc.getCountOfFailedTests).toBe('function')
    expect(worker.rpc.getCountOfFailedTests).toBe(worker.rpc.getCountOfFailedTests)
    expect(typeof (worker.rpc.getCountOfFailedTests as { asEvent?: unknown }).asEvent).toBe('function')
  })
})

describe('the cost of the hook on promises', () => {
  it('leaves promises out where Node allows it (trackPromises, Node 24.21+); older Nodes give every promise an async id', () => {
    const child = fileURLToPath(new URL('../helpers/promise-ids-child.ts', import.meta.url))
    const out = execFileSync(process.execPath, ['--no-warnings', '--import', 'tsx', child], { encoding: 'utf8' })
    const { supported, idInPromiseJob } = JSON.parse(out) as { supported: boolean; idInPromiseJob: number }
    if (supported) expect(idInPromiseJob).toBe(0)
    else expect(idInPromiseJob).toBeGreaterThan(0)
  })
})
