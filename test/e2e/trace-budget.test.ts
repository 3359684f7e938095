// The trace budget (issue 13): a test's loop traces its first 1,000 creations;
// a leak made past them is reported with its creation number and the command
// that replays the test with full traces, and that command reports its line.
// Nested Vitest on test/fixtures/trace-budget.
import { beforeAll, describe, expect, it } from 'vitest'
import { nestedRunTimeout, nestedVitestMajor, reportedErrors, runVitest } from './run-vitest.ts'
import type { NestedRun, Reported } from './run-vitest.ts'
import { siteOf } from '../helpers/site.ts'

const fixture = 'trace-budget'
const file = new URL('../fixtures/trace-budget/budget.test.ts', import.meta.url).href
/** `budget.test.ts:line:column` of the marked line's setTimeout, as Vitest prints its code frame. */
function leakAt(marker: string): string {
  const [, line] = /:(\d+)$/.exec(siteOf(file, marker))!
  return `budget.test.ts:${line}:5`
}
const lateLeak = 'LeakError: pending setTimeout(late, 5,000 ms) due at 5,000 ms of loop time (now 0 ms) on the test loop: clear it before the test ends, or unref() it if it may outlive the test'

function of(run: NestedRun, test: string): Reported[] {
  return reportedErrors(run.output).filter((r) => r.test === test)
}

describe('a leak past the trace budget (test/fixtures/trace-budget)', () => {
  let run: NestedRun
  beforeAll(async () => {
    run = await runVitest(fixture, [], { LOOP_NOW: '', LOOP_TRACES: '' })
  }, nestedRunTimeout)

  it('names its creation number and the replay command with full traces', () => {
    const [summary, leak] = of(run, 'leaks the timer it makes after 1,500 others')
    // `-t` joins describe and test names by a space in Vitest 4.1, by ` > ` in Vitest 5.
    const name = `past the trace budget${nestedVitestMajor >= 5 ? ' > ' : ' '}leaks the timer it makes after 1,500 others`
    const replay = new RegExp(String.raw`^replay: LOOP_TRACES=all LOOP_NOW=\S+ vitest run budget\.test\.ts -t "${name}"$`)
    expect(summary!.error).toBe('LeakError: test left 1 pending timer on its loop')
    expect(summary!.body.split('\n')[1]).toMatch(replay)
    expect(leak!.error).toBe(lateLeak)
    const command = summary!.body.split('\n')[1]!.slice('replay: '.length)
    expect(leak!.body.split('\n')[1]).toBe(
      `no creation trace: it was creation #1,501 of the test loop, past the ones a loop traces (option \`traces\`, default 1,000); to see its line, replay the test with full traces: ${command}`,
    )
  })

  it('still pinpoints a leak made within the budget', () => {
    const [summary, leak] = of(run, 'leaks a timer it makes first, within the budget')
    expect(summary!.body.split('\n')[1]).toMatch(/^replay: LOOP_NOW=/)
    expect(leak!.at).toBe(leakAt('leak within the budget'))
  })

  it('traces as many creations as useLoop({ traces }) asks', () => {
    const [, leak] = of(run, 'traces 2,000 creations when useLoop asks')
    expect(leak!.at).toBe(leakAt('leak within the asked budget'))
  })

  it('reports the line when the replay command runs, with LOOP_TRACES=all', async () => {
    const [summary] = of(run, 'leaks the timer it makes after 1,500 others')
    const [, traces, instant, path, name] = /^replay: LOOP_TRACES=(\S+) LOOP_NOW=(\S+) vitest run (\S+) -t "(.*)"$/.exec(summary!.body.split('\n')[1]!)!
    const replay = await runVitest(fixture, [path!, '-t', name!], { LOOP_TRACES: traces!, LOOP_NOW: instant! })
    expect(replay.output).toMatch(/Tests {2}1 failed \| 2 skipped \(3\)/)
    const [again, leak] = reportedErrors(replay.output)
    expect(again!.body.split('\n')[1]).toMatch(/^replay: LOOP_NOW=/)
    expect(leak!.error).toBe(lateLeak)
    expect(leak!.at).toBe(leakAt('leak past the budget'))
  }, nestedRunTimeout)
})

describe('the budget set for the run', () => {
  it('by the plugin option `traces`: 2,000 creations traced, so the same leak has its line', async () => {
    const run = await runVitest(fixture, ['--config', 'vitest.budget.config.ts', '-t', 'after 1,500'], { LOOP_TRACES: '' })
    const [, leak] = reportedErrors(run.output)
    expect(leak!.at, run.output).toBe(leakAt('leak past the budget'))
  }, nestedRunTimeout)

  it('a bad LOOP_TRACES stops the run with an error naming the value', async () => {
    const run = await runVitest(fixture, [], { LOOP_TRACES: 'lots' })
    expect(run.code).not.toBe(0)
    expect(run.output).toContain(
      "RangeError: Expected `LOOP_TRACES` to be 'all' or a whole number of traced creations per loop (default 1000), got \"lots\"",
    )
  }, nestedRunTimeout)
})
