/**
 * `vi`'s fake-timer API served by the plugin's loop, as a test with
 * loopPlugin() on sees it: vitest-loop's wrappers on the real `vi` object
 * (src/vitest/vi-timers.ts), virtual time installed in the globals and routed
 * to one test's state, whose loop vi.useFakeTimers() puts in the manual flow.
 * The workload calls the global setTimeout and vi.advanceTimersByTime(Async).
 */
import type { RunnerTestCase } from 'vitest'
import { setTraceCapture } from '../../src/core.ts'
import { installTime } from '../../src/time/install.ts'
import { TestState, currentTestState, worker } from '../../src/vitest/test-state.ts'
import { wrapViTimers } from '../../src/vitest/vi-timers.ts'
import type { Clock } from './engines.ts'
import { vi } from './vitest-vi.ts'

wrapViTimers(vi, () => true)

/** A clock driven through vi, on a fresh test state and loop. */
export function viLoopClock(traces: boolean): Clock {
  const task = { name: 'bench', file: { filepath: 'bench' }, context: {} } as unknown as RunnerTestCase
  const state = new TestState(task, {}, false)
  state.ensureLoop()
  // What the setup file's aroundEach does for a test: everything after runs in its state.
  worker.storage.enterWith(state)
  const time = installTime(() => currentTestState()?.loopFor(undefined))
  setTraceCapture(traces)
  vi.useFakeTimers()
  const set = globalThis.setTimeout as unknown as (fn: () => void, ms: number) => unknown
  return {
    setTimeout: (fn, ms) => set(fn, ms),
    advanceSync: (ms) => void vi.advanceTimersByTime(ms),
    advance: async (ms) => void (await vi.advanceTimersByTimeAsync(ms)),
    dispose() {
      vi.useRealTimers()
      time.uninstall()
      // What the setup file does when a test ends (finish): clean up, then let go of the loop.
      state.cleanUp()
      state.release()
    },
  }
}
