// The order in which the loop calls things: asyncio's passes, Node's timer order,
// and promise jobs between callbacks for the async drivers only.
import { describe, expect, it } from 'vitest'
import { newEventLoop } from 'vitest-loop'
import type { EventLoop } from 'vitest-loop'

describe('callSoon', () => {
  it('calls callbacks in the order they were scheduled', () => {
    const loop = newEventLoop()
    const log: number[] = []
    for (let i = 0; i < 10; i++) loop.callSoon(() => log.push(i))
    loop.runUntilIdleSync()
    expect(log).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    loop.close()
  })

  it('passes its extra arguments to the callback', () => {
    const loop = newEventLoop()
    const seen: unknown[][] = []
    loop.callSoon((a: number, b: string) => seen.push([a, b]), 1, 'two')
    loop.callSoon((...args: unknown[]) => seen.push(args))
    loop.runUntilIdleSync()
    expect(seen).toEqual([[1, 'two'], []])
    loop.close()
  })

  it('does not call a handle cancelled before its turn, even within the same pass', () => {
    const loop = newEventLoop()
    const log: string[] = []
    loop.callSoon(() => {
      log.push('a')
      b.cancel()
    })
    const b = loop.callSoon(() => log.push('b'))
    loop.callSoon(() => log.push('c'))
    loop.runUntilIdleSync()
    expect(log).toEqual(['a', 'c'])
    expect(b.cancelled).toBe(true)
    loop.close()
  })

  it('runs a callback scheduled during a pass on the next pass, not the current one', async () => {
    const loop = newEventLoop()
    const log: string[] = []
    loop.callSoon(() => {
      log.push('a')
      loop.callSoon(() => log.push('c'))
      loop.stop() // the pass still finishes: b runs, c waits for the next pass
    })
    loop.callSoon(() => log.push('b'))
    await loop.runForever()
    expect(log).toEqual(['a', 'b'])
    expect(loop.readyCount).toBe(1)
    await loop.runUntilIdle()
    expect(log).toEqual(['a', 'b', 'c'])
    loop.close()
  })

  it('runs timers due at the start of a pass after the callbacks already ready', () => {
    const loop = newEventLoop()
    const log: string[] = []
    loop.callLater(0, () => log.push('timer'))
    loop.callSoon(() => {
      log.push('soon-1')
      loop.callSoon(() => log.push('soon-3'))
    })
    loop.callSoon(() => log.push('soon-2'))
    loop.runUntilIdleSync()
    expect(log).toEqual(['soon-1', 'soon-2', 'timer', 'soon-3'])
    loop.close()
  })
})

describe('callLater / callAt', () => {
  it('fires timers by due time, and timers due at the same time in creation order', () => {
    const loop = newEventLoop()
    const log: string[] = []
    const at = (name: string) => () => log.push(`${name}@${loop.time()}`)
    loop.callLater(20, at('a'))
    loop.callLater(10, at('b'))
    loop.callAt(10, at('c'))
    loop.callLater(10, at('d'))
    loop.callLater(0, at('e'))
    loop.callAt(5, at('f'))
    loop.callAt(10, at('g'))
    loop.runUntilIdleSync()
    expect(log).toEqual(['e@0', 'f@5', 'b@10', 'c@10', 'd@10', 'g@10', 'a@20'])
    loop.close()
  })

  it('fires a timer scheduled for the current instant after the timers already due then', () => {
    const loop = newEventLoop()
    const log: string[] = []
    loop.callLater(10, () => {
      log.push('first')
      loop.callLater(0, () => log.push(`late@${loop.time()}`))
    })
    loop.callLater(10, () => log.push('second'))
    loop.runUntilIdleSync()
    expect(log).toEqual(['first', 'second', 'late@10'])
    loop.close()
  })

  it('reports the due time and delay of a timer', () => {
    const loop = newEventLoop()
    loop.advanceSync(100)
    const later = loop.callLater(50, () => {})
    const at = loop.callAt(130, () => {})
    const past = loop.callAt(40, () => {})
    expect([later.when, later.delay]).toEqual([150, 50])
    expect([at.when, at.delay]).toEqual([130, 30])
    expect([past.when, past.delay]).toEqual([40, 0])
    loop.close()
  })

  it('runs a callAt in the past on the next pass, without moving time back', () => {
    const loop = newEventLoop()
    loop.advanceSync(100)
    let ranAt = -1
    loop.callAt(40, () => (ranAt = loop.time()))
    loop.runUntilIdleSync()
    expect(ranAt).toBe(100)
    loop.close()
  })

  it('never calls a cancelled timer', () => {
    const loop = newEventLoop()
    const log: string[] = []
    const t = loop.callLater(10, () => log.push('cancelled'))
    loop.callLater(10, () => log.push('kept'))
    t.cancel()
    expect(loop.timerCount).toBe(1)
    loop.runUntilIdleSync()
    expect(log).toEqual(['kept'])
    expect(t.cancelled).toBe(true)
    loop.close()
  })
})

