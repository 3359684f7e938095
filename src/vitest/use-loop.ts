/**
 * useLoop(): the running test's loop. useRealTime(): this test opts out.
 */
import { NoCurrentLoopError, InvalidStateError } from '../loop/errors.ts'
import type { EventLoop } from '../loop/event-loop.ts'
import type { LoopOptions } from './options.ts'
import { validateOptions } from './options.ts'
import { currentTestState } from './test-state.ts'
import type { TestState } from './test-state.ts'

function stateOrThrow(caller: string): TestState {
  const state = currentTestState()
  if (state === undefined || state.finished) {
    const setUp = (globalThis as Record<symbol, unknown>)[Symbol.for('vitest-loop:setup')] !== undefined
    throw new NoCurrentLoopError(
      setUp
        ? `${caller} was called outside a test: call it inside test(), a beforeEach/afterEach hook or a fixture`
        : `${caller} needs vitest-loop set up: add loopPlugin() from 'vitest-loop/plugin' to the plugins of vitest.config.ts, or 'vitest-loop/setup' to test.setupFiles`,
    )
  }
  return state
}

/**
 * This test's loop: created before the test (or now, with `autoUse: false`),
 * installed in the globals, closed and checked for leaks when the test ends.
 * Options given here apply to this test only.
 *
 * @example
 * it('retries with backoff', async () => {
 *   const loop = useLoop()
 *   await retry(op)                 // its timers run on virtual time
 *   expect(loop.time()).toBe(3000)
 * })
 */
export function useLoop(options?: LoopOptions): EventLoop {
  const state = stateOrThrow('useLoop()')
  if (options !== undefined) validateOptions(options, 'useLoop()')
  if (state.realTime) {
    throw new InvalidStateError(
      'useLoop() was called in a test that runs on real time (it matches `exclude` in the vitest-loop options, or called useRealTime())',
    )
  }
  state.asked = true
  if (options !== undefined) state.configure(options)
  return state.ensureLoop()
}

/**
 * Runs the rest of this test on real time: its automatic loop is closed
 * (it must still be empty) and the globals call the real timers.
 *
 * @example
 * it('talks to the real clock', async () => {
 *   useRealTime()
 *   await new Promise((r) => setTimeout(r, 5))
 * })
 */
export function useRealTime(): void {
  const state = stateOrThrow('useRealTime()')
  const loop = state.loop
  if (loop !== undefined && (loop.timerCount > 0 || loop.readyCount > 0 || loop.allTasks().length > 0)) {
    throw new InvalidStateError(
      'useRealTime() must be called before the test schedules anything: its loop already holds work',
    )
  }
  if (state.asked) {
    throw new InvalidStateError('useRealTime() cannot be called after useLoop() or the `loop` fixture in the same test')
  }
  state.realTime = true
}
