// Time travel: advance / advanceTo / next / runUntilIdle and their sync twins,
// setSystemTime, and the loopLimit guard against runaway timers.
import { describe, expect, it } from 'vitest'
import { LoopLimitError, newEventLoop } from 'vitest-loop'
import type { EventLoop } from 'vitest-loop'
import { expectError, rejection, thrown } from '../helpers/errors.ts'
import { printedSiteOf } from '../helpers/site.ts'

const epoch = Date.UTC(2030, 0, 1)

/** Timers at 100, 250 and 1000 that log `name@time`. */
function threeTimers(loop: EventLoop): string[] {
  const log: string[] = []
  for (const [name, ms] of [['a', 100], ['b', 250], ['c', 1000]] as const) {
    loop.callLater(ms, () => log.push(`${name}@${loop.time()}`))
  }
  return log
}

/** The async drivers and their sync twins, side by side: both must agree. */
const flavours = [
  {
    name: 'async',
    advance: (loop: EventLoop, ms: number) => loop.advance(ms),
    advanceTo: (loop: EventLoop, when: number | Date) => loop.advanceTo(when),
    next: (loop: EventLoop) => loop.next(),
    runUntilIdle: (loop: EventLoop) => loop.runUntilIdle(),
  },
  {
    name: 'sync',
    advance: async (loop: EventLoop, ms: number) => loop.advanceSync(ms),
    advanceTo: async (loop: EventLoop, when: number | Date) => loop.advanceToSync(when),
    next: async (loop: EventLoop) => loop.nextSync(),
    runUntilIdle: async (loop: EventLoop) => loop.runUntilIdleSync(),
  },
]