/** At t=10: `a` queues a promise job, then `b` runs; at t=20 a timer stops runForever. */
function scheduleJobProbe(loop: EventLoop, log: string[]): void {
  loop.callLater(10, () => {
    log.push('a')
    void Promise.resolve().then(() => log.push('job of a'))
  })
  loop.callLater(10, () => log.push('b'))
}

describe('async drivers', () => {
  const drivers: [string, (loop: EventLoop) => Promise<unknown>][] = [
    ['advance', (loop) => loop.advance(10)],
    ['advanceTo', (loop) => loop.advanceTo(10)],
    ['next', (loop) => loop.next()],
    ['runUntilIdle', (loop) => loop.runUntilIdle()],
    ['runUntilComplete', (loop) => loop.runUntilComplete(loop.sleep(10))],
    [
      'runForever',
      (loop) => {
        loop.callLater(10, () => loop.stop())
        return loop.runForever()
      },
    ],
  ]

  it.each(drivers)('%s runs a promise job queued by a callback before the next callback', async (_name, drive) => {
    const loop = newEventLoop()
    const log: string[] = []
    scheduleJobProbe(loop, log)
    await drive(loop)
    expect(log).toEqual(['a', 'job of a', 'b'])
    expect(loop.time()).toBe(10)
    loop.close()
  })

  it.each(drivers)('%s first runs the promise jobs queued before it was called', async (_name, drive) => {
    const loop = newEventLoop()
    const log: string[] = []
    scheduleJobProbe(loop, log)
    void Promise.resolve().then(() => log.push('job queued before the driver'))
    await drive(loop)
    expect(log).toEqual(['job queued before the driver', 'a', 'job of a', 'b'])
    loop.close()
  })

  /** A continuation pending when the driver is called schedules a timer for time 5. */
  function scheduleFromContinuation(loop: EventLoop, log: string[]): void {
    const later = async (): Promise<void> => {
      await null
      // Scheduled at time 0, for time 5, if the driver has not moved time yet.
      loop.callLater(5, () => log.push(`continuation's timer@${loop.time()}`))
    }
    void later()
  }

  it.each(drivers.filter(([name]) => name !== 'next'))(
    '%s sees work that a pending continuation schedules, at the time it was scheduled',
    async (_name, drive) => {
      const loop = newEventLoop()
      const log: string[] = []
      scheduleFromContinuation(loop, log)
      scheduleJobProbe(loop, log)
      await drive(loop)
      expect(log).toEqual([`continuation's timer@5`, 'a', 'job of a', 'b'])
      loop.close()
    },
  )

  it('next stops at the timer a pending continuation schedules', async () => {
    const loop = newEventLoop()
    const log: string[] = []
    scheduleFromContinuation(loop, log)
    scheduleJobProbe(loop, log)
    expect(await loop.next()).toBe(5)
    expect(log).toEqual([`continuation's timer@5`])
    loop.close()
  })

  it('lets a task continue after each await before the next callback runs', async () => {
    const loop = newEventLoop()
    const log: string[] = []
    loop.createTask(async () => {
      log.push('task starts')
      await null
      log.push('task after await 1')
      await null
      log.push('task after await 2')
    })
    loop.callSoon(() => log.push('callback'))
    await loop.runUntilIdle()
    expect(log).toEqual(['task starts', 'task after await 1', 'task after await 2', 'callback'])
    loop.close()
  })
})

describe('sync twins', () => {
  const twins: [string, (loop: EventLoop) => number][] = [
    ['advanceSync', (loop) => loop.advanceSync(10)],
    ['advanceToSync', (loop) => loop.advanceToSync(10)],
    ['nextSync', (loop) => loop.nextSync()],
    ['runUntilIdleSync', (loop) => loop.runUntilIdleSync()],
  ]

  it.each(twins)('%s does not wait for promise jobs queued before it was called', async (_name, drive) => {
    const loop = newEventLoop()
    const log: string[] = []
    scheduleJobProbe(loop, log)
    void Promise.resolve().then(() => log.push('job queued before the driver'))
    drive(loop)
    expect(log).toEqual(['a', 'b'])
    await Promise.resolve()
    expect(log).toEqual(['a', 'b', 'job queued before the driver', 'job of a'])
    loop.close()
  })

  it.each(twins)('%s calls back to back, leaving promise jobs until it returns', async (_name, drive) => {
    const loop = newEventLoop()
    const log: string[] = []
    scheduleJobProbe(loop, log)
    expect(drive(loop)).toBe(10)
    expect(log).toEqual(['a', 'b'])
    await Promise.resolve()
    expect(log).toEqual(['a', 'b', 'job of a'])
    loop.close()
  })
})
