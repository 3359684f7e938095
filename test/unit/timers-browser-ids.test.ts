// Where the host's global setTimeout hands out numbers (jsdom's window is the
// global in Vitest's vm pools), the virtual one does too; where it hands out
// Node's Timeout objects, so does the virtual one. The host functions here are
// stand-ins, swapped in and out synchronously around each check.
import timers from 'node:timers'
import { describe, expect, it } from 'vitest'
import { installVirtualTime, newEventLoop } from 'vitest-loop/core'

type TimerFn = (callback: () => void, ms?: number) => unknown

/** Runs `body` with browser-like global timers (numbers from 1) as the host's. */
function withBrowserTimers(body: () => void): string[] {
  const calls: string[] = []
  const saved = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout }
  let next = 1
  const g = globalThis as unknown as Record<string, unknown>
  g.setTimeout = (_callback: () => void, ms?: number) => {
    calls.push(`setTimeout ${ms}`)
    return next++
  }
  g.clearTimeout = (id: number) => void calls.push(`clearTimeout ${id}`)
  try {
    body()
  } finally {
    g.setTimeout = saved.setTimeout
    g.clearTimeout = saved.clearTimeout
  }
  return calls
}

describe('setTimeout / setInterval ids', () => {
  it('are numbers when the host hands out numbers, and clearTimeout / clearInterval take them back', () => {
    const loop = newEventLoop()
    const fired: string[] = []
    const calls = withBrowserTimers(() => {
      using _time = installVirtualTime(loop)
      const timeout = (globalThis.setTimeout as TimerFn)(() => fired.push('timeout'), 100)
      const kept = (globalThis.setTimeout as TimerFn)(() => fired.push('kept'), 100)
      const interval = (globalThis.setInterval as TimerFn)(() => fired.push('interval'), 40)
      expect([typeof timeout, typeof kept, typeof interval]).toEqual(['number', 'number', 'number'])
      expect(new Set([timeout, kept, interval]).size).toBe(3)
      globalThis.clearTimeout(timeout as number)
      loop.advanceSync(100)
      globalThis.clearInterval(interval as number)
      loop.runUntilIdleSync()
    })
    expect(fired).toEqual(['interval', 'interval', 'kept'])
    // The host was asked once, to learn what its ids are; nothing else reached it.
    expect(calls).toEqual(['setTimeout 0', 'clearTimeout 1'])
  })

  it("are Node's Timeout objects when the host's are (the node environment, and jsdom/happy-dom in forks and threads)", () => {
    const loop = newEventLoop()
    using _time = installVirtualTime(loop)
    const timeout = setTimeout(() => {}, 10)
    expect(typeof timeout).toBe('object')
    expect(timeout.hasRef()).toBe(true)
    clearTimeout(timeout)
    // node:timers is Node's module: always objects.
    const fromModule = timers.setTimeout(() => {}, 10)
    expect(typeof fromModule).toBe('object')
    timers.clearTimeout(fromModule)
  })
})