describe.each(flavours)('time travel ($name)', (drive) => {
  it('advance(ms) fires what falls due on the way and lands exactly ms later', async () => {
    const loop = newEventLoop()
    const log = threeTimers(loop)
    expect(await drive.advance(loop, 300)).toBe(300)
    expect(log).toEqual(['a@100', 'b@250'])
    expect(loop.time()).toBe(300)
    expect(await drive.advance(loop, 700)).toBe(1000)
    expect(log).toEqual(['a@100', 'b@250', 'c@1000'])
    expect(await drive.advance(loop, 0)).toBe(1000)
    loop.close()
  })

  it('advance(ms) moves time even when nothing is scheduled', async () => {
    const loop = newEventLoop()
    expect(await drive.advance(loop, 12_345)).toBe(12_345)
    loop.close()
  })

  it('advance(ms) runs what timers schedule on the way, up to the target only', async () => {
    const loop = newEventLoop()
    const log: number[] = []
    const tick = (): void => {
      log.push(loop.time())
      loop.callLater(100, tick)
    }
    loop.callLater(100, tick)
    await drive.advance(loop, 350)
    expect(log).toEqual([100, 200, 300])
    expect(loop.timerCount).toBe(1)
    loop.close()
  })

  it('advanceTo(when) goes to a loop time, advanceTo(Date) to a wall-clock instant', async () => {
    const loop = newEventLoop({ now: epoch })
    const log = threeTimers(loop)
    expect(await drive.advanceTo(loop, 250)).toBe(250)
    expect(log).toEqual(['a@100', 'b@250'])
    expect(await drive.advanceTo(loop, new Date(epoch + 1500))).toBe(1500)
    expect(log).toEqual(['a@100', 'b@250', 'c@1000'])
    expect(loop.now()).toBe(epoch + 1500)
    expect(await drive.advanceTo(loop, 1500)).toBe(1500)
    loop.close()
  })

  it('advanceTo a time in the past throws RangeError: time never goes back', async () => {
    const loop = newEventLoop({ now: epoch })
    await drive.advance(loop, 100)
    const message = "Expected `when` to be at or after the loop's time 100, got `50`: time never goes back"
    expectError(await rejection(drive.advanceTo(loop, 50)), RangeError, message)
    expectError(await rejection(drive.advanceTo(loop, new Date(epoch + 50))), RangeError, message)
    expect(loop.time()).toBe(100)
    loop.close()
  })

  it('advance(-1) throws RangeError naming ms', async () => {
    const loop = newEventLoop()
    expectError(
      await rejection(drive.advance(loop, -1)),
      RangeError,
      'Expected `ms` to be a non-negative number, got `-1` (number)',
    )
    loop.close()
  })

  it('next() moves to the next timer and fires it, one instant at a time', async () => {
    const loop = newEventLoop()
    const log = threeTimers(loop)
    loop.callLater(100, () => log.push(`a2@${loop.time()}`))
    expect(await drive.next(loop)).toBe(100)
    expect(log).toEqual(['a@100', 'a2@100'])
    expect(await drive.next(loop)).toBe(250)
    expect(log).toEqual(['a@100', 'a2@100', 'b@250'])
    expect(await drive.next(loop)).toBe(1000)
    expect(await drive.next(loop)).toBe(1000)
    expect(log).toEqual(['a@100', 'a2@100', 'b@250', 'c@1000'])
    loop.close()
  })

  it('next() first runs what is ready now', async () => {
    const loop = newEventLoop()
    const log: string[] = []
    loop.callSoon(() => log.push(`soon@${loop.time()}`))
    loop.callLater(50, () => log.push(`later@${loop.time()}`))
    expect(await drive.next(loop)).toBe(50)
    expect(log).toEqual(['soon@0', 'later@50'])
    loop.close()
  })

  it('runUntilIdle() runs everything, moving time to the last timer', async () => {
    const loop = newEventLoop()
    const log = threeTimers(loop)
    loop.callSoon(() => loop.callLater(5000, () => log.push(`d@${loop.time()}`)))
    expect(await drive.runUntilIdle(loop)).toBe(5000)
    expect(log).toEqual(['a@100', 'b@250', 'c@1000', 'd@5000'])
    expect([loop.readyCount, loop.timerCount]).toEqual([0, 0])
    expect(await drive.runUntilIdle(loop)).toBe(5000)
    loop.close()
  })

  it('runUntilIdle() stops an endless timer chain with LoopLimitError naming where it was created', async () => {
    const loop = newEventLoop({ loopLimit: 50 })
    const tick = (): void => {
      loop.callLater(10, tick) // site: endless timer
    }
    loop.callLater(10, tick)
    const error = await rejection(drive.runUntilIdle(loop))
    expect(error).toBeInstanceOf(LoopLimitError)
    expect((error as LoopLimitError).constructor).toBe(LoopLimitError)
    expect((error as LoopLimitError).code).toBe('ERR_LOOP_LIMIT')
    const site = printedSiteOf(import.meta.url, 'endless timer')
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Aborting after running 50 callbacks \\(loopLimit\\), assuming an infinite loop; the last was a timer created at ${escape(site)}:\\d+$`,
      ),
    )
    expect(loop.time()).toBe(510)
    expect(loop.isRunning()).toBe(false)
    loop.close()
  })

  it('advance() stops a callback that reschedules itself for the same instant', async () => {
    const loop = newEventLoop({ loopLimit: 20 })
    const spin = (): void => {
      loop.callSoon(spin) // site: endless callSoon
    }
    loop.callSoon(spin)
    const error = await rejection(drive.advance(loop, 1000))
    expect(error).toBeInstanceOf(LoopLimitError)
    expect((error as Error).message).toContain(`the last was a callback created at ${printedSiteOf(import.meta.url, 'endless callSoon')}:`)
    expect(loop.time()).toBe(0)
    loop.close()
  })

  it('advance() counts the limit per instant: a long but finite interval chain is fine', async () => {
    const loop = newEventLoop({ loopLimit: 5 })
    let ticks = 0
    const tick = (): void => {
      ticks++
      loop.callLater(1, tick)
    }
    loop.callLater(1, tick)
    await drive.advance(loop, 100)
    expect(ticks).toBe(100)
    loop.close()
  })
})

describe('setSystemTime', () => {
  it('moves now() only: loop time stays and nothing fires', () => {
    const loop = newEventLoop({ now: epoch })
    const log = threeTimers(loop)
    loop.advanceSync(100)
    loop.setSystemTime(new Date(epoch + 3_600_000))
    expect(loop.now()).toBe(epoch + 3_600_000)
    expect(loop.time()).toBe(100)
    expect(log).toEqual(['a@100'])
    loop.setSystemTime(epoch - 1000)
    expect(loop.now()).toBe(epoch - 1000)
    expect(loop.time()).toBe(100)
    // The wall clock keeps moving with loop time from where it was set.
    loop.advanceSync(50)
    expect(loop.now()).toBe(epoch - 950)
    expect(log).toEqual(['a@100'])
    loop.close()
  })

  it('is what advanceTo(Date) reads', () => {
    const loop = newEventLoop({ now: epoch })
    loop.setSystemTime(epoch + 10_000)
    expect(loop.advanceToSync(new Date(epoch + 10_500))).toBe(500)
    loop.close()
  })

  it('rejects an invalid date, naming it', () => {
    const loop = newEventLoop()
    expectError(thrown(() => loop.setSystemTime(NaN)), RangeError, 'Expected `date` to be a finite number, got `NaN` (number)')
    loop.close()
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
