// asyncio's module functions: getRunningLoop, getEventLoop, setEventLoop,
// newEventLoop and run.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CancelledError,
  EventLoop,
  getEventLoop,
  getRunningLoop,
  LoopRunningError,
  newEventLoop,
  NoCurrentLoopError,
  run,
  setEventLoop,
} from 'vitest-loop'
import type { Task } from 'vitest-loop'
import { expectError, rejection, thrown } from '../helpers/errors.ts'

// Each test starts with a current loop of its own and none afterwards.
let current: EventLoop
beforeEach(() => {
  current = newEventLoop({ name: 'current' })
  setEventLoop(current)
})
afterEach(() => {
  setEventLoop(null)
  current.close()
})

describe('getRunningLoop', () => {
  it('throws NoCurrentLoopError "no running event loop" when no loop runs this code', () => {
    const error = thrown(() => getRunningLoop())
    expectError(error, NoCurrentLoopError, 'no running event loop')
    expect((error as NoCurrentLoopError).code).toBe('ERR_NO_CURRENT_LOOP')
  })

  it('answers in a callback, and stops answering once the loop returns', async () => {
    const loop = newEventLoop()
    let seen: EventLoop | undefined
    loop.callLater(5, () => (seen = getRunningLoop()))
    await loop.runUntilIdle()
    expect(seen).toBe(loop)
    expectError(thrown(() => getRunningLoop()), NoCurrentLoopError, 'no running event loop')
    loop.close()
  })

  it('does not answer for a closed loop, even inside one of its tasks', async () => {
    const loop = newEventLoop()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let error: unknown
    const after = new Promise<void>((resolve) => {
      loop.createTask(async () => {
        await gate
        error = thrown(() => getRunningLoop())
        resolve()
      })
    })
    loop.runUntilIdleSync()
    loop.close()
    release()
    await after
    expectError(error, NoCurrentLoopError, 'no running event loop')
  })
})

describe('getEventLoop / setEventLoop', () => {
  it('returns the loop set as current', () => {
    expect(getEventLoop()).toBe(current)
  })

  it('throws NoCurrentLoopError "There is no current event loop" after setEventLoop(null)', () => {
    setEventLoop(null)
    expectError(thrown(() => getEventLoop()), NoCurrentLoopError, 'There is no current event loop')
  })

  it('returns the running loop over the current one', () => {
    const other = newEventLoop()
    let seen: EventLoop | undefined
    other.callSoon(() => (seen = getEventLoop()))
    other.runUntilIdleSync()
    expect(seen).toBe(other)
    other.close()
  })

  it('rejects what is not a loop, naming it', () => {
    expectError(
      thrown(() => setEventLoop({} as never)),
      TypeError,
      'Expected `loop` to be an EventLoop or null, got `{}` (object)',
    )
    expect(getEventLoop()).toBe(current)
  })
})

describe('newEventLoop', () => {
  it('makes a new loop at time 0 without making it current', () => {
    const loop = newEventLoop({ now: new Date('2030-01-01T00:00:00Z') })
    expect(loop).toBeInstanceOf(EventLoop)
    expect(loop).not.toBe(current)
    expect(getEventLoop()).toBe(current)
    expect(loop.time()).toBe(0)
    expect(loop.now()).toBe(Date.UTC(2030, 0, 1))
    expect([loop.isRunning(), loop.isClosed()]).toEqual([false, false])
    loop.close()
  })
})

describe('run', () => {
  it("returns main's value, and main runs on a new loop that is current meanwhile", async () => {
    let inside: EventLoop | undefined
    let currentInside: EventLoop | undefined
    const value = await run(async () => {
      inside = getRunningLoop()
      currentInside = getEventLoop()
      await inside.sleep(30_000)
      return inside.time()
    })
    expect(value).toBe(30_000)
    expect(inside).not.toBe(current)
    expect(currentInside).toBe(inside)
    expect(inside!.isClosed()).toBe(true)
  })

  it('restores the previous current loop afterwards, also when main throws', async () => {
    await run(() => 1)
    expect(getEventLoop()).toBe(current)
    const boom = new Error('boom')
    expect(
      await rejection(
        run(() => {
          throw boom
        }),
      ),
    ).toBe(boom)
    expect(getEventLoop()).toBe(current)
  })

  it('cancels the tasks main left behind, aborting their signals, and closes the loop', async () => {
    let loop: EventLoop | undefined
    let leftover: Task<void> | undefined
    let sawAbort: unknown
    const value = await run(async () => {
      loop = getRunningLoop()
      leftover = loop.createTask(
        async (signal) => {
          try {
            await loop!.sleep(10_000, undefined, { signal })
          } catch (error) {
            sawAbort = error
          }
        },
        { name: 'leftover' },
      )
      await loop.sleep(1000)
      return 'main is done'
    })
    expect(value).toBe('main is done')
    expect(leftover!.cancelled()).toBe(true)
    expect(leftover!.signal.aborted).toBe(true)
    expectError(leftover!.signal.reason, CancelledError, 'Task was cancelled')
    expectError(await rejection(leftover!), CancelledError, 'Task was cancelled')
    // The task saw the abort while the loop let it settle, before closing.
    expect(sawAbort).toBe(leftover!.signal.reason)
    expect(loop!.time()).toBe(1000)
    expect(loop!.allTasks()).toEqual([])
    expect(loop!.isClosed()).toBe(true)
  })

  it('lets a cancelled leftover task schedule its cleanup before the loop closes', async () => {
    const log: string[] = []
    await run(async () => {
      const loop = getRunningLoop()
      loop.createTask(async (signal) => {
        try {
          await loop.sleep(10_000, undefined, { signal })
        } finally {
          loop.callSoon(() => log.push('cleanup ran'))
        }
      })
      await loop.sleep(1)
    })
    expect(log).toEqual(['cleanup ran'])
  })

  it('accepts a promise as main', async () => {
    expect(await run(Promise.resolve('already'))).toBe('already')
  })

  it('refuses to run from inside a running loop', async () => {
    const loop = newEventLoop()
    let inner: Promise<unknown> | undefined
    loop.callSoon(() => {
      inner = rejection(run(() => 1))
    })
    loop.runUntilIdleSync()
    expectError(await inner, LoopRunningError, 'run() cannot be called from a running event loop')
    loop.close()
  })

  it('rejects a main that is neither a function nor a promise, naming it', async () => {
    expectError(
      await rejection(run(5 as never)),
      TypeError,
      'Expected `main` to be a function or a promise, got `5` (number)',
    )
  })
})
