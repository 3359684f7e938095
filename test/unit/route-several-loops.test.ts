// Which loop a global call goes to: the loop running the code, else the
// installation's loop; and code that wraps the patched globals keeps working.
import { describe, expect, it } from 'vitest'
import { installTime, installVirtualTime, newEventLoop } from 'vitest-loop/core'

describe('routing', () => {
  it("sends a timer set by loop B's callback to B, and one set outside any callback to the installed loop", () => {
    using a = newEventLoop()
    using b = newEventLoop()
    using _time = installVirtualTime(a)
    const log: string[] = []
    b.callSoon(() => setTimeout(() => log.push(`b-timer@${b.time()}`), 50))
    setTimeout(() => log.push(`a-timer@${a.time()}`), 10)
    b.runUntilIdleSync()
    a.runUntilIdleSync()
    expect(log).toEqual(['b-timer@50', 'a-timer@10'])
  })

  it("sends a timer set by a task of loop B after an await to B", async () => {
    using a = newEventLoop()
    using b = newEventLoop()
    using _time = installVirtualTime(a)
    const result = await b.runUntilComplete(async () => {
      await Promise.resolve()
      await new Promise((resolve) => setTimeout(resolve, 3000))
      return Date.now() - b.now()
    })
    expect(result).toBe(0)
    expect([a.time(), b.time()]).toEqual([0, 3000])
  })

  it("reads the clock of the loop running the code", () => {
    using a = newEventLoop({ now: 1_000_000 })
    using b = newEventLoop({ now: 2_000_000 })
    using _time = installVirtualTime(a)
    let inB = 0
    b.callLater(5, () => (inB = Date.now()))
    b.runUntilIdleSync()
    expect([Date.now(), inB]).toEqual([1_000_000, 2_000_005])
  })

  it('asks the resolver at each call, so one patch serves whichever loop is current', () => {
    using a = newEventLoop()
    using b = newEventLoop()
    let current = a
    const time = installTime(() => current)
    try {
      setTimeout(() => {}, 10)
      current = b
      setTimeout(() => {}, 10)
      setTimeout(() => {}, 10)
      expect([a.timerCount, b.timerCount]).toEqual([1, 2])
    } finally {
      time.uninstall()
    }
  })

  it('keeps clearTimeout working on a timer of another loop', () => {
    using a = newEventLoop()
    using b = newEventLoop()
    let current = a
    const time = installTime(() => current)
    try {
      const timer = setTimeout(() => {}, 10)
      current = b
      clearTimeout(timer)
      expect(a.timerCount).toBe(0)
    } finally {
      time.uninstall()
    }
  })
})

describe('code that wraps the patched globals', () => {
  it('works when it saves globalThis.setTimeout and calls it from its own wrapper', () => {
    using loop = newEventLoop()
    using _time = installVirtualTime(loop)
    const saved = globalThis.setTimeout
    const calls: number[] = []
    globalThis.setTimeout = ((fn: () => void, ms: number) => {
      calls.push(ms)
      return saved(fn, ms)
    }) as typeof setTimeout
    try {
      let at = -1
      setTimeout(() => (at = loop.time()), 75)
      loop.runUntilIdleSync()
      expect([calls, at]).toEqual([[75], 75])
    } finally {
      globalThis.setTimeout = saved
    }
  })

  it('works when the saved patched function is called with another `this` or after uninstall', () => {
    using loop = newEventLoop()
    const time = installVirtualTime(loop)
    const saved = globalThis.setTimeout
    saved.call({}, () => {}, 5)
    expect(loop.timerCount).toBe(1)
    time.uninstall()
    const real = saved(() => {}, 5) // no installation left: the real timer
    expect(Object.hasOwn(real, '_idleTimeout')).toBe(true)
    clearTimeout(real)
  })
})
