// vi's fake-timer mode on the loop: switching it, how long it lasts, the
// system time, tick modes and the fakeTimers config fields.
import 'vitest-loop/setup'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { useLoop } from 'vitest-loop'

// Made outside any test: a real timer of the host (unref'd: never holds the worker).
const nativeFn = vi.fn()
const native = setTimeout(nativeFn, 1_000_000)
native.unref()

describe('useFakeTimers and useRealTimers', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('switches the test loop to the manual flow and back to the auto flow', () => {
    const loop = useLoop()
    expect(loop.timeFlow).toBe('auto')
    expect(vi.isFakeTimers()).toBe(false)
    expect(vi.useFakeTimers()).toBe(vi)
    expect(vi.isFakeTimers()).toBe(true)
    expect(loop.timeFlow).toBe('manual')
    expect(vi.useRealTimers()).toBe(vi)
    expect(vi.isFakeTimers()).toBe(false)
    expect(loop.timeFlow).toBe('auto')
  })

  it('keeps the patched globals in place both ways (the loop serves them, in either flow)', () => {
    const before = [setTimeout, setInterval, clearTimeout, clearInterval, setImmediate, clearImmediate, Date]
    vi.useFakeTimers()
    expect([setTimeout, setInterval, clearTimeout, clearInterval, setImmediate, clearImmediate, Date]).toEqual(before)
    vi.useRealTimers()
    expect([setTimeout, setInterval, clearTimeout, clearInterval, setImmediate, clearImmediate, Date]).toEqual(before)
  })

  it('keeps what is pending through useRealTimers, for the test (vi drops it), and the auto flow runs it', async () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setTimeout(fn, 5000)
    vi.useRealTimers()
    expect(useLoop().timerCount).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 5000))
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('applies `now` from the config, and a second useFakeTimers keeps the pending timers', () => {
    vi.useFakeTimers({ now: new Date('2020-01-01T00:00:00Z') })
    expect(new Date().toISOString()).toBe('2020-01-01T00:00:00.000Z')
    const fn = vi.fn()
    setTimeout(fn, 10)
    vi.useFakeTimers({ now: 0 })
    expect(Date.now()).toBe(0)
    vi.advanceTimersByTime(10)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('fakes only the globals in `toFake`', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const loop = useLoop()
    const fn = vi.fn()
    setTimeout(fn, 10_000)
    expect(loop.timerCount).toBe(1)
    vi.advanceTimersByTime(10_000)
    expect(fn).toHaveBeenCalledTimes(1)
    expect(Date.now()).not.toBe(loop.now()) // Date is the host's
    vi.useRealTimers()
    expect(Date.now()).toBe(loop.now()) // and the loop's again
  })

  it('clears a native timer handed to clearTimeout (shouldClearNativeTimers, on by default in Vitest)', () => {
    vi.useFakeTimers({ shouldClearNativeTimers: true })
    clearTimeout(native)
    expect((native as unknown as { _destroyed: boolean })._destroyed).toBe(true)
  })

  it('names a toFake entry vi does not know', () => {
    expect(() => vi.useFakeTimers({ toFake: ['setTimeoutt' as 'setTimeout'] })).toThrow(TypeError)
    expect(vi.isFakeTimers()).toBe(false)
  })
})

describe('the system time', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('moves Date with fake timers, fires nothing, and getMockedSystemTime reads it', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setTimeout(fn, 10)
    vi.setSystemTime(new Date('2030-05-06T07:08:09Z'))
    expect(new Date().toISOString()).toBe('2030-05-06T07:08:09.000Z')
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(10)
    expect(fn).toHaveBeenCalledTimes(1)
    expect(vi.getMockedSystemTime()?.toISOString()).toBe('2030-05-06T07:08:09.010Z')
    vi.setSystemTime(1000)
    expect(Date.now()).toBe(1000)
    vi.setSystemTime('2015-02-20T13:59:31Z')
    expect(Date.now()).toBe(1424440771000)
  })

  it('moves Date without fake timers too; getMockedSystemTime is that date until useRealTimers, else null', () => {
    expect(vi.getMockedSystemTime()).toBeNull()
    vi.setSystemTime(new Date('2001-02-03T04:05:06Z'))
    expect(new Date().toISOString()).toBe('2001-02-03T04:05:06.000Z')
    expect(vi.getMockedSystemTime()?.toISOString()).toBe('2001-02-03T04:05:06.000Z')
    vi.useRealTimers()
    expect(vi.getMockedSystemTime()).toBeNull()
  })

  it('keeps the date set before useFakeTimers', () => {
    vi.setSystemTime('2015-02-20T13:59:31Z')
    expect(Date.now()).toBe(1424440771000)
    expect(() => vi.useFakeTimers()).not.toThrow()
    expect(Date.now()).toBe(1424440771000)
  })

  it('getRealSystemTime reads the host clock, not the loop', () => {
    vi.useFakeTimers({ now: 0 })
    expect(Date.now()).toBe(0)
    expect(vi.getRealSystemTime()).toBeGreaterThan(Date.parse('2020-01-01'))
  })
})

