// Node's Timeout fields in a real suite (issue 11, part 3): a nested Vitest
// runs test/fixtures/timeout-fields, whose tests read _idleTimeout, _repeat,
// _idleStart, _destroyed, _onTimeout, the constructor names and
// util.promisify(setTimeout / setImmediate) with loopPlugin() on.
import { beforeAll, describe, expect, it } from 'vitest'
import { reportedErrors, runVitest } from './run-vitest.ts'
import type { NestedRun } from './run-vitest.ts'

describe("Node's Timeout fields under the plugin (test/fixtures/timeout-fields)", () => {
  let run: NestedRun
  beforeAll(async () => {
    run = await runVitest('timeout-fields')
  }, 60_000)

  it('passes every test that reads the fields, also on real time', () => {
    expect(run.output).toMatch(/Tests {2}1 failed \| 5 passed \(6\)/)
    for (const name of [
      'reads the heartbeat interval from _idleTimeout and _repeat, then stops it',
      'coerces an overlong delay to 1, as Node stores it',
      'awaits util.promisify(setTimeout) and util.promisify(setImmediate) on virtual time',
      'reads an Immediate as Node does',
      "has Node's own objects on real time",
    ]) {
      expect(run.output).toContain(`✓ ${name}`)
    }
  })

  it('still reports the heartbeat a test read and never stopped, at its line', () => {
    expect(reportedErrors(run.output).map((r) => [r.test, r.error, r.at])).toEqual([
      ['leaks a heartbeat it checked but never stopped', 'LeakError: test left 1 pending timer on its loop', 'heartbeat.test.ts:69:1'],
      [
        'leaks a heartbeat it checked but never stopped',
        'LeakError: pending setInterval(anonymous, 86,400,000 ms) due at 86,400,000 ms of loop time (now 0 ms) on the test loop: clear it before the test ends, or unref() it if it may outlive the test',
        'heartbeat.test.ts:10:22',
      ],
    ])
  })
})
