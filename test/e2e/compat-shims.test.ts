// The runner shims of the compat corpus (compat/shims/) adapt upstream suites
// written for node:test, AVA, Mocha, tape, Jest and QUnit 1.x to Vitest. A shim that
// let every test pass would make compat/results.md worthless: a nested Vitest
// runs a small suite per runner, with passing and failing tests, on the loop.
import { beforeAll, describe, expect, it } from 'vitest'
import { runVitest } from './run-vitest.ts'
import type { NestedRun } from './run-vitest.ts'

/**
 * `file > test` → ✓ passed, × failed, ↓ skipped, from the verbose reporter.
 * Vitest 4.1 prints `file:line:column` before a test's name on some lines, Vitest 5 `file:line`: both are dropped.
 */
function outcomes(output: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const match of output.matchAll(/^ +([✓×↓]) (\S+?)(?::\d+(?::\d+)?)? > (.+?)(?: \d+ms)?$/gm)) {
    map.set(`${match[2]} > ${match[3]}`, match[1]!)
  }
  return map
}

describe('compat runner shims', () => {
  let run: NestedRun
  beforeAll(async () => {
    run = await runVitest('compat-shims', ['--reporter=verbose'])
  }, 60_000)

  it('passes, fails and skips each test as its own runner would', () => {
    expect(Object.fromEntries(outcomes(run.output))).toEqual({
      'ava.test.js > ava passes': '✓',
      'ava.test.js > ava fails without assertions': '×',
      'ava.test.js > ava fails on t.is': '×',
      'ava.test.js > ava fails on the wrong error message': '×',
      'node-test.test.js > node:test passes': '✓',
      'node-test.test.js > node:test fails on an assertion': '×',
      'node-test.test.js > node:test done(error) fails': '×',
      'node-test.test.js > node:test skip option': '↓',
      'mocha.test.js > mocha > passes with done': '✓',
      'mocha.test.js > mocha > fails with done(error)': '×',
      'mocha.test.js > mocha > fails on a throw': '×',
      'qunit.test.js > qunit > passes after stop and start': '✓',
      'qunit.test.js > qunit > fails on a failed ok': '×',
      'qunit.test.js > qunit > fails on a wrong expect count': '×',
      'jest.test.js > jest globals > jest.fn is vi.fn': '✓',
      'tape.test.js > tape > passes with a plan met by a timer': '✓',
      'tape.test.js > tape > runs its subtests after its body': '✓',
      'tape.test.js > tape > fails on a failed assertion': '×',
      'tape.test.js > tape > fails when its plan is not met': '×',
      'tape.test.js > tape top-level test without subtests': '✓',
    })
    expect(run.code).toBe(1)
  })

  it('says why a shimmed test failed', () => {
    expect(run.output).toContain('AssertionError: Test finished without running any assertions')
    expect(run.output).toContain('Error: Expected 2 assertions, but 1 were run')
    expect(run.output).toContain('Error: must not pass: false')
    expect(run.output).toContain('Error: from done')
    expect(run.output).toContain('Error: one is two: 1 !== 2')
    expect(run.output).toContain('Error: plan != count: planned 3 assertions, ran 1')
  })
})
