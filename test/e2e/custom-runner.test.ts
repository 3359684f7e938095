// A custom `runner` whose onBeforeTryTask does not call Vitest's (and so not
// vitest-loop's, src/vitest/runner-hooks.ts): its files keep the setup file's
// aroundEach, and a leak is still reported at its line.
import { beforeAll, describe, expect, it } from 'vitest'
import { nestedRunTimeout, reportedErrors, runVitest } from './run-vitest.ts'
import type { NestedRun } from './run-vitest.ts'

describe('a custom runner that replaces onBeforeTryTask (test/fixtures/custom-runner)', () => {
  let run: NestedRun
  beforeAll(async () => {
    run = await runVitest('custom-runner')
  }, nestedRunTimeout)

  it('runs its tests through the custom runner', () => {
    expect(run.output).toContain('custom runner: leaks a timer under a custom runner')
  })

  it('still fails the leaking test at its lines, and only that one', () => {
    expect(run.code, run.output).toBe(1)
    expect(run.output).toMatch(/Tests {2}1 failed \| 1 passed \(2\)/)
    const reported = reportedErrors(run.output)
    expect(reported.map((r) => [r.test, r.at])).toEqual([
      ['leaks a timer under a custom runner', 'leak.test.ts:3:1'],
      ['leaks a timer under a custom runner', 'leak.test.ts:4:3'],
    ])
  })
})
