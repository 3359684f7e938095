// runForever / stop / runUntilComplete: asyncio's run_forever, stop and
// run_until_complete, on virtual time.
import { describe, expect, it } from 'vitest'
import { InvalidStateError, newEventLoop } from 'vitest-loop'
import { expectError, rejection } from '../helpers/errors.ts'

describe('runForever', () => {
  it('runs, jumping virtual time, until a callback calls stop()', async () => {
    const loop = newEventLoop()
    const log: string[] = []
    loop.callLater(1000, () => log.push('1 s'))
    loop.callLater(5000, () => {
      log.push('5 s')
      loop.stop()
    })
    loop.callLater(9000, () => log.push('9 s'))
    await loop.runForever()
    expect(log).toEqual(['1 s', '5 s'])
    expect(loop.time()).toBe(5000)
    expect(loop.isRunning()).toBe(false)
    expect(loop.timerCount).toBe(1)
    loop.close()
  })

  it('returns when a task calls stop() after an await', async () => {
    const loop = newEventLoop()
    loop.createTask(async () => {
      await loop.sleep(2500)
      loop.stop()
    })
    await loop.runForever()
    expect(loop.time()).toBe(2500)
    loop.close()
  })

  it('is running while it runs, and not after', async () => {
    const loop = newEventLoop()
    const seen: boolean[] = []
    loop.callSoon(() => {
      seen.push(loop.isRunning())
      loop.stop()
    })
    expect(loop.isRunning()).toBe(false)
    const running = loop.runForever()
    expect(loop.isRunning()).toBe(true)
    await running
    expect(seen).toEqual([true])
    expect(loop.isRunning()).toBe(false)
    loop.close()
  })

  it('runs one pass and returns when stop() was called before it started', async () => {
    const loop = newEventLoop()
    const log: string[] = []
    loop.callSoon(() => {
      log.push('a')
      loop.callSoon(() => log.push('c'))
    })
    loop.callSoon(() => log.push('b'))
    loop.stop()
    await loop.runForever()
    expect(log).toEqual(['a', 'b'])
    expect(loop.readyCount).toBe(1)
    loop.close()
  })

  it('returns at once when stop() was called before it and nothing is scheduled', async () => {
    const loop = newEventLoop()
    loop.callLater(1000, () => {})
    loop.stop()
    await loop.runForever()
    expect(loop.time()).toBe(0)
    expect(loop.timerCount).toBe(1)
    loop.close()
  })

  it('forgets a stop() once it has acted on it', async () => {
    const loop = newEventLoop()
    const log: string[] = []
    loop.stop()
    await loop.runForever()
    loop.callLater(10, () => log.push('ran'))
    loop.callLater(20, () => loop.stop())
    await loop.runForever()
    expect(log).toEqual(['ran'])
    expect(loop.time()).toBe(20)
    loop.close()
  })
})

describe('runUntilComplete', () => {
  it('returns the value of a function run as a task, jumping virtual time', async () => {
    const loop = newEventLoop()
    const value = await loop.runUntilComplete(async () => {
      await loop.sleep(60_000)
      return 'an hour of work in a minute of virtual time'
    })
    expect(value).toBe('an hour of work in a minute of virtual time')
    expect(loop.time()).toBe(60_000)
    loop.close()
  })

  it('follows a promise and leaves other work scheduled', async () => {
    const loop = newEventLoop()
    const later = loop.callLater(10_000, () => {})
    expect(await loop.runUntilComplete(loop.sleep(300, 'v'))).toBe('v')
    expect(loop.time()).toBe(300)
    expect(later.pending).toBe(true)
    loop.close()
  })

  it('rejects with the error of the awaited task', async () => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    const error = await rejection(
      loop.runUntilComplete(async () => {
        await loop.sleep(10)
        throw boom
      }),
    )
    expect(error).toBe(boom)
    loop.close()
  })

  it('rejects with InvalidStateError when stop() ends it before the promise settles', async () => {
    const loop = newEventLoop()
    loop.callLater(100, () => loop.stop())
    const error = await rejection(loop.runUntilComplete(loop.sleep(1000)))
    expectError(error, InvalidStateError, 'Event loop stopped before the awaited promise settled')
    expect(loop.time()).toBe(100)
    loop.close()
  })
})
