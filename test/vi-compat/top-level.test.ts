// vi.useFakeTimers() at a file's top level applies to every test of the
// file, as in Vitest, each test on its own loop.
import 'vitest-loop/setup'
import { expect, it, vi } from 'vitest'
import { useLoop } from 'vitest-loop'

vi.useFakeTimers()
vi.setSystemTime(new Date('2010-10-10T10:10:10Z'))

it('starts in vi mode at the time set at the top level', () => {
  expect(vi.isFakeTimers()).toBe(true)
  expect(useLoop().timeFlow).toBe('manual')
  expect(new Date().toISOString()).toBe('2010-10-10T10:10:10.000Z')
  const fn = vi.fn()
  setTimeout(fn, 100)
  vi.advanceTimersByTime(100)
  expect(fn).toHaveBeenCalledOnce()
})

it('and so does the next test, on a fresh loop', () => {
  expect(vi.isFakeTimers()).toBe(true)
  expect(useLoop().time()).toBe(0)
  expect(new Date().toISOString()).toBe('2010-10-10T10:10:10.000Z')
  vi.useRealTimers()
  expect(useLoop().timeFlow).toBe('auto')
})

it('until vi.useRealTimers()', () => {
  expect(vi.isFakeTimers()).toBe(false)
  expect(useLoop().timeFlow).toBe('auto')
})
