// The run's one-line summary (src/vitest/run-summary.ts) and the options that
// control the picture and the line: what they print, what they refuse.
import { describe, expect, it } from 'vitest'
import { duration, FileSummary, summaryLine, SummaryReporter } from '../../src/vitest/run-summary.ts'
import { validateOptions } from '../../src/vitest/options.ts'
import { loopPlugin } from '../../src/vitest/plugin.ts'

describe('summaryLine', () => {
  it('reads as the issue asks', () => {
    expect(summaryLine({ tests: 1848, virtualMs: (6 * 60 + 12) * 60_000, realMs: 4100, leaks: 73, leakyTests: 41 })).toBe(
      'vitest-loop: 1,848 tests on virtual time; 6 h 12 min simulated in 4.1 s; 73 leaks in 41 tests',
    )
    expect(summaryLine({ tests: 1, virtualMs: 250, realMs: 12.4, leaks: 0, leakyTests: 0 })).toBe(
      'vitest-loop: 1 test on virtual time; 250 ms simulated in 12 ms; no leaks',
    )
    expect(summaryLine({ tests: 2, virtualMs: 6300, realMs: 200, leaks: 1, leakyTests: 1 })).toBe(
      'vitest-loop: 2 tests on virtual time; 6.3 s simulated in 200 ms; 1 leak in 1 test',
    )
  })

  it('groups the digits of large counts by three, as en-US does', () => {
    for (const tests of [999, 1000, 12_345, 1_000_000, 123_456_789]) {
      expect(summaryLine({ tests, virtualMs: 0, realMs: 1, leaks: tests, leakyTests: tests })).toBe(
        `vitest-loop: ${tests.toLocaleString('en-US')} tests on virtual time; 0 ms simulated in 1 ms; ${tests.toLocaleString('en-US')} leaks in ${tests.toLocaleString('en-US')} tests`,
      )
    }
    expect(duration(1234 * 86_400_000)).toBe('1,234 d')
  })

  it('prints durations in the largest two units', () => {
    expect(duration(0)).toBe('0 ms')
    expect(duration(59_999)).toBe('60 s')
    expect(duration(61_000)).toBe('1 min 1 s')
    expect(duration(3_600_000)).toBe('1 h')
    expect(duration(3 * 86_400_000 + 3_600_000 + 60_000)).toBe('3 d 1 h')
  })
})

describe('the summary reporter', () => {
  const logged: string[] = []
  const vitest = (silent: boolean | 'passed-only') => ({ config: { silent }, logger: { log: (line: string) => logged.push(line) } })
  const testModule = (meta: Record<string, unknown>) => ({ meta: () => meta })

  it("adds up what the workers wrote of each file's tests that ran on a loop, each test counted as its last run", () => {
    // A worker's side: two files, the second with a test run twice (a retry), one file with no loop.
    const summary = new FileSummary()
    const files = [{ meta: {} }, { meta: {} }, { meta: {} }]
    const test = (id: string, file: number) => ({ id, file: files[file]! as never })
    summary.note(test('a1', 0), 5000, 30, 2)
    summary.note(test('a2', 0), 1000, 20, 0)
    summary.write()
    summary.note(test('b1', 1), 200, 10, 1)
    summary.note(test('b1', 1), 300, 15, 0) // the retry passed
    summary.write()
    summary.write()
    expect(files.map((file) => file.meta)).toEqual([
      { vitestLoop: { tests: 2, virtualMs: 6000, realMs: 50, leaks: 2, leakyTests: 1 } },
      { vitestLoop: { tests: 1, virtualMs: 300, realMs: 15, leaks: 0, leakyTests: 0 } },
      {},
    ])
    logged.length = 0
    const reporter = new SummaryReporter()
    reporter.onInit(vitest(false) as never)
    reporter.onTestRunStart()
    for (const file of files) reporter.onTestModuleEnd(testModule(file.meta) as never)
    reporter.onTestRunEnd()
    expect(logged).toEqual(['vitest-loop: 3 tests on virtual time; 6.3 s simulated in 65 ms; 2 leaks in 1 test'])
  })

  it('prints nothing under --silent, nor when no test ran on virtual time', () => {
    logged.length = 0
    const totals = { tests: 1, virtualMs: 1, realMs: 1, leaks: 0, leakyTests: 0 }
    for (const [silent, meta] of [[true, { vitestLoop: totals }], [false, {}]] as const) {
      const reporter = new SummaryReporter()
      reporter.onInit(vitest(silent) as never)
      reporter.onTestRunStart()
      reporter.onTestModuleEnd(testModule(meta) as never)
      reporter.onTestRunEnd()
    }
    expect(logged).toEqual([])
  })

  it('is added by the plugin once per run, unless summary: false', () => {
    const added = (options: Parameters<typeof loopPlugin>[0]): unknown[] => {
      const reporters: unknown[] = []
      const plugin = loopPlugin(options) as { configureVitest: (context: unknown) => void }
      const run = { config: { reporters } }
      plugin.configureVitest({ vitest: run })
      plugin.configureVitest({ vitest: run }) // a second project of the same run
      return reporters
    }
    expect(added({}).map((r) => r instanceof SummaryReporter)).toEqual([true])
    expect(added({ summary: false })).toEqual([])
  })
})

describe('options attach and summary', () => {
  it('refuse what they do not know, naming the option and the value', () => {
    expect(() => validateOptions({ attach: 'sometimes' }, 'loopPlugin()')).toThrow(
      new TypeError("Expected `attach` to be one of 'on-failure', 'always', 'never', got `'sometimes'` (string)"),
    )
    expect(() => validateOptions({ summary: 'no' }, 'loopPlugin()')).toThrow(new TypeError("Expected `summary` to be a boolean, got `'no'` (string)"))
    expect(() => validateOptions({ attach: 'always', summary: false }, 'loopPlugin()')).not.toThrow()
  })
})
