// Debug mode and stalls, seen from the outside: a nested Vitest on
// test/fixtures/debug-mode. Slow callbacks are reported at their line (a
// warning, or a failure with onSlow: 'fail'); LOOP_DEBUG turns debug mode on
// with no code change, in every pool; a failing test prints its loop's last
// events and writes a Chrome trace; a stalled test fails with DeadlockError
// at the stuck task's line, and real work is never taken for a stall.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixturesDir, headerPlace, nestedRunTimeout, nestedVitestMajor, reportedErrors, runVitest } from './run-vitest.ts'
import type { NestedRun, Reported } from './run-vitest.ts'

/** `file:line:column` of the code on the line marked `// site: <marker>` in a fixture file. */
function site(file: string, marker: string): string {
  const lines = readFileSync(`${fixturesDir}debug-mode/${file}`, 'utf8').split('\n')
  const line = lines.findIndex((text) => text.trimEnd().endsWith(`// site: ${marker}`))
  if (line === -1) throw new Error(`no line marked '// site: ${marker}' in ${file}`)
  return `${file}:${line + 1}`
}

/**
 * A real duration of the fixture's 150 ms blocks, as printed (`157`, `150.25`,
 * `1,204`): at least 150 ms, and on a loaded machine any amount more.
 */
const atLeast150 = String.raw`(?:1[5-9]\d|[2-9]\d\d|[1-9]\d{0,2}(?:,?\d{3})+)(?:\.\d+)?`

/** Neither variable leaks in from the environment running this suite. */
const quiet = { LOOP_DEBUG: '', NODE_DEBUG: '' }

function errorsOf(reported: Reported[], test: string): [string, string][] {
  return reported.filter((r) => r.test === test).map((r) => [r.error, r.at])
}

