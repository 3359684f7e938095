// The loop's last turn before the sanitizer judges it (issue 11, part 4;
// DESIGN.md "What the sanitizer fails"): what is ready runs, and in the auto
// flow the timers due within the next millisecond, for at most a few passes;
// what they throw is a finding; what is still pending after it is judged.
import { describe, expect, it } from 'vitest'
import { installVirtualTime, newEventLoop } from 'vitest-loop/core'
import type { EventLoop } from 'vitest-loop/core'
import { inspectLoop } from '../../src/check/index.ts'
import type { Finding } from '../../src/check/index.ts'
import { siteOf } from '../helpers/site.ts'

/** The test end's last turn as the Vitest layer runs it: 1 ms of timers for the auto flow, none for manual; 3 passes. */
const lastTurn = (loop: EventLoop, flow: 'auto' | 'manual') => loop._lastTurn(flow === 'auto' ? 1 : 0, 3)

function judged(loop: EventLoop): Pick<Finding, 'kind' | 'message'>[] {
  return inspectLoop(loop._snapshot(), 'test').map(({ kind, message }) => ({ kind, message }))
}

const line = (marker: string): number => Number(siteOf(import.meta.url, marker).split(':').pop())

describe('the last turn', () => {
  it("runs a library's `await new Promise((r) => setTimeout(r, 0))` yield caught mid-way, and what follows it", async () => {
    using loop = newEventLoop()
    using _time = installVirtualTime(loop)
    const log: string[] = []
    const refill = setInterval(() => {}, 1000)
    void (async () => {
      await new Promise((resolve) => setTimeout(resolve, 0))
      clearInterval(refill)
      log.push(`cleaned up at ${loop.time()}`)
    })()
    await lastTurn(loop, 'auto')
    expect(log).toEqual(['cleaned up at 1'])
    expect(judged(loop)).toEqual([])
    expect(loop.time()).toBe(1)
  })

  it('leaves time where it was when nothing within the next millisecond ran', async () => {
    using loop = newEventLoop()
    loop.callLater(2, () => {})
    loop.callSoon(() => {})
    await lastTurn(loop, 'auto')
    expect([loop.time(), loop.readyCount, loop.timerCount]).toEqual([0, 0, 1])
  })

  it('still judges a 2 ms timer, an interval and an immediate that keeps re-queueing itself', async () => {
    using loop = newEventLoop()
    using _time = installVirtualTime(loop)
    let ticks = 0
    let polls = 0
    setTimeout(() => {}, 2)
    setInterval(() => ticks++, 1)
    setImmediate(function poll() {
      polls++
      setImmediate(poll) // site: re-queues
    })
    await lastTurn(loop, 'auto')
    expect([ticks, polls]).toEqual([1, 3])
    expect(judged(loop)).toEqual([
      {
        kind: 'pending-callback',
        message:
          "pending setImmediate(poll) was queued again during the loop's last turn after the test: it keeps re-queueing itself; give it an end, or cancel it before the test ends",
      },
      {
        kind: 'pending-timer',
        message: expect.stringMatching(/^pending setTimeout\(anonymous, 2 ms\) due at 2 ms of loop time \(now 1 ms\)/),
      },
      {
        kind: 'pending-timer',
        message: expect.stringMatching(/^pending setInterval\(anonymous, 1 ms\) due at 2 ms of loop time \(now 1 ms\)/),
      },
    ])
    const requeued = inspectLoop(loop._snapshot(), 'test')[0]!
    expect(requeued.frames[0]?.line).toBe(line('re-queues'))
  })

  it('runs at most three passes of a chain', async () => {
    using loop = newEventLoop()
    const ran: number[] = []
    const chain = (n: number): void => {
      ran.push(n)
      loop.callSoon(chain, n + 1)
    }
    loop.callSoon(chain, 1)
    await lastTurn(loop, 'auto')
    expect(ran).toEqual([1, 2, 3])
    expect(loop.readyCount).toBe(1)
  })

  it('makes what a callback throws a finding of the test', async () => {
    using loop = newEventLoop()
    using _time = installVirtualTime(loop)
    setTimeout(() => {
      throw new Error('late')
    }, 0)
    await lastTurn(loop, 'auto')
    expect(judged(loop)).toEqual([
      {
        kind: 'callback-error',
        message: "setTimeout(anonymous, 1 ms) callback threw Error: late: a callback's error has no one to catch it; handle it inside the callback",
      },
    ])
  })

  it('in the manual time flow runs only what is ready: no timer', async () => {
    using loop = newEventLoop()
    using _time = installVirtualTime(loop)
    let ran = 0
    setImmediate(() => ran++)
    setTimeout(() => ran++, 0)
    await lastTurn(loop, 'manual')
    expect(ran).toBe(1)
    expect(judged(loop).map((f) => f.kind)).toEqual(['pending-timer'])
    expect(loop.time()).toBe(0)
  })

  it("leaves unref'd timers exempt", async () => {
    using loop = newEventLoop()
    using _time = installVirtualTime(loop)
    setTimeout(() => {}, 5).unref()
    await lastTurn(loop, 'auto')
    expect(judged(loop)).toEqual([])
  })

  it('does nothing on a closed loop or one a driver is running', async () => {
    const closed = newEventLoop()
    closed.close()
    await lastTurn(closed, 'auto')
    using loop = newEventLoop()
    let ran = 0
    loop.callLater(1000, () => {})
    const running = loop.advance(1000)
    loop.callSoon(() => ran++)
    await lastTurn(loop, 'auto')
    expect(ran).toBe(0)
    await running
    expect(ran).toBe(1)
  })
})
