// Misuse of a loop: exact error classes and messages (asyncio's words for loop
// state, the culprit named for bad arguments).
import { describe, expect, it } from 'vitest'
import { LoopClosedError, LoopRunningError, newEventLoop } from 'vitest-loop'
import type { EventLoop } from 'vitest-loop'
import { expectError, rejection, thrown } from '../helpers/errors.ts'

const noop = (): void => {}

describe('a closed loop', () => {
  const scheduling: [string, (loop: EventLoop) => unknown][] = [
    ['callSoon', (loop) => loop.callSoon(noop)],
    ['callLater', (loop) => loop.callLater(10, noop)],
    ['callAt', (loop) => loop.callAt(10, noop)],
    ['callSoonThreadsafe', (loop) => loop.callSoonThreadsafe(noop)],
    ['createTask', (loop) => loop.createTask(async () => {})],
    ['sleep', (loop) => loop.sleep(10)],
    ['timeout', (loop) => loop.timeout(10, Promise.resolve())],
    ['advanceSync', (loop) => loop.advanceSync(10)],
    ['runUntilIdleSync', (loop) => loop.runUntilIdleSync()],
    ['nextSync', (loop) => loop.nextSync()],
  ]

  it.each(scheduling)('refuses %s with LoopClosedError "Event loop is closed"', (_name, call) => {
    const loop = newEventLoop()
    loop.close()
    const error = thrown(() => call(loop))
    expectError(error, LoopClosedError, 'Event loop is closed')
    expect((error as LoopClosedError).code).toBe('ERR_LOOP_CLOSED')
  })

  const running: [string, (loop: EventLoop) => Promise<unknown>][] = [
    ['runUntilComplete', (loop) => loop.runUntilComplete(Promise.resolve())],
    ['runForever', (loop) => loop.runForever()],
    ['advance', (loop) => loop.advance(10)],
    ['advanceTo', (loop) => loop.advanceTo(10)],
    ['next', (loop) => loop.next()],
    ['runUntilIdle', (loop) => loop.runUntilIdle()],
  ]

  it.each(running)('rejects %s with LoopClosedError', async (_name, call) => {
    const loop = newEventLoop()
    loop.close()
    expectError(await rejection(call(loop)), LoopClosedError, 'Event loop is closed')
  })

  it('can be closed again', () => {
    const loop = newEventLoop()
    loop.close()
    expect(() => loop.close()).not.toThrow()
    expect(loop.isClosed()).toBe(true)
  })

  it('drops what was scheduled: handles read as cancelled', () => {
    const loop = newEventLoop()
    const soon = loop.callSoon(noop)
    const later = loop.callLater(10, noop)
    loop.close()
    expect([soon.cancelled, later.cancelled]).toEqual([true, true])
    expect([loop.readyCount, loop.timerCount]).toEqual([0, 0])
  })
})

describe('a running loop', () => {
  it('refuses close() with LoopRunningError "Cannot close a running event loop"', async () => {
    const loop = newEventLoop()
    let error: unknown
    loop.callSoon(() => {
      error = thrown(() => loop.close())
      loop.stop()
    })
    await loop.runForever()
    expectError(error, LoopRunningError, 'Cannot close a running event loop')
    expect((error as LoopRunningError).code).toBe('ERR_LOOP_RUNNING')
    expect(loop.isClosed()).toBe(false)
    loop.close()
  })

  it('refuses close() from a callback run by a sync twin', () => {
    const loop = newEventLoop()
    let error: unknown
    loop.callSoon(() => (error = thrown(() => loop.close())))
    loop.runUntilIdleSync()
    expectError(error, LoopRunningError, 'Cannot close a running event loop')
    loop.close()
  })

  it('refuses close() from a task after an await', async () => {
    const loop = newEventLoop()
    let error: unknown
    await loop.runUntilComplete(async () => {
      await loop.sleep(1)
      error = thrown(() => loop.close())
    })
    expectError(error, LoopRunningError, 'Cannot close a running event loop')
    loop.close()
  })

  const nested: [string, (loop: EventLoop) => Promise<unknown>][] = [
    ['runUntilComplete', (loop) => loop.runUntilComplete(Promise.resolve())],
    ['runForever', (loop) => loop.runForever()],
    ['advance', (loop) => loop.advance(1)],
    ['runUntilIdle', (loop) => loop.runUntilIdle()],
    ['next', (loop) => loop.next()],
  ]

  it.each(nested)('rejects %s with LoopRunningError "This event loop is already running"', async (_name, call) => {
    const loop = newEventLoop()
    let inner: Promise<unknown> | undefined
    loop.callSoon(() => {
      inner = rejection(call(loop))
    })
    await loop.runUntilIdle()
    expectError(await inner, LoopRunningError, 'This event loop is already running')
    loop.close()
  })

  it('refuses a sync twin from inside a callback', () => {
    const loop = newEventLoop()
    let error: unknown
    loop.callSoon(() => (error = thrown(() => loop.advanceSync(1))))
    loop.runUntilIdleSync()
    expectError(error, LoopRunningError, 'This event loop is already running')
    loop.close()
  })

  it('refuses a second runUntilComplete started beside the first', async () => {
    const loop = newEventLoop()
    const first = loop.runUntilComplete(loop.sleep(10))
    expectError(
      await rejection(loop.runUntilComplete(Promise.resolve())),
      LoopRunningError,
      'This event loop is already running',
    )
    await first
    loop.close()
  })
})