describe('slow callbacks and stalls (slow.test.ts, stall.test.ts)', () => {
  let run: NestedRun
  let reported: Reported[]
  beforeAll(async () => {
    // The one run of the suite that spends real time on purpose: two callbacks block for 150 ms.
    run = await runVitest('debug-mode', ['slow.test.ts', 'stall.test.ts'], { ...quiet, NODE_DEBUG: 'vitest-loop' })
    reported = reportedErrors(run.output)
  }, nestedRunTimeout)

  it('fails exactly the slow test with onSlow: fail and the four stalled tests', () => {
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/Tests {2}5 failed \| 3 passed \(8\)/)
    expect([...new Set(reported.map((r) => r.test))].sort()).toEqual([
      'awaits a promise nobody resolves',
      'awaits a task stuck after its timer fired, in debug mode',
      'awaits a task that can never finish',
      'fails on a slow task step with onSlow: fail',
      'waits on a timer nothing advances, in manual time flow',
    ])
  })

  it('replaces test functions through @vitest/runner on Vitest 4.1, through the runner runTask on Vitest 5', () => {
    // Under Vitest 5 the repository's @vitest/runner 4.1 still resolves from src/: not the runner Vitest 5 uses, so not taken.
    const route = nestedVitestMajor >= 5 ? 'runTask' : '@vitest/runner'
    expect(run.output).toContain(`test functions are read and replaced through ${route}\n`)
  })

  it('prints a slow timer callback as a warning at its line, and passes the test', () => {
    expect(run.output).toContain('✓ warns about a slow timer callback')
    const timer = site('slow.test.ts', 'slow timer')
    expect(run.output).toMatch(
      new RegExp(
        String.raw`stderr \| ${headerPlace('slow.test.ts')} > warns about a slow timer callback\n` +
          String.raw`SlowCallbackError: test ran 1 slow callback on its loop\n.*\n\n` +
          String.raw`SlowCallbackError: Executing setTimeout\(anonymous, 10 ms\) \(created at ${escape(timer)}:\d+\) took ${atLeast150} ms of real time \(slowCallbackDuration is 100 ms\)\n` +
          String.raw` {4}at [^\n]*${escape(timer)}:\d+`,
      ),
    )
  })

  it("fails a slow task step with onSlow: 'fail', pointing into the step, and prints the timeline", () => {
    const errors = errorsOf(reported, 'fails on a slow task step with onSlow: fail')
    const after = site('slow.test.ts', 'after the block')
    expect(errors.map(([, at]) => at)).toEqual([
      expect.stringMatching(/^slow.test.ts:\d+:1$/),
      expect.stringMatching(new RegExp(`^${escape(after)}:\\d+$`)),
      '',
    ])
    expect(errors[0]![0]).toBe('SlowCallbackError: test ran 1 slow callback on its loop')
    expect(errors[1]![0]).toMatch(
      new RegExp(
        `^SlowCallbackError: Executing a step of Task 'crunch' \\(created at ${escape(site('slow.test.ts', 'crunch task'))}:\\d+\\) after an await took ${atLeast150} ms of real time \\(slowCallbackDuration is 100 ms\\); ` +
          `in that step it scheduled loop.callLater\\(10 ms, anonymous\\) at ${escape(after)}:\\d+$`,
      ),
    )
    expect(errors[2]![0]).toBe('TimelineReport: the last 10 of 10 events on the test loop (times are loop time)')
    const timeline = reported.find((r) => r.test === 'fails on a slow task step with onSlow: fail' && r.error.startsWith('TimelineReport'))!
    expect(timeline.body).toMatch(new RegExp(String.raw` 10 ms {2}slow step {6}Task 'crunch' ran ${atLeast150} ms of real time after an await`))
  })

  it('logs through the vitest-loop logger when NODE_DEBUG names it', () => {
    expect(run.output).toMatch(new RegExp(String.raw`VITEST-LOOP \d+: the test loop: executing timeout created at .*slow.test.ts:\d+:\d+ took ${atLeast150} ms`))
    expect(run.output).toMatch(new RegExp(String.raw`VITEST-LOOP \d+: the test loop: a step of Task crunch created at .*slow.test.ts:\d+:\d+ took ${atLeast150} ms`))
  })

  it('fails a test awaiting a task nothing can settle with DeadlockError at the task, then reports it as left pending', () => {
    const task = site('stall.test.ts', 'stuck task')
    const errors = errorsOf(reported, 'awaits a task that can never finish')
    expect(errors).toEqual([
      [
        'DeadlockError: the test awaits a promise that can never settle: nothing is scheduled on the test loop, no loop is running and no real work is in flight.',
        `${task}:14`,
      ],
      ['LeakError: test left 1 pending task on its loop', expect.stringMatching(/^stall.test.ts:\d+:1$/)],
      ["LeakError: pending Task 'stuck' is not done: await it, or cancel it with task.cancel()", `${task}:14`],
    ])
    const deadlock = reported.find((r) => r.error.startsWith('DeadlockError') && r.test === 'awaits a task that can never finish')!
    expect(deadlock.body).toContain(`Pending tasks:\n  - Task 'stuck' created at ${task}:14\n`)
    expect(deadlock.body).toContain("(Debug mode, LOOP_DEBUG=1, also says what each task scheduled last and prints the loop's last events.)")
    // A stall is a failure report too: it names the run's start instant and how to replay the test.
    expect(deadlock.body).toMatch(/^replay: LOOP_NOW=\S+Z vitest run stall.test.ts -t "awaits a task that can never finish"$/m)
  })

  it("fails a test awaiting a promise nobody resolves with DeadlockError at the test's line", () => {
    const errors = reported.filter((r) => r.test === 'awaits a promise nobody resolves')
    expect(errors.map((r) => [r.error, r.at])).toEqual([
      [
        'DeadlockError: the test awaits a promise that can never settle: nothing is scheduled on the test loop, no loop is running and no real work is in flight.',
        `${site('stall.test.ts', 'no task')}:1`,
      ],
    ])
    expect(errors[0]!.body).toContain(
      'No task is pending: the test awaits something outside the loop that nothing will settle (a promise nobody resolves, an event nobody emits).',
    )
  })

  it('says, in debug mode, what the stuck task scheduled last, and prints the timeline', () => {
    const errors = errorsOf(reported, 'awaits a task stuck after its timer fired, in debug mode')
    expect(errors.map(([error]) => error.split(':')[0])).toEqual(['DeadlockError', 'LeakError', 'LeakError', 'TimelineReport'])
    expect(errors[0]![1]).toBe(`${site('stall.test.ts', 'debug task')}:14`)
    const deadlock = reported.find((r) => r.error.startsWith('DeadlockError') && r.test.includes('after its timer'))!
    expect(deadlock.body).toContain(
      `  - Task 'after the timer' created at ${site('stall.test.ts', 'debug task')}:14; ` +
        `the last thing it scheduled, setTimeout(anonymous, 250 ms) created at ${site('stall.test.ts', 'its timer')}:`,
    )
    expect(deadlock.body).toMatch(/, has run$/m)
    const timeline = reported.find((r) => r.error.startsWith('TimelineReport') && r.test.includes('after its timer'))!
    expect(timeline.body.split('\n').slice(1, 6).map((line) => line.trim().split(/ {2,}/).slice(0, 2))).toEqual([
      ['0 ms', 'task created'],
      ['0 ms', 'fired'],
      ['0 ms', 'scheduled'],
      ['250 ms', 'time jump'],
      ['250 ms', 'fired'],
    ])
  })

  it('names the timer a test waits on in manual time flow, and what to call', () => {
    const timer = site('stall.test.ts', 'manual timer')
    expect(errorsOf(reported, 'waits on a timer nothing advances, in manual time flow')).toEqual([
      [
        `DeadlockError: the test waits on a timer due at 5,000 ms (setTimeout(anonymous, 5,000 ms) created at ${timer}:34), ` +
          "but the test loop is in manual time flow and nothing advances it: call loop.advance(5000) or loop.runUntilIdle() while the test waits, or use timeFlow: 'auto'",
        `${timer}:34`,
      ],
      ['LeakError: test left 1 pending timer on its loop', expect.stringMatching(/^stall.test.ts:\d+:1$/)],
      [expect.stringMatching(/^LeakError: pending setTimeout\(anonymous, 5,000 ms\) due at 5,000 ms/), `${timer}:34`],
    ])
  })

  it('takes none of a dynamic import, a file read, a thread-pool job and a worker thread for a stall', () => {
    expect(run.output).toContain('✓ awaits a dynamic import with nothing on its loop')
    expect(run.output).toContain('✓ awaits a file read, a thread-pool job and a worker thread')
  })
})

