/**
 * The run's one line, printed at the end by a reporter the plugin adds:
 *
 *     vitest-loop: 1,848 tests on virtual time; 6 h 12 min simulated in 4.1 s; 73 leaks in 41 tests
 *
 * Each worker adds up, per test file, what the line needs of the file's
 * tests that ran on a loop (their count, the loop time they reached, their
 * real time, their leaks) and writes it into the file's `meta` at its end;
 * Vitest sends it to the main process with the file's result, where the
 * reporter reads it as `testModule.meta()`. Written per test, into each
 * test's `meta` (one more object in every test's result, which Vitest
 * sends to the main process), it cost every test 5 to 7 µs of the worker's
 * CPU (a 6,000-test file, 11 alternated runs); per file, nothing measurable.
 * Nothing here imports Vitest's runtime: the plugin entry loads it in the
 * config (VITEST-NOTES §10).
 */
import type { RunnerTestCase, RunnerTestFile } from 'vitest'
import type { Reporter, TestModule, Vitest } from 'vitest/node'

/** The counts the line is made of; what a test file's meta says (key `vitestLoop`). */
export interface RunTotals {
  /** Tests that ran on a loop. */
  tests: number
  /** Loop time (ms) their loops reached, added up. */
  virtualMs: number
  /** Their real time (ms), added up. */
  realMs: number
  /** Leaks they reported (failures and warnings; allowed and ignored ones not counted). */
  leaks: number
  /** Tests that reported one or more. */
  leakyTests: number
}

/** The key in `task.meta`. @internal */
export const metaKey = 'vitestLoop'

const noTotals = (): RunTotals => ({ tests: 0, virtualMs: 0, realMs: 0, leaks: 0, leakyTests: 0 })

/**
 * Worker side: the tests of the file running, by test id; a test run again
 * (a retry, a repeat) counts as its last run did, as its result does. The
 * file is the tests' own (`task.file`): files in one worker run one after
 * another, and each one's afterAll writes what its tests noted. @internal
 */
export class FileSummary {
  readonly #files = new Map<Pick<RunnerTestFile, 'meta'>, Map<string, readonly [virtualMs: number, realMs: number, leaks: number]>>()

  /** A test that ran on a loop: the loop time it reached, its real time, its leaks. */
  note(test: Pick<RunnerTestCase, 'id' | 'file'>, virtualMs: number, realMs: number, leaks: number): void {
    let tests = this.#files.get(test.file)
    if (tests === undefined) this.#files.set(test.file, (tests = new Map()))
    tests.set(test.id, [virtualMs, realMs, leaks])
  }

  /** Writes each noted file's totals into its meta, and starts over. */
  write(): void {
    for (const [file, tests] of this.#files) {
      const totals = noTotals()
      for (const [virtualMs, realMs, leaks] of tests.values()) add(totals, { tests: 1, virtualMs, realMs, leaks, leakyTests: leaks > 0 ? 1 : 0 })
      ;(file.meta as Record<string, unknown>)[metaKey] = totals
    }
    this.#files.clear()
  }
}

function add(totals: RunTotals, more: RunTotals): void {
  totals.tests += more.tests
  totals.virtualMs += more.virtualMs
  totals.realMs += more.realMs
  totals.leaks += more.leaks
  totals.leakyTests += more.leakyTests
}

/** `vitest-loop: 1,848 tests on virtual time; 6 h 12 min simulated in 4.1 s; 73 leaks in 41 tests`. */
export function summaryLine(totals: RunTotals): string {
  const n = grouped
  const plural = (count: number, word: string): string => `${n(count)} ${word}${count === 1 ? '' : 's'}`
  const leaks = totals.leaks === 0 ? 'no leaks' : `${plural(totals.leaks, 'leak')} in ${plural(totals.leakyTests, 'test')}`
  return `vitest-loop: ${plural(totals.tests, 'test')} on virtual time; ${duration(totals.virtualMs)} simulated in ${realTime(totals.realMs)}; ${leaks}`
}

/**
 * A whole number with commas between groups of three digits (`1,848`), as
 * `toLocaleString('en-US')` writes it, without the ~20 ms its first call
 * takes to load the locale data: the line is printed once per run.
 */
function grouped(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** `6 h 12 min`, `3 min 5 s`, `12.5 s`, `250 ms`. */
export function duration(value: number): string {
  if (value < 1000) return `${Math.round(value)} ms`
  if (value < 60_000) return `${trim(value / 1000)} s`
  const parts: string[] = []
  const days = Math.floor(value / 86_400_000)
  const hours = Math.floor((value % 86_400_000) / 3_600_000)
  const minutes = Math.floor((value % 3_600_000) / 60_000)
  const seconds = Math.floor((value % 60_000) / 1000)
  if (days > 0) parts.push(`${grouped(days)} d`)
  if (hours > 0) parts.push(`${hours} h`)
  if (minutes > 0) parts.push(`${minutes} min`)
  if (seconds > 0 && days === 0 && hours === 0) parts.push(`${seconds} s`)
  return parts.slice(0, 2).join(' ')
}

function realTime(value: number): string {
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`
}

function trim(value: number): string {
  return value.toFixed(1).replace(/\.0$/, '')
}

/** The reporter the plugin adds: adds up the test files' meta, prints the line at the run's end. @internal */
export class SummaryReporter implements Reporter {
  #vitest: Vitest | undefined
  #totals: RunTotals = noTotals()

  onInit(vitest: Vitest): void {
    this.#vitest = vitest
  }

  onTestRunStart(): void {
    this.#totals = noTotals()
  }

  onTestModuleEnd(testModule: TestModule): void {
    const meta = (testModule.meta() as Record<string, unknown>)[metaKey] as RunTotals | undefined
    if (meta !== undefined) add(this.#totals, meta)
  }

  onTestRunEnd(): void {
    const vitest = this.#vitest
    if (vitest === undefined || vitest.config.silent === true || this.#totals.tests === 0) return
    vitest.logger.log(summaryLine(this.#totals))
  }
}
