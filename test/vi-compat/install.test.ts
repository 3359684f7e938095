// What vi.useFakeTimers() takes over, and what vi.useRealTimers() gives back
// (Vitest's timers.suite.ts: construction, useRealTimers, useFakeTimers).
// vi swaps the global functions in and out; on the loop they stay in place
// and the test's loop serves them (modes.test.ts pins that both ways), so
// "installs X" here reads: X, called by the test, lands on the test's loop.
// process.nextTick and queueMicrotask stay real (DESIGN.md): where vi fakes
// them on request, these tests pin the loop's answer instead.
import 'vitest-loop/setup'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { useLoop } from 'vitest-loop'
import { hop } from '../../src/loop/internal/host.ts'

type Config = Parameters<typeof vi.useFakeTimers>[0]

afterEach(() => {
  vi.clearAllTimers()
  vi.useRealTimers()
})

describe('what useFakeTimers takes over', () => {
  it('setTimeout: the timer waits on the loop until time moves', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setTimeout(fn, 25)
    expect(useLoop().timerCount).toBe(1)
    vi.advanceTimersByTime(24)
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledOnce()
  })

  it('clearTimeout: a cleared timer leaves the loop and never runs', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    clearTimeout(setTimeout(fn, 25))
    expect(useLoop().timerCount).toBe(0)
    vi.advanceTimersByTime(25)
    expect(fn).not.toHaveBeenCalled()
  })

  it('setInterval: runs on the loop once per period', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setInterval(fn, 10)
    expect(useLoop().timerCount).toBe(1)
    vi.advanceTimersByTime(35)
    expect(fn).toHaveBeenCalledTimes(3)
  })

  it('clearInterval: stops the interval, also from inside its own callback', () => {
    vi.useFakeTimers()
    let runs = 0
    const interval = setInterval(() => {
      if (++runs === 2) clearInterval(interval)
    }, 10)
    vi.advanceTimersByTime(100)
    expect(runs).toBe(2)
    expect(useLoop().timerCount).toBe(0)
  })

  it('setImmediate: waits for the test to move the loop', async () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setImmediate(fn)
    await hop() // a real macrotask passes; the loop stays still
    expect(fn).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(0)
    expect(fn).toHaveBeenCalledOnce()
  })

  it('clearImmediate: a cleared immediate never runs', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    clearImmediate(setImmediate(fn))
    expect(vi.getTimerCount()).toBe(0)
    vi.runAllTimers()
    expect(fn).not.toHaveBeenCalled()
  })

  it('leaves process.nextTick real by default: the same function, its callbacks run without moving time', async () => {
    const nextTick = process.nextTick
    vi.useFakeTimers()
    expect(process.nextTick).toBe(nextTick)
    const fn = vi.fn()
    process.nextTick(fn)
    expect(vi.getTimerCount()).toBe(0)
    await hop()
    expect(fn).toHaveBeenCalledOnce()
    expect(useLoop().time()).toBe(0)
  })

  it('refuses toFake: [\'nextTick\'] in every pool (vi fakes it in worker threads, refuses in child processes)', () => {
    const nextTick = process.nextTick
    expect(() => vi.useFakeTimers({ toFake: ['setTimeout', 'nextTick'] })).toThrow(
      "vi.useFakeTimers({ toFake: [..., 'nextTick'] }): vitest-loop keeps process.nextTick and queueMicrotask real",
    )
    expect(vi.isFakeTimers()).toBe(false)
    expect(process.nextTick).toBe(nextTick)
  })

  it('adds no global the environment lacks (requestIdleCallback everywhere, requestAnimationFrame in node)', () => {
    const g = globalThis as Record<string, unknown>
    const names = ['requestAnimationFrame', 'cancelAnimationFrame', 'requestIdleCallback', 'cancelIdleCallback']
    const absent = names.filter((name) => !(name in g))
    expect(absent).toContain('requestIdleCallback') // neither Node, jsdom nor happy-dom has it
    vi.useFakeTimers({ toFake: ['setTimeout', ...names] as NonNullable<Config>['toFake'] })
    expect(absent.filter((name) => name in g)).toEqual([])
  })
})

