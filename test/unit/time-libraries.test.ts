// Small real libraries, unchanged, on virtual time: each one measures exactly
// the virtual delay, through the clock it reads (hrtime, performance.now, Date)
// and the timers it uses (global setTimeout, node:timers/promises).
import { setTimeout as sleep } from 'node:timers/promises'
import delay from 'delay'
import pRetry from 'p-retry'
import pTimeout, { TimeoutError } from 'p-timeout'
import timeSpan from 'time-span'
import { describe, expect, it } from 'vitest'
import { installVirtualTime, newEventLoop } from 'vitest-loop/core'

/** A loop in the auto time flow, installed in the globals for the duration of `body`. */
async function onVirtualTime<T>(body: (loop: ReturnType<typeof newEventLoop>) => Promise<T>): Promise<T> {
  using loop = newEventLoop({ timeFlow: 'auto', now: new Date('2030-01-01T00:00:00Z') })
  using _time = installVirtualTime(loop)
  return await body(loop)
}

describe('delay + time-span (process.hrtime.bigint)', () => {
  it('measures exactly the delay', async () => {
    const elapsed = await onVirtualTime(async () => {
      const end = timeSpan()
      await delay(1500)
      return [end(), end.seconds(), end.nanoseconds()]
    })
    expect(elapsed).toEqual([1500, 1.5, 1_500_000_000n])
  })

  it('waits past 2^31-1 ms in chunks (unlimited-timeout, on performance.now) in no real time', async () => {
    const month = 30 * 24 * 60 * 60 * 1000
    const [elapsed, time] = await onVirtualTime(async (loop) => {
      const end = timeSpan()
      await delay(month)
      return [end(), loop.time()]
    })
    expect([elapsed, time]).toEqual([month, month])
  })
})

describe('p-timeout (global setTimeout, performance.now)', () => {
  it('rejects with TimeoutError at exactly the deadline', async () => {
    const [error, waited] = await onVirtualTime(async () => {
      const start = performance.now()
      const error = await pTimeout(new Promise(() => {}), { milliseconds: 5000 }).catch((e: unknown) => e)
      return [error, performance.now() - start]
    })
    expect(error).toBeInstanceOf(TimeoutError)
    expect(waited).toBe(5000)
  })

  it('lets a promise that settles first win, and clears its timer', async () => {
    const [value, timers] = await onVirtualTime(async (loop) => [
      await pTimeout(sleep(4999, 'in time'), { milliseconds: 5000 }),
      loop.timerCount,
    ])
    expect([value, timers]).toEqual(['in time', 0])
  })
})

describe('p-retry (setTimeout backoff, performance.now, Date)', () => {
  it('waits 1 s, 2 s, 4 s between attempts, by Date.now()', async () => {
    const attempts = await onVirtualTime(async () => {
      const at: number[] = []
      await pRetry(
        () => {
          at.push(Date.now())
          if (at.length < 4) throw new Error(`attempt ${at.length} failed`)
          return 'ok'
        },
        { retries: 5, factor: 2, minTimeout: 1000, randomize: false },
      )
      return at.map((t) => new Date(t).toISOString())
    })
    expect(attempts).toEqual([
      '2030-01-01T00:00:00.000Z',
      '2030-01-01T00:00:01.000Z',
      '2030-01-01T00:00:03.000Z',
      '2030-01-01T00:00:07.000Z',
    ])
  })
})

describe('node:timers/promises + time-span', () => {
  it('measures exactly each sleep', async () => {
    const laps = await onVirtualTime(async () => {
      const end = timeSpan()
      const laps: number[] = []
      for (const ms of [10, 250, 3000]) {
        await sleep(ms)
        laps.push(end())
      }
      return laps
    })
    expect(laps).toEqual([10, 260, 3260])
  })
})
