// onLeak, allowlists, autoUse, exclude globs, useRealTime and vi.useFakeTimers,
// seen from the outside: a nested Vitest on test/fixtures/options.
import { beforeAll, describe, expect, it } from 'vitest'
import { headerPlace, nestedRunTimeout, reportedErrors, runVitest } from './run-vitest.ts'
import type { NestedRun, Reported } from './run-vitest.ts'

describe('options (test/fixtures/options)', () => {
  let run: NestedRun
  let reported: Reported[]
  beforeAll(async () => {
    run = await runVitest('options')
    reported = reportedErrors(run.output)
  }, nestedRunTimeout)

  it('fails only the test whose leak no option covers', () => {
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/Tests {2}1 failed \| 14 passed \(15\)/)
    expect([...new Set(reported.map((r) => r.test))]).toEqual(['still fails what the allowlist does not cover'])
    expect(reported.map((r) => [r.error.slice(0, 48), r.at])).toEqual([
      ['LeakError: test left 1 pending timer on its loop', 'on-leak.test.ts:33:1'],
      ['LeakError: pending setTimeout(anonymous, 77 ms) ', 'on-leak.test.ts:35:3'],
    ])
  })

  it("prints onLeak: 'warn' reports on stderr and passes the test", () => {
    expect(run.output).toContain('✓ warns instead of failing with onLeak: warn')
    expect(run.output).toMatch(
      new RegExp(
        String.raw`stderr \| ${headerPlace('on-leak.test.ts')} > warns instead of failing with onLeak: warn\n` +
          String.raw`LeakError: test left 1 pending timer on its loop\n {4}at warns instead of failing with onLeak: warn \(.*on-leak.test.ts:4:1\)\n\nLeakError: pending setTimeout\(anonymous, 1,234 ms\)`,
      ),
    )
  })

  it("says nothing for onLeak: 'ignore' and for allowed findings (string, RegExp, predicate, config)", () => {
    for (const name of [
      'ignores its leak with onLeak: ignore',
      'allows an expected timer by a string',
      'allows an expected timer by a RegExp',
      'allows an expected timer by a predicate',
      'allows by the config allowlist',
    ]) {
      expect(run.output).toContain(`✓ ${name}`)
      expect(run.output).not.toMatch(new RegExp(String.raw`stderr \| ${headerPlace('on-leak.test.ts')} > ${name}`))
    }
  })

  it('serves vi.useFakeTimers from the test loop, and vi.useRealTimers returns the next test to the auto flow', () => {
    expect(run.output).toContain('✓ fake-timers.test.ts (2 tests)')
  })

  it('runs files matching `exclude` and tests calling useRealTime() on real time', () => {
    expect(run.output).toContain('✓ real-time/excluded.test.ts (1 test)')
    expect(run.output).toContain('✓ use-real-time.test.ts (2 tests)')
  })

  it('gives every test a loop by default and names misuse of useLoop()', () => {
    expect(run.output).toContain('✓ auto-use.test.ts (3 tests)')
  })
})
