/**
 * The context a test's code runs in with the setup file on: virtual time
 * installed in the globals and routed, call by call, to the test's state,
 * which sits in the worker's AsyncLocalStorage store (what the setup file's
 * aroundEach opens), and the test's loop as the setup file makes it
 * (recording on for the timeline picture). The rows that call the global
 * setTimeout run here, as every setTimeout of a user's test does: on Node 20
 * and 22 the store is one more property on every Timeout, and the routing is
 * a store lookup per call.
 */
import type { RunnerTestCase } from 'vitest'
import type { EventLoop } from '../../src/core.ts'
import { setTraceCapture } from '../../src/core.ts'
import { installTime } from '../../src/time/install.ts'
import { TestState, currentTestState, worker } from '../../src/vitest/test-state.ts'

export interface InTest {
  /** The test's loop. */
  readonly loop: EventLoop
  /** What the setup file does when the test ends (`finish`): globals restored, state cleaned up and let go. */
  dispose(): void
}

/** The global setTimeout as the workloads call it (whatever is installed there now). */
export function globalSetTimeout(): (fn: () => void, ms: number) => unknown {
  return globalThis.setTimeout as unknown as (fn: () => void, ms: number) => unknown
}

/** Enters a fresh test: everything after this call (in this async context) runs in it. */
export function enterTest(traces: boolean): InTest {
  const task = { name: 'bench', file: { filepath: 'bench' }, context: {} } as unknown as RunnerTestCase
  const state = new TestState(task, {}, false)
  const loop = state.ensureLoop()
  worker.storage.enterWith(state)
  const time = installTime(() => currentTestState()?.loopFor(undefined))
  setTraceCapture(traces)
  return {
    loop,
    dispose() {
      time.uninstall()
      state.cleanUp()
      state.release()
    },
  }
}
