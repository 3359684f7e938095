// Debug mode: slow callbacks and task steps, LOOP_DEBUG, and the stall hints of DeadlockError.
import { describe, expect, it } from 'vitest'
import { DeadlockError, newEventLoop } from 'vitest-loop'
import { expectError, rejection, thrown } from '../helpers/errors.ts'
import { printedSiteOf, siteOf } from '../helpers/site.ts'
import { envDebug } from '../../src/loop/internal/env.ts'

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
    const task = printedSiteOf(import.meta.url, 'task')
    const sleep = printedSiteOf(import.meta.url, 'sleep')
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

describe('slow task steps', () => {
  // As above, a threshold of 0 makes every step "slow" without any real waiting.
  it("times a task's first step as a callback and every later step (between awaits) through its async context", async () => {
    const loop = newEventLoop({ debug: true, slowCallbackDuration: 0, ioProbe: () => false })
    const task = loop.createTask(async () => {
      await loop.sleep(10)
      loop.callSoon(() => {})
      await loop.sleep(10) // site: second sleep
    })
    await loop.runUntilComplete(task)
    const slow = loop._snapshot().slow.filter((s) => s.task === task)
    // the first step, run by the loop: the handle that started the task
    expect(slow[0]!.handle).toBeDefined()
    expect(slow[0]!.time).toBe(0)
    // the steps after each await: no handle; the last thing each scheduled
    const later = slow.slice(1)
    expect(later.map((s) => [s.handle, s.time])).toEqual([
      [undefined, 10],
      [undefined, 20],
    ])
    expect(later[0]!.endedAt?.trace?.site?.line).toBe(Number(siteOf(import.meta.url, 'second sleep').split(':').at(-1)))
    expect(later[1]!.endedAt).toBeUndefined()
    loop.close()
  })

  it('leaves out code outside tasks and loops not in debug mode', async () => {
    const loop = newEventLoop({ debug: false, slowCallbackDuration: 0, ioProbe: () => false })
    await loop.runUntilComplete(
      loop.createTask(async () => {
        await loop.sleep(10)
        await loop.sleep(10)
      }),
    )
    expect(loop._snapshot().slow).toEqual([])
    loop.close()

    const debug = newEventLoop({ debug: true, slowCallbackDuration: 0, ioProbe: () => false })
    await debug.runUntilComplete(debug.sleep(10))
    expect(debug._snapshot().slow.every((s) => s.task === undefined && s.handle !== undefined)).toBe(true)
    debug.close()
  })
})

describe('LOOP_DEBUG', () => {
  it('turns debug mode on for loops made without the option, as PYTHONASYNCIODEBUG', () => {
    expect(['1', 'yes', 'true', 'TRUE'].map((v) => envDebug({ LOOP_DEBUG: v }))).toEqual([true, true, true, true])
    expect(['', '0', 'false', 'False', undefined].map((v) => envDebug({ LOOP_DEBUG: v }))).toEqual([false, false, false, false, false])
    const saved = process.env.LOOP_DEBUG
    process.env.LOOP_DEBUG = '1'
    try {
      const on = newEventLoop()
      const off = newEventLoop({ debug: false })
      expect([on.getDebug(), off.getDebug()]).toEqual([true, false])
      on.close()
      off.close()
    } finally {
      if (saved === undefined) delete process.env.LOOP_DEBUG
      else process.env.LOOP_DEBUG = saved
    }
  })
})
