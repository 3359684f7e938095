// One replayable start instant per run (issue 11, part 2), through a nested
// Vitest on test/fixtures/start-instant: two files in two worker processes
// start their loops at the same whole second; LOOP_NOW and the option `now`
// set it; every report names it, and its replay command reproduces the report.
import { beforeAll, describe, expect, it } from 'vitest'
import { reportedErrors, runVitest } from './run-vitest.ts'
import type { NestedRun } from './run-vitest.ts'

const fixture = 'start-instant'
const cronTest = 'runs a 1.2 s job from the next second boundary and ends at 2 s'
const leak =
  'LeakError: pending setTimeout(anonymous, 1,200 ms) due at 2,200 ms of loop time (now 2,000 ms) on the test loop: clear it before the test ends, or unref() it if it may outlive the test'

/** What each file's first test printed: `instant <file> <pid> <Date.now()>`. */
function instants(run: NestedRun): { file: string; pid: number; now: number }[] {
  return [...run.output.matchAll(/^instant (\w+) (\d+) (-?\d+)$/gm)].map(([, file, pid, now]) => ({ file: file!, pid: Number(pid), now: Number(now) }))
}

function expectShared(run: NestedRun): number {
  const seen = instants(run)
  expect(seen.map((s) => s.file).sort(), run.output).toEqual(['cron', 'other'])
  expect(new Set(seen.map((s) => s.pid)).size, 'two worker processes').toBe(2)
  expect(seen[0]!.now).toBe(seen[1]!.now)
  // A loop the test makes with newEventLoop() starts at the wall clock the test sees (here 1.5 s in).
  expect(/^own loop (-?\d+)$/m.exec(run.output)?.[1], run.output).toBe(String(seen[0]!.now))
  return seen[0]!.now
}

describe('the start instant of a run (test/fixtures/start-instant)', () => {
  let before: number
  let after: number
  let plugin: NestedRun
  let setupFile: NestedRun
  beforeAll(async () => {
    before = Date.now()
    ;[plugin, setupFile] = await Promise.all([
      runVitest(fixture, [], { LOOP_NOW: '' }),
      runVitest(fixture, ['--config', 'vitest.setup-file.config.ts'], { LOOP_NOW: '' }),
    ])
    after = Date.now()
  }, 60_000)

  it('is the run start truncated to a whole second, the same in every worker (plugin)', () => {
    const instant = expectShared(plugin)
    expect(instant % 1000).toBe(0)
    expect(instant).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000)
    expect(instant).toBeLessThanOrEqual(after)
  })

  it('is shared the same way on the setup-file route with vitest-loop/global-setup', () => {
    const instant = expectShared(setupFile)
    expect(instant % 1000).toBe(0)
    expect(instant).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000)
    expect(instant).toBeLessThanOrEqual(after)
  })

  it('gives a job aligned to the next second the same phase every run: the 1.2 s job is always still running at 2 s', () => {
    for (const run of [plugin, setupFile]) {
      expect(run.output).toMatch(/Tests {2}1 failed \| 3 passed \(4\)/)
      const errors = reportedErrors(run.output).map((r) => [r.error, r.at])
      expect(errors).toEqual([
        ['LeakError: test left 1 pending timer on its loop', 'cron.test.ts:12:1'],
        [leak, 'cron.test.ts:14:5'],
      ])
    }
  })

  it('names the instant in the report, with the command that replays the test', () => {
    const instant = new Date(expectShared(plugin)).toISOString()
    const [summary] = reportedErrors(plugin.output)
    expect(summary!.body.split('\n')[1]).toBe(`replay: LOOP_NOW=${instant} vitest run cron.test.ts -t "${cronTest}"`)
  })

  it('replays the test exactly with that command', async () => {
    const [summary] = reportedErrors(plugin.output)
    const [, instant, file, name] = /^replay: LOOP_NOW=(\S+) vitest run (\S+) -t "(.*)"$/.exec(summary!.body.split('\n')[1]!)!
    const replay = await runVitest(fixture, [file!, '-t', name!], { LOOP_NOW: instant! })
    expect(replay.output).toMatch(/Tests {2}1 failed \| 1 skipped \(2\)/)
    expect(reportedErrors(replay.output)).toEqual(reportedErrors(plugin.output))
  }, 60_000)
})

describe('setting the start instant', () => {
  it('LOOP_NOW sets it to the millisecond, also on the setup file alone; half a second later the job ends in time', async () => {
    const run = await runVitest(fixture, ['--config', 'vitest.setup-only.config.ts'], { LOOP_NOW: '2026-12-03T19:00:00.500Z' })
    expect(expectShared(run)).toBe(Date.UTC(2026, 11, 3, 19, 0, 0, 500))
    expect(run.code, run.output).toBe(0)
  }, 60_000)

  it('the option `now` of loopPlugin() sets it for every test', async () => {
    const run = await runVitest(fixture, ['--config', 'vitest.now.config.ts'], { LOOP_NOW: '' })
    expect(expectShared(run)).toBe(Date.UTC(2030, 0, 1, 0, 0, 0, 400))
    expect(run.code, run.output).toBe(0)
  }, 60_000)

  it('a bad LOOP_NOW stops the run with an error naming the value', async () => {
    const message =
      'RangeError: Expected `LOOP_NOW` to be an ISO date (2026-12-03T19:00:00.000Z) or epoch milliseconds (1796324400000), got "next tuesday"'
    const [plugin, setupOnly] = await Promise.all([
      runVitest(fixture, [], { LOOP_NOW: 'next tuesday' }),
      runVitest(fixture, ['--config', 'vitest.setup-only.config.ts'], { LOOP_NOW: 'next tuesday' }),
    ])
    for (const run of [plugin, setupOnly]) {
      expect(run.code).not.toBe(0)
      expect(run.output).toContain(message)
      expect(run.output).not.toMatch(/^instant /m)
    }
  }, 60_000)
})
