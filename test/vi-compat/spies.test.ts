// vi.spyOn on the loop's globals (DESIGN.md): the spy sees the calls, and
// they still run on the loop, with vi's fake timers on or off.
import 'vitest-loop/setup'
import { afterEach, expect, it, vi } from 'vitest'
import { useLoop } from 'vitest-loop'

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
})

it('spies on setTimeout under vi.useFakeTimers()', () => {
  vi.useFakeTimers()
  const spy = vi.spyOn(globalThis, 'setTimeout')
  const fn = vi.fn()
  setTimeout(fn, 500)
  expect(spy).toHaveBeenCalledWith(fn, 500)
  expect(useLoop().timerCount).toBe(1)
  vi.advanceTimersByTime(500)
  expect(fn).toHaveBeenCalledTimes(1)
})

it('spies on Date.now, which still reads the loop', () => {
  vi.useFakeTimers({ now: 1000 })
  const spy = vi.spyOn(Date, 'now')
  vi.advanceTimersByTime(234)
  expect(Date.now()).toBe(1234)
  expect(spy).toHaveBeenCalledTimes(1)
})
