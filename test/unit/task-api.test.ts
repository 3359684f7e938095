// Task: asyncio's Task in TypeScript clothes (AbortSignal for cancellation, PromiseLike).
import { describe, expect, it } from 'vitest'
import { CancelledError, getRunningLoop, InvalidStateError, newEventLoop } from 'vitest-loop'
import type { Task } from 'vitest-loop'
import { expectError, rejection, thrown } from '../helpers/errors.ts'

describe('createTask', () => {
  it('names tasks Task-<n> by default, counting only unnamed ones', () => {
    const loop = newEventLoop()
    const a = loop.createTask(() => 1)
    const named = loop.createTask(() => 2, { name: 'worker' })
    const b = loop.createTask(() => 3)
    expect([a.name, named.name, b.name]).toEqual(['Task-1', 'worker', 'Task-2'])
    loop.runUntilIdleSync()
    loop.close()
  })

  it('starts a function on the next pass, not at once', () => {
    const loop = newEventLoop()
    let started = false
    const task = loop.createTask(() => {
      started = true
    })
    expect(started).toBe(false)
    expect(task.done()).toBe(false)
    loop.runUntilIdleSync()
    expect(started).toBe(true)
    expect(task.done()).toBe(true)
    loop.close()
  })

  it('follows a promise', async () => {
    const loop = newEventLoop()
    const task = loop.createTask(loop.sleep(250, 'slept'))
    expect(await loop.runUntilComplete(task)).toBe('slept')
    expect(task.result()).toBe('slept')
    expect(loop.time()).toBe(250)
    loop.close()
  })

  it('follows a promise that rejects', async () => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    const task = loop.createTask(Promise.reject(boom))
    await loop.runUntilIdle()
    expect(task.exception()).toBe(boom)
    loop.close()
  })

  it('settles a task whose function returns a plain value or throws synchronously', () => {
    const loop = newEventLoop()
    const boom = new Error('sync boom')
    const ok = loop.createTask(() => 42)
    const bad = loop.createTask(() => {
      throw boom
    })
    loop.runUntilIdleSync()
    expect(ok.result()).toBe(42)
    expect(bad.exception()).toBe(boom)
    loop.close()
  })

  it('rejects what is neither a function nor a promise, naming the value', () => {
    const loop = newEventLoop()
    expectError(
      thrown(() => loop.createTask(42 as never)),
      TypeError,
      'Expected `source` to be a function or a promise, got `42` (number)',
    )
    expectError(
      thrown(() => loop.createTask(() => 1, { name: 7 as never })),
      TypeError,
      'Expected `name` to be a string, got `7` (number)',
    )
    loop.close()
  })
})