describe('toNotFake (Vitest 5)', () => {
  it('leaves the listed timers to the host: setImmediate runs on the real event loop, setTimeout on the test loop', async () => {
    vi.useFakeTimers({ toNotFake: ['setImmediate', 'clearImmediate', 'nextTick'] } as Config)
    const loop = useLoop()
    const immediate = vi.fn()
    const timeout = vi.fn()
    setImmediate(immediate)
    setTimeout(timeout, 0)
    expect(vi.getTimerCount()).toBe(1) // the timeout alone
    await new Promise<void>((resolve) => setImmediate(resolve)) // a real immediate, after the first one
    expect(immediate).toHaveBeenCalledOnce()
    expect(timeout).not.toHaveBeenCalled()
    expect(loop.time()).toBe(0)
    vi.runAllTimers()
    expect(timeout).toHaveBeenCalledOnce()
  })

  it('an empty list fakes every timer, nextTick aside: it stays real (vi fakes it in worker threads)', async () => {
    const nextTick = process.nextTick
    vi.useFakeTimers({ toNotFake: [] } as unknown as Config)
    expect(process.nextTick).toBe(nextTick)
    const fn = vi.fn()
    process.nextTick(fn)
    setImmediate(() => {})
    expect(vi.getTimerCount()).toBe(1)
    await hop()
    expect(fn).toHaveBeenCalledOnce()
  })

  it('takes \'nextTick\' in the list: nextTick stays real, as it always is', () => {
    const nextTick = process.nextTick
    vi.useFakeTimers({ toNotFake: ['nextTick'] } as Config)
    expect(vi.isFakeTimers()).toBe(true)
    expect(process.nextTick).toBe(nextTick)
  })

  it('refuses toFake and toNotFake together with Vitest 5\'s TypeError', () => {
    const config = { toFake: [], toNotFake: [] } as unknown as Config
    expect(() => vi.useFakeTimers(config)).toThrow(new TypeError('config.toFake and config.toNotFake cannot be used together'))
    expect(vi.isFakeTimers()).toBe(false)
    expect(useLoop().timeFlow).toBe('auto')
  })
})

describe('useRealTimers and useFakeTimers again', () => {
  it('useRealTimers: the same globals, now on the loop\'s auto flow; what was pending stays on the loop', () => {
    const globals = () => [setTimeout, setInterval, clearTimeout, clearInterval, setImmediate, clearImmediate]
    const before = globals()
    vi.useFakeTimers()
    setTimeout(() => {}, 100)
    setImmediate(() => {})
    vi.useRealTimers()
    expect(globals()).toEqual(before)
    expect(useLoop().timeFlow).toBe('auto')
    expect(useLoop().timerCount).toBe(1)
    expect(useLoop().readyCount).toBe(1)
    vi.useFakeTimers()
    vi.runAllTimers() // leave nothing behind
  })

  it('useFakeTimers after useRealTimers: timeouts, intervals and immediates wait for the test again', async () => {
    vi.useFakeTimers()
    vi.useRealTimers()
    vi.useFakeTimers()
    expect(useLoop().timeFlow).toBe('manual')
    const fn = vi.fn()
    setTimeout(fn, 10)
    setInterval(fn, 10)
    setImmediate(fn)
    await hop() // a real macrotask passes; the loop stays still
    expect(fn).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(3)
    vi.advanceTimersByTime(10)
    expect(fn).toHaveBeenCalledTimes(3)
  })

  it('process.nextTick is the same function before, during and after (vi swaps it when asked to fake it)', () => {
    const nextTick = process.nextTick
    vi.useRealTimers()
    expect(process.nextTick).toBe(nextTick)
    vi.useFakeTimers()
    expect(process.nextTick).toBe(nextTick)
    vi.useRealTimers()
    expect(process.nextTick).toBe(nextTick)
  })
})