describe('setTimerTickMode', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('manual: time stands still until the test moves it', async () => {
    vi.useFakeTimers()
    const spy = vi.fn()
    setTimeout(spy, 10)
    vi.setTimerTickMode('manual')
    expect(useLoop().timeFlow).toBe('manual')
    await vi.advanceTimersByTimeAsync(0)
    expect(spy).not.toHaveBeenCalled()
    vi.advanceTimersByTime(100)
    expect(spy).toHaveBeenCalledOnce()
  })

  it('nextTimerAsync: time jumps to the next timer whenever the test waits', async () => {
    vi.useFakeTimers()
    const spy = vi.fn()
    setTimeout(spy, 10_000_000)
    vi.setTimerTickMode('nextTimerAsync')
    await new Promise((resolve) => setTimeout(resolve, 20_000_000))
    expect(spy).toHaveBeenCalledOnce()
  })

  it('interval: time moves by itself (on the loop: at once, not at the real pace)', async () => {
    vi.useFakeTimers()
    const spy = vi.fn()
    setTimeout(spy, 10)
    vi.setTimerTickMode('interval', 5)
    const start = performance.now()
    await new Promise((resolve) => setTimeout(resolve, 15))
    expect(spy).toHaveBeenCalledOnce()
    expect(performance.now() - start).toBe(15)
  })

  it('switches from nextTimerAsync to manual', async () => {
    vi.useFakeTimers()
    const spy = vi.fn()
    setTimeout(spy, 10)
    vi.setTimerTickMode('nextTimerAsync')
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(spy).not.toHaveBeenCalled()
    vi.setTimerTickMode('manual')
    await vi.advanceTimersByTimeAsync(0)
    expect(spy).not.toHaveBeenCalled()
    vi.advanceTimersByTime(100)
    expect(spy).toHaveBeenCalledOnce()
  })

  it('nextTimerAsync reaches timers set by timers', async () => {
    vi.useFakeTimers()
    const nested = vi.fn()
    const spy = vi.fn(() => void setTimeout(nested, 50))
    setTimeout(spy, 100)
    vi.setTimerTickMode('nextTimerAsync')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(spy).toHaveBeenCalledOnce()
    expect(nested).toHaveBeenCalledOnce()
  })

  it('names a mode it does not know, and needs fake timers', () => {
    expect(() => vi.setTimerTickMode('manual')).toThrow(/the timers APIs are not mocked/)
    vi.useFakeTimers()
    expect(() => vi.setTimerTickMode('sometimes' as 'manual')).toThrow('Invalid tick mode: sometimes')
  })

  it('shouldAdvanceTime: time moves by itself (the auto flow, advanceTimeDelta aside)', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true, advanceTimeDelta: 20 })
    expect(useLoop().timeFlow).toBe('auto')
    const start = Date.now()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(Date.now() - start).toBe(1000)
  })
})

describe('vi mode lasts across tests, each on its own loop', () => {
  beforeAll(() => {
    vi.useFakeTimers({ now: new Date('2022-02-22T00:00:00Z') })
  })
  afterAll(() => {
    vi.useRealTimers()
  })

  it('starts a test in vi mode after useFakeTimers in beforeAll', () => {
    expect(vi.isFakeTimers()).toBe(true)
    expect(useLoop().timeFlow).toBe('manual')
    expect(new Date().toISOString()).toBe('2022-02-22T00:00:00.000Z')
    setTimeout(() => {}, 50)
    vi.advanceTimersByTime(50)
  })

  it('gives the next test a fresh loop at the configured time', () => {
    expect(useLoop().time()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    expect(new Date().toISOString()).toBe('2022-02-22T00:00:00.000Z')
  })

  it('keeps vi mode set in a test body for the tests after it', () => {
    vi.useRealTimers()
    vi.useFakeTimers({ now: 5 })
    expect(Date.now()).toBe(5)
  })

  it('(the test after it)', () => {
    expect(vi.isFakeTimers()).toBe(true)
    expect(Date.now()).toBe(5)
  })
})

describe('outside vi mode', () => {
  it('runs a test in the auto flow after useRealTimers in afterAll', () => {
    expect(vi.isFakeTimers()).toBe(false)
    expect(useLoop().timeFlow).toBe('auto')
  })
})

describe.concurrent('concurrent tests with vi fakes', () => {
  const steps: string[] = []
  for (const [name, delay] of [['one', 30], ['two', 70]] as const) {
    it(`never sees the other test's timers (${name})`, async () => {
      vi.useFakeTimers()
      setTimeout(() => steps.push(name), delay)
      await Promise.resolve()
      expect(vi.getTimerCount()).toBe(1)
      await vi.advanceTimersByTimeAsync(delay)
      expect(vi.getTimerCount()).toBe(0)
      expect(useLoop().time()).toBe(delay)
      expect(steps).toContain(name)
    })
  }
  afterAll(() => {
    vi.useRealTimers()
  })
})

describe('Vitest 5 config and arguments', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('toNotFake: fakes everything else', () => {
    vi.useFakeTimers({ toNotFake: ['Date'] } as Parameters<typeof vi.useFakeTimers>[0])
    const loop = useLoop()
    setTimeout(() => {}, 10_000)
    expect(loop.timerCount).toBe(1)
    vi.advanceTimersByTime(10_000)
    expect(Date.now()).not.toBe(loop.now()) // Date is the host's
  })

  it('setSystemTime takes a Temporal-like instant (epochMilliseconds)', () => {
    vi.useFakeTimers()
    vi.setSystemTime({ epochMilliseconds: 86_400_000 } as unknown as Date)
    expect(Date.now()).toBe(86_400_000)
  })
})
