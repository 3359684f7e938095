// Vitest's `fakeTimers` config under the plugin (test/fixtures/vi-config).
// Vitest's own failures.test.ts runs its fake-timers fixture with
// `toFake: ['nextTick']`: vi refuses it in forks and fakes nextTick in
// threads. The loop keeps nextTick real, so it refuses it in every pool, from
// the config as from the call; the rest of the config (loopLimit) applies.
import { beforeAll, describe, expect, it } from 'vitest'
import { nestedRunTimeout, reportedErrors, runVitest } from './run-vitest.ts'
import type { NestedRun, Reported } from './run-vitest.ts'

for (const pool of ['forks', 'threads']) {
  describe(`fakeTimers in the config (${pool})`, () => {
    let run: NestedRun
    let reported: Reported[]
    beforeAll(async () => {
      run = await runVitest('vi-config', [`--pool=${pool}`])
      reported = reportedErrors(run.output)
    }, nestedRunTimeout)

    it('refuses nextTick in toFake at the vi.useFakeTimers() call that reads it', () => {
      expect(run.code).toBe(1)
      expect(reported.map((error) => [error.test, error.error, error.at])).toEqual([
        [
          'uses fake timers',
          "InvalidStateError: vi.useFakeTimers({ toFake: [..., 'nextTick'] }): vitest-loop keeps process.nextTick and queueMicrotask real " +
            "(they run between callbacks as under Node). Remove 'nextTick' from toFake, or run this test on real time with useRealTime().",
          'fake-timers.test.ts:5:6',
        ],
      ])
    })

    it('applies loopLimit from the config when the test names its own toFake', () => {
      expect(run.output).toMatch(/Tests +1 failed \| 1 passed \(2\)/)
    })
  })
}
