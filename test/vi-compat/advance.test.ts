// Vitest's fake-timer API on the test's loop: advancing time. Each case
// matches one of Vitest's own (test/core/test/fixtures/timers.suite.ts),
// written for `vi` on the real globals; where Node's order differs from
// vi's (delays below 1 ms are 1 ms in Node), the test says so.
import 'vitest-loop/setup'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { useLoop } from 'vitest-loop'

afterEach(() => {
  vi.useRealTimers()
})

function recorder() {
  const order: string[] = []
  const mark = (name: string) => () => void order.push(name)
  return { order, mark }
}

describe('vi.useFakeTimers on the loop', () => {
  it('routes setTimeout, clearTimeout, setInterval and clearInterval to the test loop in manual flow', () => {
    vi.useFakeTimers()
    const loop = useLoop()
    expect(loop.timeFlow).toBe('manual')
    const timer = setTimeout(() => {}, 10)
    const interval = setInterval(() => {}, 10)
    expect(loop.timerCount).toBe(2)
    clearTimeout(timer)
    clearInterval(interval)
    expect(loop.timerCount).toBe(0)
  })

  it('routes setImmediate and clearImmediate to the loop too', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    const kept = setImmediate(fn)
    clearImmediate(setImmediate(fn))
    expect(vi.getTimerCount()).toBe(1)
    vi.runAllTimers()
    expect(fn).toHaveBeenCalledTimes(1)
    void kept
  })

  it('keeps time still until the test moves it', async () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setTimeout(fn, 1)
    const start = Date.now()
    await vi.advanceTimersByTimeAsync(0) // real macrotasks pass: in the auto flow the timer would fire
    expect(fn).not.toHaveBeenCalled()
    expect(Date.now()).toBe(start)
    vi.advanceTimersToNextTimer()
    expect(fn).toHaveBeenCalledTimes(1)
  })
})

