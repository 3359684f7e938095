// examples/leaks/ fails on purpose: each example must produce its report.
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { nestedRunTimeout, reportedErrors, runVitest } from './run-vitest.ts'
import type { NestedRun, Reported } from './run-vitest.ts'

const leaks = fileURLToPath(new URL('../../examples/leaks', import.meta.url))

describe('examples/leaks', () => {
  let run: NestedRun
  let reported: Reported[]
  beforeAll(async () => {
    run = await runVitest(leaks)
    reported = reportedErrors(run.output)
  }, nestedRunTimeout)

  it('fails every example', () => {
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/Tests {2}3 failed \(3\)/)
  })

  it('reports the chained-coroutines bug: `create` still pending on a closed loop', () => {
    expect(reported.filter((r) => r.test === 'stops the loop while `create` is still pending').map((r) => [r.error, r.at])).toEqual([
      ['LeakError: test left 1 pending task', 'chained-coroutines.test.ts:6:1'],
      ["LeakError: pending Task 'create' is not done: await it, or cancel it with task.cancel()", 'chained-coroutines.test.ts:9:8'],
    ])
  })

  it('reports the forgotten poller at the line that started it and at the test line', () => {
    const found = reported.filter((r) => r.test === 'starts polling and forgets to stop')
    expect(found.map((r) => [r.error, r.at])).toEqual([
      ['LeakError: test left 1 pending timer on its loop', 'forgotten-timer.test.ts:8:1'],
      [
        'LeakError: pending setInterval(anonymous, 5,000 ms) due at 5,000 ms of loop time (now 0 ms) on the test loop: clear it before the test ends, or unref() it if it may outlive the test',
        'forgotten-timer.test.ts:5:10',
      ],
    ])
    expect(found[1]?.body).toContain('❯ forgotten-timer.test.ts:9:3')
  })

  it('reports the exception nobody retrieved with the error as its cause', () => {
    const found = reported.filter((r) => r.test === 'starts a sync task and never checks on it')
    expect(found.map((r) => [r.error, r.at])).toEqual([
      ['LeakError: test left 1 exception never retrieved on its loop', 'exception-never-retrieved.test.ts:5:1'],
      [
        "LeakError: Task 'sync' failed and its exception was never retrieved (Error: backend unavailable): await the task, or read task.exception()",
        'exception-never-retrieved.test.ts:7:8',
      ],
    ])
    expect(found[1]?.body).toContain('Caused by: Error: backend unavailable')
    expect(found[1]?.body).toMatch(/❯ .*exception-never-retrieved.test.ts:9:11/)
  })
})
