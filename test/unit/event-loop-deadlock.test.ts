// runUntilComplete on something nothing can settle: DeadlockError at once,
// naming each pending task and the line that created it, instead of a hang.
import { describe, expect, it } from 'vitest'
import { DeadlockError, newEventLoop } from 'vitest-loop'
import { expectError, rejection } from '../helpers/errors.ts'
import { printedSiteOf } from '../helpers/site.ts'

/** Settled by nobody. */
const never = new Promise<never>(() => {})

describe('runUntilComplete', () => {
  it('rejects with DeadlockError listing the pending tasks and their creation lines', async () => {
    // No real I/O in flight, whatever the test runner is doing meanwhile.
    const loop = newEventLoop({ ioProbe: () => false })
    loop.createTask(() => never, { name: 'waiter' }) // site: waiter
    const error = await rejection(loop.runUntilComplete(async () => await never)) // site: main

    expect(error).toBeInstanceOf(DeadlockError)
    expect((error as DeadlockError).constructor).toBe(DeadlockError)
    expect((error as DeadlockError).code).toBe('ERR_DEADLOCK')
    const lines = (error as Error).message.split('\n')
    expect(lines[0]).toBe(
      `runUntilComplete() waits on a promise that can never settle: nothing is scheduled on ${loop.name} and no real I/O is in flight.`,
    )
    expect(lines[1]).toBe('Pending tasks:')
    expect(lines[2]).toMatch(new RegExp(`^  - Task 'waiter' created at ${escape(printedSiteOf(import.meta.url, 'waiter'))}:\\d+$`))
    expect(lines[3]).toMatch(new RegExp(`^  - Task 'Task-1' created at ${escape(printedSiteOf(import.meta.url, 'main'))}:\\d+$`))
    expect(lines).toHaveLength(4)
    expect(loop.isRunning()).toBe(false)
    loop.close()
  })

  it('says when no task is pending at all', async () => {
    const loop = newEventLoop({ ioProbe: () => false })
    expectError(
      await rejection(loop.runUntilComplete(never)),
      DeadlockError,
      `runUntilComplete() waits on a promise that can never settle: nothing is scheduled on ${loop.name} and no real I/O is in flight.\n` +
        'No task is pending: the promise waits on something outside the loop that will never happen.',
    )
    loop.close()
  })

  it('finds the deadlock with the default I/O probe too', async () => {
    const loop = newEventLoop()
    const error = await rejection(loop.runUntilComplete(never))
    expect(error).toBeInstanceOf(DeadlockError)
    loop.close()
  })

  it('is not a deadlock while a timer can still settle the promise, however far away', async () => {
    const loop = newEventLoop({ ioProbe: () => false })
    const oneDay = 24 * 60 * 60 * 1000
    expect(await loop.runUntilComplete(loop.sleep(oneDay, 'tomorrow'))).toBe('tomorrow')
    expect(loop.time()).toBe(oneDay)
    loop.close()
  })

  it('names the deadlock only once the work that could settle it has run out', async () => {
    const loop = newEventLoop({ ioProbe: () => false })
    const log: string[] = []
    const error = await rejection(
      loop.runUntilComplete(async () => {
        await loop.sleep(100)
        log.push('slept')
        await never
      }),
    )
    expect(error).toBeInstanceOf(DeadlockError)
    expect(log).toEqual(['slept'])
    expect(loop.time()).toBe(100)
    loop.close()
  })

  it('can run again after a deadlock', async () => {
    const loop = newEventLoop({ ioProbe: () => false })
    await rejection(loop.runUntilComplete(never))
    expect(await loop.runUntilComplete(loop.sleep(5, 'again'))).toBe('again')
    loop.close()
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
