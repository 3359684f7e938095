// fetch's undici queues a setImmediate through the patched global after a
// response: Node's plumbing, not the test's work. It is handed back to the
// real event loop instead of being reported.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installVirtualTime, newEventLoop } from 'vitest-loop/core'
import type { EventLoop, Handle } from 'vitest-loop/core'
import { inspectLoop } from '../../src/check/findings.ts'
import { handNodeWorkToHost } from '../../src/time/hand-over.ts'
import { setTraceRealIo } from '../../src/loop/trace.ts'
import { watchRealWork } from '../../src/vitest/real-work.ts'

describe('handNodeWorkToHost', () => {
  // What the setup file does first: the hook that sees network I/O start.
  watchRealWork()
  const server = createServer((_, res) => res.end('pong'))
  let url = ''
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  /**
   * Fetches from the server with virtual time on `loop` (after `before`), and
   * returns the pending work Node's internals left on it, which the sanitizer
   * must not report.
   */
  async function fetchOn(loop: EventLoop, before?: () => void): Promise<Handle[]> {
    const installation = installVirtualTime(loop)
    try {
      before?.()
      const response = await fetch(url)
      expect(await response.text()).toBe('pong')
    } finally {
      installation.uninstall()
    }
    const byNode = loop._snapshot().handles.filter((handle) => handle.trace?.byNode)
    expect(byNode.length).toBeGreaterThan(0)
    expect(inspectLoop(loop._snapshot(), 'test')).toEqual([])
    return byNode
  }

  it("moves what Node's internals queued on the loop to the real event loop, and the sanitizer never reports it", async () => {
    const loop = newEventLoop({ timeFlow: 'manual' })
    const byNode = await fetchOn(loop)

    const ran: unknown[] = []
    for (const handle of byNode) {
      const callback = handle.callback!
      ;(handle as unknown as { _callback: unknown })._callback = (...args: unknown[]) => {
        ran.push(handle)
        return callback(...args)
      }
    }
    expect(handNodeWorkToHost(loop)).toBe(byNode.length)
    expect(loop._snapshot().handles.filter((handle) => handle.trace?.byNode)).toEqual([])
    await new Promise((resolve) => setImmediate(resolve))
    // The immediates ran on the real loop; a timer of Node's keeps its remaining delay there.
    const immediates = byNode.filter((handle) => handle.kind === 'immediate')
    expect(immediates.length).toBeGreaterThan(0)
    expect(ran).toEqual(expect.arrayContaining(immediates))
    loop.close()
  })

  it("tells Node's plumbing from the test's work past the trace budget: network I/O in the worker turns full traces on", async () => {
    const loop = newEventLoop({ timeFlow: 'manual', traces: 10 })
    const byNode = await fetchOn(loop, () => {
      for (let i = 0; i < 20; i++) clearTimeout(setTimeout(() => {}, 10))
    })
    expect(handNodeWorkToHost(loop)).toBe(byNode.length)
    loop.close()
  })

  it('without network I/O in the worker, a creation past the budget is only numbered', () => {
    setTraceRealIo(false)
    const loop = newEventLoop({ timeFlow: 'manual', traces: 0 })
    expect(typeof loop.callSoon(() => {})._origin).toBe('number')
    setTraceRealIo(true)
    expect(loop.callSoon(() => {}).trace?.site?.file).toContain('hand-over-node-work.test.ts')
    loop.close()
  })
})
