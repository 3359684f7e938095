// asyncio's "Task exception was never retrieved": a failed task stays listed
// until someone reads its error (exception(), result(), await / then).
import { describe, expect, it } from 'vitest'
import { newEventLoop } from 'vitest-loop'
import type { EventLoop, Task } from 'vitest-loop'
import { rejection, thrown } from '../helpers/errors.ts'

function failingTask(loop: EventLoop, error: Error): Task<never> {
  return loop.createTask(
    async () => {
      await loop.sleep(10)
      throw error
    },
    { name: 'fails' },
  )
}

describe('Task exception retrieval', () => {
  it('lists a failed task nobody read as exception never retrieved; exception() returns the error and retrieves it', async () => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    const task = failingTask(loop, boom)
    await loop.runUntilIdle()
    expect(task.done()).toBe(true)
    expect(loop._snapshot().unretrieved).toEqual([task])
    expect(task.exception()).toBe(boom)
    expect(loop._snapshot().unretrieved).toEqual([])
    expect(task.exception()).toBe(boom)
    loop.close()
  })

  const readers: [string, (task: Task<never>) => Promise<unknown> | unknown][] = [
    ['result()', (task) => thrown(() => task.result())],
    ['await', (task) => rejection(task)],
    ['then(_, onRejected)', (task) => task.then(undefined, (error) => error)],
    ['catch()', (task) => task.catch((error) => error)],
  ]

  it.each(readers)('counts %s as retrieving the error', async (_name, read) => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    const task = failingTask(loop, boom)
    await loop.runUntilIdle()
    expect(loop._snapshot().unretrieved).toEqual([task])
    expect(await read(task)).toBe(boom)
    expect(loop._snapshot().unretrieved).toEqual([])
    loop.close()
  })

  it('never lists a failed task that someone was already awaiting', async () => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    const task = failingTask(loop, boom)
    const outcome = rejection(task)
    await loop.runUntilIdle()
    expect(await outcome).toBe(boom)
    expect(loop._snapshot().unretrieved).toEqual([])
    loop.close()
  })

  it('never lists a failed task awaited by runUntilComplete', async () => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    const task = failingTask(loop, boom)
    expect(await rejection(loop.runUntilComplete(task))).toBe(boom)
    expect(loop._snapshot().unretrieved).toEqual([])
    loop.close()
  })

  it('lists only failures: not successes, and not cancellations', async () => {
    const loop = newEventLoop()
    const ok = loop.createTask(() => 'fine')
    const cancelled = loop.createTask(() => loop.sleep(100))
    const failed = loop.createTask(
      () => {
        throw new Error('sync boom')
      },
      { name: 'sync failure' },
    )
    await loop.advance(1)
    cancelled.cancel()
    expect(ok.done() && cancelled.done() && failed.done()).toBe(true)
    expect(loop._snapshot().unretrieved).toEqual([failed])
    loop.close()
  })

  it('lists a task following a promise that rejected', async () => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    const task = loop.createTask(Promise.reject(boom))
    await loop.runUntilIdle()
    expect(loop._snapshot().unretrieved).toEqual([task])
    expect(task.exception()).toBe(boom)
    expect(loop._snapshot().unretrieved).toEqual([])
    loop.close()
  })
})
