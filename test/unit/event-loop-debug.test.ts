// Debug mode: slow-callback findings and the stall hints of DeadlockError.
import { describe, expect, it } from 'vitest'
import { DeadlockError, newEventLoop } from 'vitest-loop'
import { expectError, rejection, thrown } from '../helpers/errors.ts'
import { siteOf } from '../helpers/site.ts'

const never = new Promise<never>(() => {})

describe('setDebug / getDebug', () => {
  it('turns debug mode on and off, and takes it from the option', () => {
    const loop = newEventLoop({ debug: false })
    expect(loop.getDebug()).toBe(false)
    loop.setDebug(true)
    expect(loop.getDebug()).toBe(true)
    expect(newEventLoop({ debug: true }).getDebug()).toBe(true)
    expectError(thrown(() => loop.setDebug(1 as never)), TypeError, 'Expected `on` to be a boolean, got `1` (number)')
    loop.close()
  })
})

describe('slow callbacks', () => {
  // A threshold of 0 makes every callback "slow": deterministic, with no real waiting.
  it('are recorded in debug mode with the handle and how long it ran', () => {
    const loop = newEventLoop({ debug: true, slowCallbackDuration: 0 })
    const a = loop.callSoon(() => {})
    const b = loop.callLater(5, () => {})
    loop.runUntilIdleSync()
    const slow = loop._snapshot().slow
    expect(slow.map((s) => s.handle)).toEqual([a, b])
    expect(slow.every((s) => s.duration >= 0)).toBe(true)
    loop.close()
  })

  it('are not recorded outside debug mode', () => {
    const loop = newEventLoop({ debug: false, slowCallbackDuration: 0 })
    loop.callSoon(() => {})
    loop.runUntilIdleSync()
    expect(loop._snapshot().slow).toEqual([])
    loop.close()
  })
})

describe('DeadlockError in debug mode', () => {
  it('says what became of the last thing each task scheduled, never that it waits on it', async () => {
    const loop = newEventLoop({ debug: true, ioProbe: () => false })
    const error = await rejection(
      loop.runUntilComplete(async () => { // site: task
        await loop.sleep(10) // site: sleep
        await never
      }),
    )
    expect(error).toBeInstanceOf(DeadlockError)
    const line = (error as Error).message.split('\n')[2]!
    const task = siteOf(import.meta.url, 'task')
    const sleep = siteOf(import.meta.url, 'sleep')
    expect(line.startsWith(`  - Task 'Task-1' created at ${task}:`)).toBe(true)
    expect(line).toContain(`; the last thing it scheduled, a timer created at ${sleep}:`)
    expect(line.endsWith(', has run')).toBe(true)
    expect(line).not.toContain('waiting on')
    loop.close()
  })

  it('says so when that was cancelled', async () => {
    const loop = newEventLoop({ debug: true, ioProbe: () => false })
    const error = await rejection(
      loop.runUntilComplete(async () => {
        loop.callLater(10, () => {}).cancel()
        await never
      }),
    )
    expect((error as Error).message.split('\n')[2]!.endsWith(', was cancelled')).toBe(true)
    loop.close()
  })
})
