/**
 * `vi`'s fake-timer API served by the plugin's loop, as a test with
 * loopPlugin() on sees it: vitest-loop's wrappers on the real `vi` object
 * (src/vitest/vi-timers.ts), in a test's context (in-test.ts), whose loop
 * vi.useFakeTimers() puts in the manual flow. The workload calls the global
 * setTimeout and vi.advanceTimersByTime(Async).
 */
import { wrapViTimers } from '../../src/vitest/vi-timers.ts'
import type { Clock } from './engines.ts'
import { enterTest, globalSetTimeout } from './in-test.ts'
import { vi } from './vitest-vi.ts'

wrapViTimers(vi, () => true)

/** A clock driven through vi, on a fresh test state and loop. */
export function viLoopClock(traces: boolean): Clock {
  const test = enterTest(traces)
  vi.useFakeTimers()
  const set = globalSetTimeout()
  return {
    setTimeout: (fn, ms) => set(fn, ms),
    advanceSync: (ms) => void vi.advanceTimersByTime(ms),
    advance: async (ms) => void (await vi.advanceTimersByTimeAsync(ms)),
    dispose() {
      vi.useRealTimers()
      test.dispose()
    },
  }
}