describe('Task', () => {
  it('is awaitable and reports done(), result() and exception() after success', async () => {
    const loop = newEventLoop()
    const task = loop.createTask(async () => {
      await loop.sleep(10)
      return 'value'
    })
    const value = await loop.runUntilComplete(async () => await task)
    expect(value).toBe('value')
    expect(task.done()).toBe(true)
    expect(task.cancelled()).toBe(false)
    expect(task.state).toBe('fulfilled')
    expect(task.result()).toBe('value')
    expect(task.exception()).toBeNull()
    loop.close()
  })

  it('throws InvalidStateError from result() and exception() while pending', () => {
    const loop = newEventLoop()
    const task = loop.createTask(() => 1)
    expectError(thrown(() => task.result()), InvalidStateError, 'Result is not set.')
    expectError(thrown(() => task.exception()), InvalidStateError, 'Exception is not set.')
    loop.runUntilIdleSync()
    loop.close()
  })

  it('rethrows its error from result() and returns it from exception() after failure', async () => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    const task = loop.createTask(async () => {
      await loop.sleep(5)
      throw boom
    })
    await loop.runUntilIdle()
    expect(task.state).toBe('rejected')
    expect(task.cancelled()).toBe(false)
    expect(thrown(() => task.result())).toBe(boom)
    expect(task.exception()).toBe(boom)
    expect(await rejection(task)).toBe(boom)
    loop.close()
  })

  describe('cancel', () => {
    it('aborts the signal handed to the function and settles with CancelledError', async () => {
      const loop = newEventLoop()
      let signal: AbortSignal | undefined
      let sawAbort = false
      const task = loop.createTask(async (s) => {
        signal = s
        s.addEventListener('abort', () => (sawAbort = true))
        await loop.sleep(10_000, undefined, { signal: s })
      })
      await loop.advance(100)
      expect(signal).toBe(task.signal)
      expect(task.cancel('shutting down')).toBe(true)

      expect(task.done()).toBe(true)
      expect(task.cancelled()).toBe(true)
      expect(task.state).toBe('cancelled')
      expect(sawAbort).toBe(true)
      expect(task.signal.aborted).toBe(true)
      expectError(task.signal.reason, CancelledError, 'shutting down')
      expect((task.signal.reason as CancelledError).reason).toBe('shutting down')
      expect((task.signal.reason as CancelledError).code).toBe('ERR_CANCELLED')

      // Every way of reading the outcome gives the same CancelledError.
      const error = await rejection(task)
      expect(error).toBe(task.signal.reason)
      expect(thrown(() => task.result())).toBe(error)
      expect(thrown(() => task.exception())).toBe(error)

      // The sleep it was in was cancelled with it: nothing is left to run.
      await loop.runUntilIdle()
      expect(loop.time()).toBe(100)
      expect(loop.timerCount).toBe(0)
      loop.close()
    })

    it('says "Task was cancelled" when no reason is given', async () => {
      const loop = newEventLoop()
      const task = loop.createTask(() => loop.sleep(10))
      task.cancel()
      expectError(await rejection(task), CancelledError, 'Task was cancelled')
      loop.runUntilIdleSync()
      loop.close()
    })

    it('uses the message of an Error reason and keeps the reason', () => {
      const loop = newEventLoop()
      const task = loop.createTask(() => loop.sleep(10))
      const reason = new Error('deadline passed')
      task.cancel(reason)
      const error = thrown(() => task.result())
      expectError(error, CancelledError, 'deadline passed')
      expect((error as CancelledError).reason).toBe(reason)
      loop.runUntilIdleSync()
      loop.close()
    })

    it('keeps a task cancelled before it started from ever running its function', () => {
      const loop = newEventLoop()
      let ran = false
      const task = loop.createTask(() => {
        ran = true
      })
      task.cancel()
      loop.runUntilIdleSync()
      expect(ran).toBe(false)
      expect(task.cancelled()).toBe(true)
      loop.close()
    })

    it('returns false and changes nothing on a task that is already done', () => {
      const loop = newEventLoop()
      const task = loop.createTask(() => 'v')
      loop.runUntilIdleSync()
      expect(task.cancel()).toBe(false)
      expect(task.cancelled()).toBe(false)
      expect(task.result()).toBe('v')
      expect(task.signal.aborted).toBe(false)
      const cancelled = loop.createTask(() => 'w')
      expect(cancelled.cancel('first')).toBe(true)
      expect(cancelled.cancel('second')).toBe(false)
      expectError(thrown(() => cancelled.result()), CancelledError, 'first')
      loop.close()
    })
  })

  describe('addDoneCallback', () => {
    it('calls cb(task) on the loop after the task is done, not from inside cancel()', () => {
      const loop = newEventLoop()
      const task = loop.createTask(() => loop.sleep(10))
      const calls: { task: Task<void>; loop: unknown }[] = []
      task.addDoneCallback((t) => calls.push({ task: t, loop: getRunningLoop() }))
      task.cancel()
      expect(calls).toEqual([])
      loop.runUntilIdleSync()
      expect(calls).toHaveLength(1)
      expect(calls[0]!.task).toBe(task)
      expect(calls[0]!.loop).toBe(loop)
      loop.close()
    })

    it('calls callbacks in the order they were added, once each', async () => {
      const loop = newEventLoop()
      const log: string[] = []
      const task = loop.createTask(() => loop.sleep(10, 'x'))
      task.addDoneCallback((t) => log.push(`first ${t.result()}`))
      task.addDoneCallback((t) => log.push(`second ${t.result()}`))
      await loop.runUntilIdle()
      await loop.runUntilIdle()
      expect(log).toEqual(['first x', 'second x'])
      loop.close()
    })

    it('schedules the callback on the loop when the task is already done', () => {
      const loop = newEventLoop()
      const task = loop.createTask(() => 1)
      loop.runUntilIdleSync()
      let called = 0
      task.addDoneCallback(() => called++)
      expect(called).toBe(0)
      loop.runUntilIdleSync()
      expect(called).toBe(1)
      loop.close()
    })

    it('does not call a callback removed with removeDoneCallback', () => {
      const loop = newEventLoop()
      const task = loop.createTask(() => 1)
      let called = 0
      const cb = (): void => {
        called++
      }
      task.addDoneCallback(cb)
      task.addDoneCallback(cb)
      expect(task.removeDoneCallback(cb)).toBe(2)
      loop.runUntilIdleSync()
      expect(called).toBe(0)
      loop.close()
    })

    it('rejects a callback that is not a function', () => {
      const loop = newEventLoop()
      const task = loop.createTask(() => 1)
      expectError(
        thrown(() => task.addDoneCallback('nope' as never)),
        TypeError,
        "Expected `callback` to be a function, got `'nope'` (string)",
      )
      loop.runUntilIdleSync()
      loop.close()
    })
  })

  describe('currentTask / getRunningLoop', () => {
    it('answer inside a task, also after awaits', async () => {
      const loop = newEventLoop()
      const seen: unknown[] = []
      const task = loop.createTask(async () => {
        seen.push(loop.currentTask(), getRunningLoop())
        await loop.sleep(10)
        seen.push(loop.currentTask(), getRunningLoop())
        await Promise.resolve()
        seen.push(loop.currentTask(), getRunningLoop())
      })
      await loop.runUntilComplete(task)
      expect(seen).toEqual([task, loop, task, loop, task, loop])
      loop.close()
    })

    it('tell two interleaved tasks apart', async () => {
      const loop = newEventLoop()
      const seen: string[] = []
      const body = async () => {
        for (let i = 0; i < 3; i++) {
          await loop.sleep(10)
          seen.push(loop.currentTask()!.name)
        }
      }
      const a = loop.createTask(body, { name: 'a' })
      const b = loop.createTask(body, { name: 'b' })
      await loop.runUntilComplete(Promise.all([a, b]))
      expect(seen).toEqual(['a', 'b', 'a', 'b', 'a', 'b'])
      loop.close()
    })

    it('currentTask() is undefined in a plain callback and outside the loop', () => {
      const loop = newEventLoop()
      let inCallback: unknown = 'unset'
      loop.callSoon(() => (inCallback = loop.currentTask()))
      loop.runUntilIdleSync()
      expect(inCallback).toBeUndefined()
      expect(loop.currentTask()).toBeUndefined()
      loop.close()
    })
  })

  it('describes itself with its name, state and creation site', () => {
    const loop = newEventLoop()
    const task = loop.createTask(() => 1, { name: 'job' })
    expect(String(task)).toMatch(/^Task 'job' \(pending\) created at .*task-api\.test\.ts:\d+:\d+$/)
    expect(Object.prototype.toString.call(task)).toBe('[object Task]')
    loop.runUntilIdleSync()
    loop.close()
  })
})
