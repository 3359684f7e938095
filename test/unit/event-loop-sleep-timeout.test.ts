// sleep(ms, value, { signal }) and timeout(ms, promise), on virtual time.
import { describe, expect, it } from 'vitest'
import { CancelledError, newEventLoop, TimeoutError } from 'vitest-loop'
import { expectError, rejection, thrown } from '../helpers/errors.ts'

describe('sleep', () => {
  it('resolves with the value at exactly the virtual time asked for', async () => {
    const loop = newEventLoop()
    const woke: number[] = []
    const sleeper = loop.sleep(1500, 'rested').then((value) => {
      woke.push(loop.time())
      return value
    })
    await loop.advance(1499)
    expect(woke).toEqual([])
    await loop.advance(1)
    expect(woke).toEqual([1500])
    expect(await sleeper).toBe('rested')
    loop.close()
  })

  it('resolves with undefined when no value is given', async () => {
    const loop = newEventLoop()
    expect(await loop.runUntilComplete(loop.sleep(10))).toBeUndefined()
    loop.close()
  })

  it('wakes sleepers in the order of their deadlines, then of their creation', async () => {
    const loop = newEventLoop()
    const log: string[] = []
    const nap = async (name: string, ms: number) => {
      await loop.sleep(ms)
      log.push(`${name}@${loop.time()}`)
    }
    await loop.runUntilComplete(Promise.all([nap('long', 30), nap('short', 10), nap('short too', 10), nap('zero', 0)]))
    expect(log).toEqual(['zero@0', 'short@10', 'short too@10', 'long@30'])
    loop.close()
  })

  it('rejects with the reason when the signal aborts, and cancels its timer', async () => {
    const loop = newEventLoop()
    const controller = new AbortController()
    const reason = new Error('user gave up')
    const sleeper = rejection(loop.sleep(10_000, 'never', { signal: controller.signal }))
    loop.callLater(500, () => controller.abort(reason))
    await loop.runUntilIdle()
    expect(await sleeper).toBe(reason)
    expect(loop.time()).toBe(500)
    expect(loop.timerCount).toBe(0)
    loop.close()
  })

  it('rejects at once with the reason of a signal that already aborted, scheduling nothing', async () => {
    const loop = newEventLoop()
    const reason = new Error('too late')
    expect(await rejection(loop.sleep(100, undefined, { signal: AbortSignal.abort(reason) }))).toBe(reason)
    expect(loop.timerCount).toBe(0)
    loop.close()
  })

  it('ignores an abort after it woke up', async () => {
    const loop = newEventLoop()
    const controller = new AbortController()
    const sleeper = loop.sleep(10, 'awake', { signal: controller.signal })
    await loop.advance(10)
    controller.abort(new Error('late'))
    expect(await sleeper).toBe('awake')
    loop.close()
  })

  it('rejects a bad duration, naming it', () => {
    const loop = newEventLoop()
    expectError(thrown(() => loop.sleep(-5)), RangeError, 'Expected `ms` to be a non-negative number, got `-5` (number)')
    loop.close()
  })
})

describe('timeout', () => {
  it('rejects with TimeoutError "Timed out after 5000 ms" and cancels a task that is too slow', async () => {
    const loop = newEventLoop()
    let sawAbort: unknown
    const slow = loop.createTask(
      async (signal) => {
        try {
          await loop.sleep(60_000, undefined, { signal })
        } catch (error) {
          sawAbort = error
          throw error
        }
      },
      { name: 'slow' },
    )
    const error = await rejection(loop.runUntilComplete(loop.timeout(5000, slow)))
    expectError(error, TimeoutError, 'Timed out after 5000 ms')
    expect((error as TimeoutError).code).toBe('ERR_TIMEOUT')
    expect(loop.time()).toBe(5000)
    expect(slow.cancelled()).toBe(true)
    expect(slow.signal.aborted).toBe(true)
    const cancelled = thrown(() => slow.result())
    expectError(cancelled, CancelledError, 'Timed out after 5000 ms')
    expect((cancelled as CancelledError).reason).toBe(error)
    await loop.runUntilIdle()
    expect(sawAbort).toBe(cancelled)
    expect(loop.timerCount).toBe(0)
    expect(loop.time()).toBe(5000)
    loop.close()
  })

  it('points the stack of the TimeoutError at the caller', async () => {
    const loop = newEventLoop()
    const error = await rejection(loop.runUntilComplete(loop.timeout(10, new Promise(() => {}))))
    expect((error as Error).stack).toContain('event-loop-sleep-timeout.test.ts')
    loop.close()
  })

  it('rejects a plain promise that is too slow, leaving it alone', async () => {
    const loop = newEventLoop()
    const slow = loop.sleep(10_000, 'slow')
    const error = await rejection(loop.runUntilComplete(loop.timeout(100, slow)))
    expectError(error, TimeoutError, 'Timed out after 100 ms')
    expect(await loop.runUntilComplete(slow)).toBe('slow')
    expect(loop.time()).toBe(10_000)
    loop.close()
  })

  it('resolves with the value when the promise wins, and drops its timer', async () => {
    const loop = newEventLoop()
    expect(await loop.runUntilComplete(loop.timeout(5000, loop.sleep(100, 'fast')))).toBe('fast')
    expect(loop.time()).toBe(100)
    expect(loop.timerCount).toBe(0)
    await loop.runUntilIdle()
    expect(loop.time()).toBe(100)
    loop.close()
  })

  it('resolves when the promise had already settled, even with no time to spare', async () => {
    const loop = newEventLoop()
    expect(await loop.runUntilComplete(loop.timeout(0, Promise.resolve('already')))).toBe('already')
    const boom = new Error('already failed')
    expect(await rejection(loop.runUntilComplete(loop.timeout(0, Promise.reject(boom))))).toBe(boom)
    expect(loop.timerCount).toBe(0)
    loop.close()
  })

  it('passes on the rejection of a promise that fails in time', async () => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    const failing = loop.createTask(async () => {
      await loop.sleep(10)
      throw boom
    })
    expect(await rejection(loop.runUntilComplete(loop.timeout(5000, failing)))).toBe(boom)
    expect(loop.timerCount).toBe(0)
    expect(loop._snapshot().unretrieved).toEqual([])
    loop.close()
  })

  it('rejects what is not a promise, naming it', () => {
    const loop = newEventLoop()
    expectError(thrown(() => loop.timeout(10, 'soon' as never)), TypeError, "Expected `promise` to be a promise, got `'soon'` (string)")
    loop.close()
  })
})