describe('runAllTimers', () => {
  it('runs all timers in order (delays NaN, 0, ±Infinity are 1 ms: scheduling order)', () => {
    vi.useFakeTimers()
    const { order, mark } = recorder()
    setTimeout(mark('100'), 100)
    setTimeout(mark('NaN'), Number.NaN)
    setTimeout(mark('0'), 0)
    const interval = setInterval(() => {
      mark('interval')()
      clearInterval(interval)
    }, 200)
    setTimeout(mark('Infinity'), Number.POSITIVE_INFINITY)
    setTimeout(mark('-Infinity'), Number.NEGATIVE_INFINITY)
    vi.runAllTimers()
    expect(order).toEqual(['NaN', '0', 'Infinity', '-Infinity', '100', 'interval'])
  })

  it('throws vi\'s error when timers are not faked', () => {
    expect(() => vi.runAllTimers()).toThrow(/A function to advance timers was called but the timers APIs are not mocked/)
  })

  it('does nothing when no timers have been scheduled', () => {
    vi.useFakeTimers()
    const loop = useLoop()
    vi.runAllTimers()
    expect(loop.time()).toBe(0)
  })

  it('runs a setTimeout callback once, ever', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setTimeout(fn, 0)
    expect(fn).not.toHaveBeenCalled()
    vi.runAllTimers()
    vi.runAllTimers()
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('passes the arguments', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setTimeout(fn, 0, 'a', 'b')
    vi.runAllTimers()
    expect(fn).toHaveBeenCalledWith('a', 'b')
  })

  it('never hands the callback to the real setTimeout', () => {
    vi.useFakeTimers()
    const loop = useLoop()
    const fn = vi.fn()
    setTimeout(fn, 0)
    expect(loop.timerCount).toBe(1)
    vi.runAllTimers()
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('throws vi\'s loop-limit error on an endless chain (loopLimit from the config)', () => {
    vi.useFakeTimers({ loopLimit: 100 })
    setTimeout(function again() {
      setTimeout(again, 0)
    }, 0)
    expect(() => vi.runAllTimers()).toThrow('Aborting after running 100 timers, assuming an infinite loop!')
    vi.clearAllTimers()
  })

  it('runs the nextTick callbacks a timer queues (they stay real: no toFake needed)', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setTimeout(() => process.nextTick(fn), 0)
    vi.runAllTimers()
    // advanceTimersByTime and runAllTimers do not drain ticks and promise jobs in between: vi's answer
    expect(fn).not.toHaveBeenCalled()
    return new Promise<void>((resolve) => process.nextTick(() => (expect(fn).toHaveBeenCalledTimes(1), resolve())))
  })
})

describe('runAllTimersAsync', () => {
  it('runs all timers in order', async () => {
    vi.useFakeTimers()
    const { order, mark } = recorder()
    setTimeout(mark('100'), 100)
    setTimeout(mark('NaN'), Number.NaN)
    setTimeout(mark('0'), 0)
    const interval = setInterval(() => {
      mark('interval')()
      clearInterval(interval)
    }, 200)
    setTimeout(mark('Infinity'), Number.POSITIVE_INFINITY)
    setTimeout(mark('-Infinity'), Number.NEGATIVE_INFINITY)
    await vi.runAllTimersAsync()
    expect(order).toEqual(['NaN', '0', 'Infinity', '-Infinity', '100', 'interval'])
  })

  it('rejects with vi\'s error when timers are not faked', async () => {
    await expect(vi.runAllTimersAsync()).rejects.toThrow(/A function to advance timers was called but the timers APIs are not mocked/)
  })

  it('runs a setTimeout callback once, ever, with its arguments', async () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setTimeout(fn, 0, 'a', 'b')
    await vi.runAllTimersAsync()
    await vi.runAllTimersAsync()
    expect(fn).toHaveBeenCalledTimes(1)
    expect(fn).toHaveBeenCalledWith('a', 'b')
  })

  it('rejects with vi\'s loop-limit error on an endless chain', async () => {
    vi.useFakeTimers({ loopLimit: 20 })
    setTimeout(function again() {
      setTimeout(again, 0)
    }, 0)
    await expect(vi.runAllTimersAsync()).rejects.toThrow('Aborting after running 20 timers, assuming an infinite loop!')
    vi.clearAllTimers()
  })

  it('runs the nextTick callbacks a timer queues before it returns', async () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setTimeout(() => process.nextTick(fn), 0)
    await vi.runAllTimersAsync()
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('runs timers scheduled after awaits in a timer callback', async () => {
    vi.useFakeTimers()
    const { order, mark } = recorder()
    const inner = vi.fn(async () => {
      mark('inner')()
      return Promise.resolve(true)
    })
    setTimeout(async () => {
      await inner()
      mark('outer')()
    }, 100)
    await vi.runAllTimersAsync()
    expect(order).toEqual(['inner', 'outer'])
  })
})

describe('advanceTimersByTime', () => {
  const schedule = (mark: (name: string) => () => void) => {
    setTimeout(mark('100'), 100)
    setTimeout(mark('0a'), 0)
    setTimeout(mark('0b'), 0)
    setInterval(mark('interval'), 200)
  }

  it('runs timers in order, up to the time given', () => {
    vi.useFakeTimers()
    const { order, mark } = recorder()
    schedule(mark)
    vi.advanceTimersByTime(50)
    expect(order).toEqual(['0a', '0b'])
    vi.advanceTimersByTime(10)
    expect(order).toEqual(['0a', '0b'])
    vi.advanceTimersByTime(40)
    expect(order).toEqual(['0a', '0b', '100'])
    vi.advanceTimersByTime(100)
    expect(order).toEqual(['0a', '0b', '100', 'interval'])
    vi.advanceTimersByTime(200)
    expect(order).toEqual(['0a', '0b', '100', 'interval', 'interval'])
    vi.clearAllTimers()
  })

  it('does nothing but move time when no timers have been scheduled', () => {
    vi.useFakeTimers()
    const start = Date.now()
    vi.advanceTimersByTime(100)
    expect(Date.now()).toBe(start + 100)
  })

  it('Async: runs timers in order, up to the time given', async () => {
    vi.useFakeTimers()
    const { order, mark } = recorder()
    schedule(mark)
    await vi.advanceTimersByTimeAsync(50)
    expect(order).toEqual(['0a', '0b'])
    await vi.advanceTimersByTimeAsync(10)
    expect(order).toEqual(['0a', '0b'])
    await vi.advanceTimersByTimeAsync(40)
    expect(order).toEqual(['0a', '0b', '100'])
    await vi.advanceTimersByTimeAsync(100)
    expect(order).toEqual(['0a', '0b', '100', 'interval'])
    await vi.advanceTimersByTimeAsync(200)
    expect(order).toEqual(['0a', '0b', '100', 'interval', 'interval'])
    vi.clearAllTimers()
  })

  it('Async: does nothing but move time when no timers have been scheduled', async () => {
    vi.useFakeTimers()
    const start = performance.now()
    await vi.advanceTimersByTimeAsync(100)
    expect(performance.now()).toBe(start + 100)
  })

  it('does not run promise jobs between callbacks, while the Async form does (vi\'s answer)', async () => {
    vi.useFakeTimers()
    const seen: string[] = []
    const chain = () => {
      seen.push('timer')
      void Promise.resolve().then(() => seen.push('job'))
    }
    setTimeout(chain, 10)
    setTimeout(chain, 10)
    vi.advanceTimersByTime(10)
    expect(seen).toEqual(['timer', 'timer'])
    await Promise.resolve()
    seen.length = 0
    setTimeout(chain, 10)
    setTimeout(chain, 10)
    await vi.advanceTimersByTimeAsync(10)
    expect(seen).toEqual(['timer', 'job', 'timer', 'job'])
  })
})
