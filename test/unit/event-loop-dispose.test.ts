// `using` / `await using`: Symbol.dispose closes the loop, Symbol.asyncDispose
// first cancels pending tasks and lets them settle.
import { describe, expect, it } from 'vitest'
import { CancelledError, LoopRunningError, newEventLoop } from 'vitest-loop'
import type { EventLoop, Task } from 'vitest-loop'
import { expectError, rejection, thrown } from '../helpers/errors.ts'

describe('Symbol.dispose', () => {
  it('closes the loop at the end of a `using` block', () => {
    let outside: EventLoop
    {
      using loop = newEventLoop()
      outside = loop
      loop.callLater(10, () => {})
      expect(loop.isClosed()).toBe(false)
    }
    expect(outside.isClosed()).toBe(true)
    expect(outside.timerCount).toBe(0)
  })

  it('closes the loop when the block throws', () => {
    let outside: EventLoop | undefined
    const boom = new Error('boom')
    const error = thrown(() => {
      using loop = newEventLoop()
      outside = loop
      throw boom
    })
    expect(error).toBe(boom)
    expect(outside!.isClosed()).toBe(true)
  })

  it('is a no-op on a loop already closed', () => {
    const loop = newEventLoop()
    loop.close()
    expect(() => loop[Symbol.dispose]()).not.toThrow()
  })

  it('refuses a running loop like close() does', async () => {
    const loop = newEventLoop()
    let error: unknown
    loop.callSoon(() => (error = thrown(() => loop[Symbol.dispose]())))
    await loop.runUntilIdle()
    expectError(error, LoopRunningError, 'Cannot close a running event loop')
    loop.close()
  })
})

describe('Symbol.asyncDispose', () => {
  it('cancels pending tasks, lets them react and run their done callbacks, then closes', async () => {
    let outside: EventLoop
    let task: Task<void>
    const log: string[] = []
    {
      await using loop = newEventLoop()
      outside = loop
      task = loop.createTask(async (signal) => {
        try {
          await loop.sleep(60_000, undefined, { signal })
        } catch (error) {
          log.push(`task saw ${(error as Error).name}`)
        }
      })
      task.addDoneCallback((t) => log.push(`done callback: cancelled=${t.cancelled()}`))
      await loop.advance(1000)
    }
    expect(outside.isClosed()).toBe(true)
    expect(task.cancelled()).toBe(true)
    expectError(await rejection(task), CancelledError, 'Task was cancelled')
    expect(log).toEqual(['task saw CancelledError', 'done callback: cancelled=true'])
    expect(outside.time()).toBe(1000)
    expect(outside.allTasks()).toEqual([])
  })

  it('runs the cleanup a cancelled task schedules when it sees the abort, before closing', async () => {
    const log: string[] = []
    let outside: EventLoop
    {
      await using loop = newEventLoop()
      outside = loop
      loop.createTask(async (signal) => {
        try {
          await loop.sleep(60_000, undefined, { signal })
        } finally {
          loop.callSoon(() => log.push(`cleanup at ${loop.time()}`))
        }
      })
      await loop.advance(10)
    }
    expect(log).toEqual(['cleanup at 10'])
    expect(outside.isClosed()).toBe(true)
  })

  it('is a no-op on a loop already closed', async () => {
    const loop = newEventLoop()
    loop.close()
    await expect(loop[Symbol.asyncDispose]()).resolves.toBeUndefined()
  })

  it('refuses a running loop without cancelling anything', async () => {
    const loop = newEventLoop()
    const other = loop.createTask(() => loop.sleep(10))
    let disposal: Promise<unknown> | undefined
    loop.callSoon(() => {
      disposal = rejection(loop[Symbol.asyncDispose]())
    })
    await loop.advance(1)
    expectError(await disposal, LoopRunningError, 'Cannot close a running event loop')
    expect(other.cancelled()).toBe(false)
    expect(loop.isClosed()).toBe(false)
    await loop.runUntilIdle()
    expect(other.result()).toBeUndefined()
    loop.close()
  })
})