describe('argument checks', () => {
  it('rejects a NaN delay with a RangeError naming it', () => {
    const loop = newEventLoop()
    expectError(thrown(() => loop.callLater(NaN, noop)), RangeError, 'Expected `delay` to be a finite number, got `NaN` (number)')
    expectError(
      thrown(() => loop.callLater(Infinity, noop)),
      RangeError,
      'Expected `delay` to be a finite number, got `Infinity` (number)',
    )
    loop.close()
  })

  it('rejects a negative delay with a RangeError naming it', () => {
    const loop = newEventLoop()
    expectError(thrown(() => loop.callLater(-1, noop)), RangeError, 'Expected `delay` to be a non-negative number, got `-1` (number)')
    loop.close()
  })

  it('rejects a delay that is not a number with a TypeError naming it', () => {
    const loop = newEventLoop()
    expectError(
      thrown(() => loop.callLater('5' as never, noop)),
      TypeError,
      "Expected `delay` to be a number of milliseconds, got `'5'` (string)",
    )
    loop.close()
  })

  it('rejects a callback that is not a function with a TypeError naming it', () => {
    const loop = newEventLoop()
    expectError(thrown(() => loop.callSoon(42 as never)), TypeError, 'Expected `callback` to be a function, got `42` (number)')
    expectError(thrown(() => loop.callLater(1, null as never)), TypeError, 'Expected `callback` to be a function, got `null` (null)')
    loop.close()
  })

  it('rejects a callAt time that is not a finite number', () => {
    const loop = newEventLoop()
    expectError(thrown(() => loop.callAt(NaN, noop)), RangeError, 'Expected `when` to be a finite number, got `NaN` (number)')
    expectError(
      thrown(() => loop.callAt(undefined as never, noop)),
      TypeError,
      'Expected `when` to be a number of milliseconds, got `undefined` (undefined)',
    )
    loop.close()
  })

  it('schedules nothing when an argument is rejected', () => {
    const loop = newEventLoop()
    thrown(() => loop.callLater(-1, noop))
    thrown(() => loop.callSoon(42 as never))
    expect([loop.readyCount, loop.timerCount]).toEqual([0, 0])
    loop.close()
  })

  it('rejects bad options of newEventLoop, naming them', () => {
    expectError(
      thrown(() => newEventLoop({ loopLimit: 0 })),
      RangeError,
      'Expected `loopLimit` to be an integer of at least 1, got `0` (number)',
    )
    expectError(
      thrown(() => newEventLoop({ timeFlow: 'fast' as never })),
      TypeError,
      "Expected `timeFlow` to be one of 'auto', 'manual', got `'fast'` (string)",
    )
    expectError(
      thrown(() => newEventLoop({ now: new Date(NaN) })),
      RangeError,
      'Expected `now` to be a valid Date, got `Invalid Date` (object)',
    )
  })
})