describe('LOOP_DEBUG=1 (env.test.ts)', () => {
  let run: NestedRun
  let reported: Reported[]
  let traceDir: string
  beforeAll(async () => {
    traceDir = mkdtempSync(path.join(tmpdir(), 'vitest-loop-traces-'))
    run = await runVitest('debug-mode', ['env.test.ts'], { ...quiet, LOOP_DEBUG: '1', VITEST_LOOP_TRACE_DIR: traceDir })
    reported = reportedErrors(run.output)
  }, nestedRunTimeout)
  afterAll(() => rmSync(traceDir, { recursive: true, force: true }))

  it('turns debug mode on in the test workers with no code change, and keeps the logger silent', () => {
    expect(run.output).toContain('✓ is in debug mode because of LOOP_DEBUG')
    expect(run.output).toMatch(/Tests {2}1 failed \| 1 passed \(2\)/)
    expect(run.output).not.toContain('VITEST-LOOP')
  })

  it("prints the failing test's last events with their loop times, after its own error", () => {
    const poll = site('env.test.ts', 'poll')
    const errors = reported.filter((r) => r.test === 'prints the end of its timeline when it fails')
    expect(errors.map((r) => r.error)).toEqual([
      'AssertionError: expected 3000 to be 2000 // Object.is equality',
      'TimelineReport: the last 14 of 14 events on the test loop (times are loop time)',
    ])
    const lines = errors[1]!.body.split('\n').slice(1, 15)
    expect(lines.map((line) => line.trim().split(/ {2,}/).slice(0, 2))).toEqual([
      ['0 ms', 'task created'],
      ['0 ms', 'scheduled'],
      ['0 ms', 'fired'],
      ['0 ms', 'scheduled'],
      ['1,000 ms', 'time jump'],
      ['1,000 ms', 'fired'],
      ['1,000 ms', 'scheduled'],
      ['2,000 ms', 'time jump'],
      ['2,000 ms', 'fired'],
      ['2,000 ms', 'scheduled'],
      ['3,000 ms', 'time jump'],
      ['3,000 ms', 'fired'],
      ['3,000 ms', 'task failed'],
      ['3,000 ms', 'cancelled'],
    ])
    expect(lines[3]).toContain(`setTimeout(anonymous, 1,000 ms) at ${poll}:`)
    expect(lines[3]).toMatch(/, due at 1,000 ms, by Task 'poller'$/)
    expect(lines[12]).toContain(`Task 'poller' (${site('env.test.ts', 'poller')}:`)
    expect(lines[12]).toMatch(/\): Error: gave up after 3 polls$/)
    expect(lines[13]).toContain(`setTimeout(anonymous, 10,000 ms) from ${site('env.test.ts', 'watchdog')}:`)
  })

  it('writes the failing test a Chrome trace: trace events with ph, ts, pid, tid and name, one track per task', () => {
    const files = readdirSync(traceDir)
    expect(files).toEqual(['env.test.ts--prints_the_end_of_its_timeline_when_it_fails.json'])
    expect(run.output).toContain(`Chrome trace of the whole timeline: ${path.join(traceDir, files[0]!)} (open it in https://ui.perfetto.dev)`)
    const { traceEvents } = JSON.parse(readFileSync(path.join(traceDir, files[0]!), 'utf8')) as {
      traceEvents: { name: string; ph: string; ts: number; pid: number; tid: number; dur?: number; args?: Record<string, unknown> }[]
    }
    for (const event of traceEvents) {
      expect(Object.keys(event)).toEqual(expect.arrayContaining(['name', 'ph', 'ts', 'pid', 'tid']))
    }
    expect(new Set(traceEvents.map((e) => e.pid)).size).toBe(1)
    const tracks = traceEvents.filter((e) => e.name === 'thread_name').map((e) => [e.tid, e.args!.name])
    expect(tracks).toEqual([
      [0, 'loop (outside tasks)'],
      [1, "Task 'poller'"],
    ])
    expect(traceEvents.find((e) => e.ph === 'X' && e.name === "Task 'poller'")).toMatchObject({ tid: 1, ts: 0, dur: 3_000_000, args: { state: 'failed' } })
    expect(traceEvents.filter((e) => e.ph === 'X' && e.tid === 1 && e.name.startsWith('setTimeout')).map((e) => e.ts)).toEqual([
      1_000_000, 2_000_000, 3_000_000,
    ])
  })

  it('reaches the workers of the threads pool too', async () => {
    const threads = await runVitest('debug-mode', ['env.test.ts', '--pool=threads'], { ...quiet, LOOP_DEBUG: '1' })
    expect(threads.output).toContain('✓ is in debug mode because of LOOP_DEBUG')
    expect(threads.output).toContain('TimelineReport: the last 14 of 14 events on the test loop')
  }, nestedRunTimeout)
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
