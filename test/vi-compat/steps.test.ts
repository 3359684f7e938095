// Vitest's fake-timer API on the test's loop: stepping, pending timers,
// clearing, counting (Vitest's timers.suite.ts cases, on the real globals).
import 'vitest-loop/setup'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { useLoop } from 'vitest-loop'

afterEach(() => {
  vi.clearAllTimers()
  vi.useRealTimers()
})

function recorder() {
  const order: string[] = []
  const mark = (name: string) => () => void order.push(name)
  return { order, mark }
}

function fourTimers(mark: (name: string) => () => void): void {
  setTimeout(mark('100'), 100)
  setTimeout(mark('0a'), 0)
  setTimeout(mark('0b'), 0)
  setInterval(mark('interval'), 200)
}

describe('advanceTimersToNextTimer', () => {
  it('runs every timer due at the next instant, one instant per call', () => {
    vi.useFakeTimers()
    const { order, mark } = recorder()
    fourTimers(mark)
    vi.advanceTimersToNextTimer()
    expect(order).toEqual(['0a', '0b'])
    vi.advanceTimersToNextTimer()
    expect(order).toEqual(['0a', '0b', '100'])
    vi.advanceTimersToNextTimer()
    expect(order).toEqual(['0a', '0b', '100', 'interval'])
    vi.advanceTimersToNextTimer()
    expect(order).toEqual(['0a', '0b', '100', 'interval', 'interval'])
  })

  it('takes a count of steps (FakeTimers takes one; vi 4.1 drops it, the loop honours it)', () => {
    vi.useFakeTimers()
    const { order, mark } = recorder()
    fourTimers(mark)
    ;(vi.advanceTimersToNextTimer as (steps?: number) => unknown)(2)
    expect(order).toEqual(['0a', '0b', '100'])
    ;(vi.advanceTimersToNextTimer as (steps?: number) => unknown)(3)
    expect(order).toEqual(['0a', '0b', '100', 'interval', 'interval', 'interval'])
  })

  it('reaches timers scheduled by earlier steps', () => {
    vi.useFakeTimers()
    const { order, mark } = recorder()
    setTimeout(mark('first'), 0)
    setTimeout(() => {
      mark('second')()
      setTimeout(mark('nested'), 50)
    }, 25)
    setTimeout(mark('last'), 100)
    ;(vi.advanceTimersToNextTimer as (steps?: number) => unknown)(3)
    expect(order).toEqual(['first', 'second', 'nested'])
  })

  it('does nothing when no timers have been scheduled', () => {
    vi.useFakeTimers()
    const loop = useLoop()
    vi.advanceTimersToNextTimer()
    expect(loop.time()).toBe(0)
  })

  it('Async: runs every timer due at the next instant, one instant per call', async () => {
    vi.useFakeTimers()
    const { order, mark } = recorder()
    fourTimers(mark)
    await vi.advanceTimersToNextTimerAsync()
    expect(order).toEqual(['0a', '0b'])
    await vi.advanceTimersToNextTimerAsync()
    expect(order).toEqual(['0a', '0b', '100'])
    await vi.advanceTimersToNextTimerAsync()
    await vi.advanceTimersToNextTimerAsync()
    expect(order).toEqual(['0a', '0b', '100', 'interval', 'interval'])
  })

  it('Async: takes a count of steps and reaches nested timers', async () => {
    vi.useFakeTimers()
    const { order, mark } = recorder()
    fourTimers(mark)
    const next = vi.advanceTimersToNextTimerAsync as (steps?: number) => Promise<unknown>
    await next(2)
    expect(order).toEqual(['0a', '0b', '100'])
    await next(3)
    expect(order).toEqual(['0a', '0b', '100', 'interval', 'interval', 'interval'])
    vi.clearAllTimers()
    order.length = 0
    setTimeout(mark('first'), 0)
    setTimeout(() => {
      mark('second')()
      setTimeout(mark('nested'), 50)
    }, 25)
    setTimeout(mark('last'), 100)
    await next(3)
    expect(order).toEqual(['first', 'second', 'nested'])
  })

  it('Async: does nothing when no timers have been scheduled', async () => {
    vi.useFakeTimers()
    const loop = useLoop()
    await vi.advanceTimersToNextTimerAsync()
    expect(loop.time()).toBe(0)
  })
})

