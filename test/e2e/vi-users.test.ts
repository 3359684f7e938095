// Suites written the way vi users write them (vi.useFakeTimers in beforeEach,
// vi.useRealTimers in afterEach, advanceTimersByTimeAsync, setSystemTime,
// runOnlyPendingTimers), untouched, under loopPlugin(): the clean ones pass,
// and each leak fails its test at its lines, also when afterEach called
// vi.useRealTimers() (which, in Vitest alone, drops pending timers silently).
import { beforeAll, describe, expect, it } from 'vitest'
import { reportedErrors, runVitest } from './run-vitest.ts'
import type { NestedRun, Reported } from './run-vitest.ts'

const timer = (what: string, due: string, now: string) =>
  `LeakError: pending ${what} due at ${due} of loop time (now ${now}) on the test loop: clear it before the test ends, or unref() it if it may outlive the test`

const expected: Record<string, [string, string][]> = {
  'leaves a timeout it never advanced to': [
    ['LeakError: test left 1 pending timer on its loop', 'leaky.test.ts:13:3'],
    [timer('setTimeout(Mock, 10,000 ms)', '10,000 ms', '1,000 ms'), 'leaky.test.ts:15:5'],
  ],
  'leaves an interval running': [
    ['LeakError: test left 1 pending timer on its loop', 'leaky.test.ts:20:3'],
    [timer('setInterval(Mock, 100 ms)', '300 ms', '250 ms'), 'leaky.test.ts:22:5'],
  ],
  'leaves a timeout after setSystemTime': [
    ['LeakError: test left 1 pending timer on its loop', 'leaky.test.ts:34:3'],
    [timer('setTimeout(anonymous, 42 ms)', '42 ms', '0 ms'), 'leaky.test.ts:37:5'],
  ],
  'leaves an interval: running it once does not end it': [
    ['LeakError: test left 1 pending timer on its loop', 'leaky.test.ts:51:3'],
    [timer('setInterval(anonymous, 1,000 ms)', '3,000 ms', '2,000 ms'), 'leaky.test.ts:52:5'],
  ],
}

describe('vi users (test/fixtures/vi-users)', () => {
  let run: NestedRun
  let reported: Reported[]
  beforeAll(async () => {
    run = await runVitest('vi-users')
    reported = reportedErrors(run.output)
  }, 60_000)

  it('passes the clean suite untouched', () => {
    expect(run.output).toContain('✓ clean.test.ts (5 tests)')
  })

  it('fails exactly the leaky tests, and passes the one that cleans up', () => {
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/Tests +4 failed \| 6 passed \(10\)/)
    expect(new Set(reported.map((error) => error.test))).toEqual(new Set(Object.keys(expected)))
  })

  for (const [test, errors] of Object.entries(expected)) {
    it(`reports '${test}' at its lines`, () => {
      const got = reported.filter((error) => error.test === test).map((error) => [error.error, error.at])
      expect(got).toEqual(errors)
    })
  }
})
