// vi.getMockedSystemTime() and Date around useFakeTimers / useRealTimers
// (Vitest's timers-getMockedSystemTime.test.ts), and Temporal (Vitest 5's
// timers-temporal.test.ts), on the test's loop. Date stays the loop's Date
// after useRealTimers; vi gives the real Date back, so the loop puts its wall
// clock back where it would be had vi never moved it.
import 'vitest-loop/setup'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { useLoop } from 'vitest-loop'

type Config = Parameters<typeof vi.useFakeTimers>[0]

afterEach(() => {
  vi.useRealTimers()
})

describe('getMockedSystemTime', () => {
  it('with fake timers: the fake clock, null once timers are real again', () => {
    expect(vi.getMockedSystemTime()).toBeNull()
    vi.useFakeTimers()
    expect(vi.getMockedSystemTime()).toEqual(new Date())
    vi.setSystemTime(0)
    expect(new Date()).toEqual(new Date(0))
    expect(vi.getMockedSystemTime()).toEqual(new Date(0))
    vi.advanceTimersByTime(1234)
    expect(vi.getMockedSystemTime()).toEqual(new Date())
    expect(vi.getMockedSystemTime()).toEqual(new Date(1234))
    vi.useRealTimers()
    expect(vi.getMockedSystemTime()).toBeNull()
    expect(new Date()).not.toEqual(new Date(1234))
    vi.useFakeTimers({ now: 12345 })
    expect(vi.getMockedSystemTime()).toEqual(new Date())
    expect(vi.getMockedSystemTime()).toEqual(new Date(12345))
  })

  it('without fake timers: the date set, null after useRealTimers', () => {
    expect(vi.getMockedSystemTime()).toBeNull()
    vi.setSystemTime(0)
    expect(vi.getMockedSystemTime()).toEqual(new Date())
    expect(vi.getMockedSystemTime()).toEqual(new Date(0))
    vi.setSystemTime(1234)
    expect(vi.getMockedSystemTime()).toEqual(new Date())
    expect(vi.getMockedSystemTime()).toEqual(new Date(1234))
    vi.useRealTimers()
    expect(vi.getMockedSystemTime()).toBeNull()
    expect(new Date()).not.toEqual(new Date(1234))
    vi.setSystemTime(12345)
    expect(vi.getMockedSystemTime()).toEqual(new Date())
    expect(vi.getMockedSystemTime()).toEqual(new Date(12345))
  })
})

describe('the wall clock after useRealTimers', () => {
  it('runs on from where it would be without vi: the test\'s start instant plus the time that passed', () => {
    const loop = useLoop()
    const start = Date.now() // the run's start instant (DESIGN.md), loop time 0
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') })
    vi.advanceTimersByTime(500)
    vi.setSystemTime(7)
    vi.advanceTimersByTime(250)
    vi.useRealTimers()
    expect(loop.time()).toBe(750)
    expect(Date.now()).toBe(start + 750)
  })

  it('keeps a wall clock the test set through its loop, not through vi', () => {
    const loop = useLoop()
    loop.setSystemTime(1_000_000)
    vi.useFakeTimers()
    vi.advanceTimersByTime(10)
    vi.useRealTimers()
    expect(Date.now()).toBe(1_000_010)
  })
})

describe('Temporal (Vitest 5 fakes it; vitest-loop leaves it to the host)', () => {
  const temporal = () => (globalThis as { Temporal?: unknown }).Temporal

  it('is the environment\'s own under useFakeTimers, also with toFake: [\'Temporal\']', () => {
    const before = temporal()
    vi.useFakeTimers({ now: 0 })
    expect(temporal()).toBe(before)
    vi.useRealTimers()
    vi.useFakeTimers({ toFake: ['Date', 'Temporal'] } as Config)
    expect(Date.now()).toBe(useLoop().now())
    expect(temporal()).toBe(before)
  })

  it('is the environment\'s own after setSystemTime without fake timers', () => {
    const before = temporal()
    vi.setSystemTime(0)
    expect(vi.isFakeTimers()).toBe(false)
    expect(temporal()).toBe(before)
    expect(Date.now()).toBe(0)
  })
})