describe('clearAllTimers (FakeTimers.reset)', () => {
  it('drops pending timeouts, intervals and immediates', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setTimeout(fn, 100)
    setInterval(fn, 200)
    setImmediate(fn)
    vi.clearAllTimers()
    vi.runAllTimers()
    expect(fn).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('keeps the clock where it is: time never goes back (FakeTimers.reset rewinds it to the start)', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setTimeout(fn, 100)
    vi.advanceTimersByTime(50)
    const at = Date.now()
    vi.clearAllTimers()
    expect(Date.now()).toBe(at)
    setTimeout(fn, 100)
    vi.advanceTimersByTime(50)
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(50)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('does nothing without fake timers', () => {
    expect(() => vi.clearAllTimers()).not.toThrow()
  })

  it('drops a pending immediate; a nextTick callback stays real and still runs', async () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    process.nextTick(fn)
    setImmediate(fn)
    vi.clearAllTimers()
    vi.runAllTicks()
    vi.runAllTimers()
    expect(fn).not.toHaveBeenCalled()
    await new Promise<void>((resolve) => process.nextTick(resolve))
    expect(fn).toHaveBeenCalledOnce()
  })
})

describe('runOnlyPendingTimers', () => {
  function chains(mark: (name: string) => () => void): void {
    setTimeout(function a() {
      mark('a')()
      setTimeout(a, 100)
    }, 100)
    setTimeout(function b() {
      mark('b')()
      setTimeout(b, 50)
    }, 0)
    setInterval(mark('interval'), 200)
    setImmediate(mark('immediate'))
    setImmediate(function c() {
      mark('c')()
      setTimeout(c, 400)
    })
  }
  // vi: b at 0, 50, 100, 150, 200. Node (and the loop): a delay of 0 is 1 ms,
  // so b runs at 1, 51, 101, 151, 201; 201 is past the last pending timer (200).
  // At 400, c (set at 0) runs before the interval (re-armed at 200): timers due
  // at one instant run in the order they were set, where vi runs the interval first.
  const first = ['immediate', 'c', 'b', 'b', 'a', 'b', 'b', 'interval', 'a']
  const second = ['b', 'b', 'a', 'b', 'b', 'c', 'interval', 'a']

  it('runs up to the last timer pending when called, in Node\'s order', () => {
    vi.useFakeTimers()
    const { order, mark } = recorder()
    chains(mark)
    vi.runOnlyPendingTimers()
    expect(order).toEqual(first)
    vi.runOnlyPendingTimers()
    expect(order).toEqual([...first, ...second])
  })

  it('does not run timers cleared by another timer', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    const timer = setTimeout(fn, 10)
    setTimeout(() => clearTimeout(timer), 0)
    vi.runOnlyPendingTimers()
    expect(fn).not.toHaveBeenCalled()
  })

  it('Async: runs all existing timers', async () => {
    vi.useFakeTimers()
    const spies = [vi.fn(), vi.fn()]
    setTimeout(spies[0]!, 10)
    setTimeout(spies[1]!, 50)
    await vi.runOnlyPendingTimersAsync()
    expect(spies[0]).toHaveBeenCalled()
    expect(spies[1]).toHaveBeenCalled()
  })

  it('Async: runs up to the last timer pending when called, in Node\'s order', async () => {
    vi.useFakeTimers()
    const { order, mark } = recorder()
    chains(mark)
    await vi.runOnlyPendingTimersAsync()
    expect(order).toEqual(first)
    await vi.runOnlyPendingTimersAsync()
    expect(order).toEqual([...first, ...second])
  })

  it('Async: does not run timers cleared by another timer', async () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    const timer = setTimeout(fn, 10)
    setTimeout(() => clearTimeout(timer), 0)
    await vi.runOnlyPendingTimersAsync()
    expect(fn).not.toHaveBeenCalled()
  })
})

describe('getTimerCount', () => {
  it('counts the pending timers', () => {
    vi.useFakeTimers()
    setTimeout(() => {}, 0)
    setTimeout(() => {}, 0)
    setTimeout(() => {}, 10)
    expect(vi.getTimerCount()).toBe(3)
    vi.advanceTimersByTime(5)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(5)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('counts immediates; nextTick callbacks stay real and are not counted', () => {
    vi.useFakeTimers()
    setTimeout(() => {}, 0)
    setImmediate(() => {})
    process.nextTick(() => {})
    expect(vi.getTimerCount()).toBe(2)
  })

  it('does not count cleared immediates', () => {
    vi.useFakeTimers()
    setImmediate(() => {})
    expect(vi.getTimerCount()).toBe(1)
    vi.clearAllTimers()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('throws vi\'s error without fake timers', () => {
    expect(() => vi.getTimerCount()).toThrow(/the timers APIs are not mocked/)
  })
})

describe('runAllTicks', () => {
  it('runs nothing: nextTick and queueMicrotask stay real, so there are no faked ticks', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    process.nextTick(fn)
    vi.runAllTicks()
    expect(fn).not.toHaveBeenCalled()
    return new Promise<void>((resolve) => process.nextTick(resolve)).then(() => expect(fn).toHaveBeenCalledTimes(1))
  })

  it('does nothing when no ticks have been scheduled', () => {
    vi.useFakeTimers()
    const nextTick = vi.spyOn(process, 'nextTick')
    try {
      expect(vi.runAllTicks()).toBe(vi)
      expect(nextTick).not.toHaveBeenCalled()
    } finally {
      nextTick.mockRestore()
    }
    expect(useLoop().time()).toBe(0)
  })

  it('needs fake timers, as vi does', () => {
    expect(() => vi.runAllTicks()).toThrow(/the timers APIs are not mocked/)
  })

  it('refuses toFake: [\'nextTick\'] with a clear error', () => {
    expect(() => vi.useFakeTimers({ toFake: ['nextTick'] })).toThrow(/vitest-loop keeps process.nextTick and queueMicrotask real/)
    expect(() => vi.useFakeTimers({ toFake: ['queueMicrotask'] })).toThrow(/Remove 'queueMicrotask' from toFake/)
    expect(vi.isFakeTimers()).toBe(false)
  })
})
