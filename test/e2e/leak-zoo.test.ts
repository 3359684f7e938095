// The product as users meet it: a nested Vitest runs the leak zoo and the
// clean zoo under test/fixtures/, with loopPlugin() on, and we read what it
// printed. Every leak must fail its test and be reported at the exact
// file:line:column of the user's TypeScript source.
import { beforeAll, describe, expect, it } from 'vitest'
import { nestedRunTimeout, nestedVitestVersion, reportedErrors, runVitest } from './run-vitest.ts'
import type { NestedRun, Reported } from './run-vitest.ts'

const [major, minor] = nestedVitestVersion.split('.').map(Number) as [number, number]
const timeoutErrorName = major > 5 || (major === 5 && minor >= 1) ? 'TestTimeoutError' : 'Error'

/** What one test must report: [first line of the error, file:line:column of its code frame]. */
type Expected = [error: string | RegExp, at: string][]

const timer = (what: string, due: string, now: string) =>
  `LeakError: pending ${what} due at ${due} of loop time (now ${now}) on the test loop: clear it before the test ends, or unref() it if it may outlive the test`

const expected: Record<string, Expected> = {
  // direct.test.ts
  'leaks a setTimeout': [
    ['LeakError: test left 1 pending timer on its loop', 'direct.test.ts:4:1'],
    [timer('setTimeout(anonymous, 5,000 ms)', '5,000 ms', '0 ms'), 'direct.test.ts:5:3'],
  ],
  'leaks a setInterval': [
    ['LeakError: test left 1 pending timer on its loop', 'direct.test.ts:8:1'],
    [timer('setInterval(anonymous, 250 ms)', '250 ms', '0 ms'), 'direct.test.ts:9:3'],
  ],
  // The loop's last turn runs what is ready: a callback queued on the test's last line runs;
  // one that keeps re-queueing itself is still pending after it, at the line that re-queues it.
  'leaks a setImmediate that keeps re-queueing itself': [
    ['LeakError: test left 1 pending callback on its loop', 'direct.test.ts:12:1'],
    [/^LeakError: pending setImmediate\(again\) was queued again during the loop's last turn after the test: it keeps re-queueing itself/, 'direct.test.ts:13:35'],
  ],
  'leaks a loop.callLater': [
    ['LeakError: test left 1 pending timer on its loop', 'direct.test.ts:16:1'],
    [timer('loop.callLater(1,500 ms, anonymous)', '1,500 ms', '0 ms'), 'direct.test.ts:18:8'],
  ],
  'leaks a loop.callSoon that keeps re-queueing itself': [
    ['LeakError: test left 1 pending callback on its loop', 'direct.test.ts:21:1'],
    [/^LeakError: pending loop.callSoon\(again\) was queued again during the loop's last turn/, 'direct.test.ts:23:41'],
  ],
  // The last turn starts the task (its start was ready): it then waits on its sleep, reported too.
  'leaks a pending task': [
    ['LeakError: test left 1 pending task and 1 pending timer on its loop', 'direct.test.ts:26:1'],
    ["LeakError: pending Task 'sleeper' is not done: await it, or cancel it with task.cancel()", 'direct.test.ts:28:8'],
    [timer('loop.callLater(10,000 ms, anonymous)', '10,000 ms', '0 ms'), 'direct.test.ts:28:30'],
  ],
  'leaves an exception never retrieved': [
    ['LeakError: test left 1 exception never retrieved on its loop', 'direct.test.ts:31:1'],
    [
      "LeakError: Task 'doomed' failed and its exception was never retrieved (Error: nobody reads me): await the task, or read task.exception()",
      'direct.test.ts:33:8',
    ],
  ],
  'has a callback that throws': [
    ['LeakError: test left 1 callback error on its loop', 'direct.test.ts:39:1'],
    [/^LeakError: setTimeout\(anonymous, 10 ms\) callback threw Error: callback exploded/, 'direct.test.ts:40:3'],
  ],
  // around.test.ts, around-describe.test.ts: a file with an aroundEach of its own
  'leaks a timer that its aroundEach does not know': [
    ['LeakError: test left 1 pending timer on its loop', 'around.test.ts:18:1'],
    [timer('setTimeout(anonymous, 6,000 ms)', '6,000 ms', '0 ms'), 'around.test.ts:19:3'],
  ],
  'leaks an interval outside the block': [
    ['LeakError: test left 1 pending timer on its loop', 'around-describe.test.ts:18:1'],
    [timer('setInterval(anonymous, 700 ms)', '700 ms', '0 ms'), 'around-describe.test.ts:19:3'],
  ],
  'never closes its loop': [
    ['LeakError: test left 1 unclosed loop', 'direct.test.ts:46:1'],
    [/^LeakError: loop #\d+ was created in this test and never closed: call loop.close\(\)/, 'direct.test.ts:47:16'],
  ],
  'never starts its loop': [
    ['LeakError: test left 1 never-started loop', 'direct.test.ts:51:1'],
    [/^LeakError: loop #\d+ had work scheduled but never ran \(first scheduled at direct.test.ts:53:8\)/, 'direct.test.ts:52:16'],
  ],
  'leaves an unhandled rejection': [
    ['LeakError: test left 1 unhandled rejection', 'direct.test.ts:57:1'],
    [/^LeakError: unhandled rejection during the test: Error: rejected and ignored/, 'direct.test.ts:58:23'],
  ],
  'rejects late, after it returned': [
    ['LeakError: test left 1 unhandled rejection', 'direct.test.ts:62:1'],
    [/^LeakError: unhandled rejection during the test: Error: late rejection/, 'direct.test.ts:64:11'],
  ],
  // helper.test.ts: the code frame is in the helper; the test's line follows in the stack
  'leaks an interval started in a helper module': [
    ['LeakError: test left 1 pending timer on its loop', 'helper.test.ts:4:1'],
    [timer('setInterval(onTick, 100 ms)', '100 ms', '0 ms'), 'src/poller.ts:10:50'],
  ],
  'leaks a timeout scheduled in a helper module': [
    ['LeakError: test left 1 pending timer on its loop', 'helper.test.ts:8:1'],
    [timer('setTimeout(anonymous, 30,000 ms)', '30,000 ms', '0 ms'), 'src/poller.ts:15:3'],
  ],
  // dependency.test.ts: the code frame is the test's line; the message names the dependency's
  'leaks an interval started inside a dependency': [
    ['LeakError: test left 1 pending timer on its loop', 'dependency.test.ts:4:1'],
    [
      `${timer('setInterval(anonymous, 1,000 ms)', '1,000 ms', '0 ms')} (made inside a dependency at node_modules/leaky-dep/index.js:3:10)`,
      'dependency.test.ts:5:3',
    ],
  ],
  // hooks.test.ts: a timer leaked by beforeEach is reported in each test, at the hook's line
  'inherits a timer leaked by beforeEach': [
    ['LeakError: test left 1 pending timer on its loop', 'hooks.test.ts:8:1'],
    [timer('setTimeout(anonymous, 60,000 ms)', '60,000 ms', '0 ms'), 'hooks.test.ts:5:3'],
  ],
  'inherits the hook timer and leaks a task too': [
    ['LeakError: test left 1 pending task and 2 pending timers on its loop', 'hooks.test.ts:10:1'],
    ["LeakError: pending Task 'background' is not done: await it, or cancel it with task.cancel()", 'hooks.test.ts:12:8'],
    [timer('setTimeout(anonymous, 60,000 ms)', '60,000 ms', '0 ms'), 'hooks.test.ts:5:3'],
    [timer('loop.callLater(1,000 ms, anonymous)', '1,000 ms', '0 ms'), 'hooks.test.ts:12:30'],
  ],
  // concurrent.test.ts: each test's timers go to its own loop
  'leaks its own timer (A)': [
    ['LeakError: test left 1 pending timer on its loop', 'concurrent.test.ts:4:3'],
    [timer('setTimeout(anonymous, 1,111 ms)', '1,111 ms', '10 ms'), 'concurrent.test.ts:5:5'],
  ],
  'leaks a different timer (C)': [
    ['LeakError: test left 1 pending timer on its loop', 'concurrent.test.ts:13:3'],
    [timer('setTimeout(anonymous, 3,333 ms)', '3,338 ms', '5 ms'), 'concurrent.test.ts:15:5'],
  ],
  'rejects after an await (D)': [
    ['LeakError: test left 1 unhandled rejection', 'concurrent.test.ts:20:3'],
    [/^LeakError: unhandled rejection during the test: Error: rejected by D/, 'concurrent.test.ts:22:25'],
  ],
  // typescript.test.ts: type-only lines above the leak, so the source map matters
  'leaks a timer after many type-only lines': [
    ['LeakError: test left 1 pending timer on its loop', 'typescript.test.ts:19:1'],
    [timer('setTimeout(anonymous, 4,000 ms)', '4,000 ms', '0 ms'), 'typescript.test.ts:23:3'],
  ],
  'leaks through the loop fixture': [
    ['LeakError: test left 1 pending timer on its loop', 'typescript.test.ts:26:1'],
    [timer('loop.callLater(750 ms, anonymous)', '750 ms', '0 ms'), 'typescript.test.ts:27:8'],
  ],
  'fails an assertion and still gets the report': [
    ['AssertionError: expected 1 to be 2 // Object.is equality', 'typescript.test.ts:32:13'],
    ['LeakError: test left 1 pending timer on its loop', 'typescript.test.ts:30:1'],
    [timer('setTimeout(anonymous, 42 ms)', '42 ms', '0 ms'), 'typescript.test.ts:31:3'],
  ],
  // misc.test.ts
  'leaks a node:timers/promises timer it never awaited': [
    ['LeakError: test left 1 pending timer on its loop', 'misc.test.ts:7:1'],
    [timer('setTimeout(anonymous, 9,000 ms)', '9,000 ms', '0 ms'), 'misc.test.ts:8:8'],
  ],
  'installs sinon fake timers after asking for the loop': [
    [/^InvalidStateError: This test ran on another fake clock \(sinon.useFakeTimers\(\)/, 'misc.test.ts:11:1'],
  ],
  // a stall: DeadlockError at once, at the stuck task's line, then the report of what was left
  'awaits a task that can never finish': [
    [
      'DeadlockError: the test awaits a promise that can never settle: nothing is scheduled on the test loop, no loop is running and no real work is in flight.',
      'misc.test.ts:18:14',
    ],
    ['LeakError: test left 1 pending task on its loop', 'misc.test.ts:16:1'],
    ["LeakError: pending Task 'forever' is not done: await it, or cancel it with task.cancel()", 'misc.test.ts:18:14'],
  ],
  // real I/O in flight is no stall: the test timeout fires, and the report still comes, once
  'hits the test timeout waiting on a socket that never answers': [
    // Vitest 5.1 names its timeout error TestTimeoutError (4.1 and 5.0: a plain Error)
    [`${timeoutErrorName}: Test timed out in 50ms.`, 'misc.test.ts:21:1'],
    ['LeakError: test left 1 pending task on its loop', 'misc.test.ts:21:1'],
    ["LeakError: pending Task 'reply' is not done: await it, or cancel it with task.cancel()", 'misc.test.ts:32:14'],
  ],
  // shapes.test.ts: tests made in nested describe blocks, by test.each, test.extend and test.for
  // head their reports at the line that made them, as Vitest's own includeTaskLocation would
  'leaks inside nested describe blocks': [
    ['LeakError: test left 1 pending timer on its loop', 'shapes.test.ts:6:5'],
    [timer('setTimeout(anonymous, 2,500 ms)', '2,500 ms', '0 ms'), 'shapes.test.ts:7:7'],
  ],
  'leaks 100 ms from test.each': [
    ['LeakError: test left 1 pending timer on its loop', 'shapes.test.ts:12:22'],
    [timer('setTimeout(anonymous, 100 ms)', '100 ms', '0 ms'), 'shapes.test.ts:13:3'],
  ],
  'leaks 200 ms from test.each': [
    ['LeakError: test left 1 pending timer on its loop', 'shapes.test.ts:12:22'],
    [timer('setTimeout(anonymous, 200 ms)', '200 ms', '0 ms'), 'shapes.test.ts:13:3'],
  ],
  'leaks from a test.extend test': [
    ['LeakError: test left 1 pending timer on its loop', 'shapes.test.ts:23:1'],
    [timer('setTimeout(anonymous, 8,080 ms)', '8,080 ms', '0 ms'), 'shapes.test.ts:24:3'],
  ],
  'leaks from test.for (x)': [
    ['LeakError: test left 1 pending timer on its loop', 'shapes.test.ts:27:16'],
    [timer('setTimeout(anonymous, 300 ms)', '300 ms', '0 ms'), 'shapes.test.ts:28:3'],
  ],
  // retry.test.ts: each attempt is judged and reported, its summary included
  'leaks on every attempt': [
    ['LeakError: test left 1 pending timer on its loop', 'retry.test.ts:13:1'],
    ['LeakError: test left 1 pending timer on its loop', 'retry.test.ts:13:1'],
    [timer('setTimeout(anonymous, 2,000 ms)', '2,000 ms', '0 ms'), 'retry.test.ts:15:3'],
    [timer('setTimeout(anonymous, 4,000 ms)', '4,000 ms', '0 ms'), 'retry.test.ts:15:3'],
  ],
  // after two passing runs: the test's line is kept until its last run (test-site.ts)
  'passes twice, then leaks on its last repeat': [
    ['LeakError: test left 1 pending timer on its loop', 'retry.test.ts:20:1'],
    [timer('setTimeout(anonymous, 3,000 ms)', '3,000 ms', '0 ms'), 'retry.test.ts:22:21'],
  ],
}

function matches(actual: Reported, [error, at]: Expected[number]): boolean {
  const sameError = typeof error === 'string' ? actual.error === error : error.test(actual.error)
  return sameError && actual.at === at
}

describe('the leak zoo (test/fixtures/leak-zoo)', () => {
  let run: NestedRun
  let reported: Reported[]
  beforeAll(async () => {
    run = await runVitest('leak-zoo')
    reported = reportedErrors(run.output)
  }, nestedRunTimeout)

  it('has at least 20 leaky tests, and every one of them fails', () => {
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(20)
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/Tests {2}36 failed \| 5 passed \(41\)/)
    for (const name of Object.keys(expected)) expect(run.output).toContain(`× ${name}`)
  })

  it("ends with the run's line, added up over the files by each file's end, a retried test counted once as its last run", () => {
    // 40 of the 41 on a loop (the test that installs sinon's clock after asking for the loop
    // stepped aside from it); the test that leaks on its first attempt only and passes on its
    // retry adds no leak; the same line as when each test's result carried its own figures.
    expect(run.output).toMatch(/^vitest-loop: 40 tests on virtual time; 106 ms simulated in (\d+ ms|[\d.]+ s); 38 leaks in 35 tests$/m)
  })

  it('leaves the clean concurrent neighbours alone (timers and rejections go to the right test)', () => {
    for (const clean of ['is clean while A leaks (B)', 'stays clean while D rejects (E)']) {
      expect(run.output).toContain(`✓ ${clean}`)
      expect(reported.filter((r) => r.test === clean)).toEqual([])
    }
  })

  it("judges a test after its file's or block's own aroundEach has torn down", () => {
    for (const clean of ['keeps a timer that its aroundEach clears after it', 'keeps an interval that the block clears after it']) {
      expect(run.output).toContain(`✓ ${clean}`)
      expect(reported.filter((r) => r.test === clean)).toEqual([])
    }
  })

  it('judges each attempt of a retried test on its own: a leak of the first does not fail the retry', () => {
    const name = 'leaks on its first attempt only and passes on its retry'
    expect(run.output).toMatch(new RegExp(`✓ ${name}[^\\n]*\\(retry x1\\)`))
    expect(reported.filter((r) => r.test === name)).toEqual([])
  })

  it.each(Object.entries(expected))('reports %s at the exact lines', (name, errors) => {
    const actual = reported.filter((r) => r.test === name)
    expect(actual.map((r) => [r.error, r.at])).toHaveLength(errors.length)
    for (const want of errors) {
      expect(actual.some((r) => matches(r, want)), `${name}: ${String(want[0])} at ${want[1]}\n${actual.map((r) => `${r.error} @ ${r.at}`).join('\n')}`).toBe(true)
    }
  })

  it('names the run start instant and the replay command under every summary', () => {
    const summaries = reported.filter((r) => /^LeakError: test left /.test(r.error))
    const withSummary = Object.values(expected).flatMap((errors) => errors.filter(([error]) => String(error).startsWith('LeakError: test left ')))
    expect(summaries).toHaveLength(withSummary.length)
    expect(summaries.length).toBeGreaterThanOrEqual(20)
    const instants = new Set<string>()
    for (const summary of summaries) {
      const file = summary.at.split(':')[0]
      const replay = /^replay: LOOP_NOW=(\S+) vitest run (\S+) -t (.*)$/.exec(summary.body.split('\n')[1] ?? '')
      expect(replay, summary.body).not.toBeNull()
      instants.add(replay![1]!)
      expect(replay![2]).toBe(file)
      expect(replay![3]).toMatch(/^(".*"|'.*')$/)
    }
    expect(instants.size).toBe(1)
    expect([...instants][0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/)
  })

  it('shows the test line under a leak made in a helper module', () => {
    const helper = reported.find((r) => r.test === 'leaks an interval started in a helper module' && r.at === 'src/poller.ts:10:50')
    expect(helper?.body).toMatch(/❯ helper.test.ts:5:3/)
  })

  it('prints no frame of vitest-loop itself', () => {
    expect(run.output).not.toMatch(/❯ [^\n]*src\/(loop|time|vitest|check)\//)
  })
})

describe('the clean zoo (test/fixtures/clean-zoo)', () => {
  it('passes at least 20 tests that use timers correctly, with no report', async () => {
    const run = await runVitest('clean-zoo')
    const passed = /Tests {2}(\d+) passed \(\d+\)/.exec(run.output)
    expect(run.code, run.output).toBe(0)
    expect(Number(passed?.[1])).toBeGreaterThanOrEqual(20)
    expect(run.output).not.toContain('LeakError')
  }, nestedRunTimeout)
})
