/**
 * The run's one line, printed at the end by a reporter the plugin adds:
 *
 *     vitest-loop: 1,848 tests on virtual time; 6 h 12 min simulated in 4.1 s; 73 leaks in 41 tests
 *
 * Each worker writes what the line needs into the test's `meta` (which
 * Vitest sends to the main process with the test's result, where reporters
 * read it as `testCase.meta()`): the loop time the test's loop reached and
 * how many leaks it reported. Nothing here imports Vitest's runtime: the
 * plugin entry loads it in the config (VITEST-NOTES §10).
 */
import type { RunnerTestCase } from 'vitest'
import type { Reporter, TestCase, Vitest } from 'vitest/node'

/** What one test's meta says (key `vitestLoop`). @internal */
export interface TestLoopMeta {
  /** Loop time (ms) its loop reached. */
  readonly virtualMs: number
  /** Leaks it reported (failures and warnings; allowed and ignored ones not counted). */
  readonly leaks: number
}

/** The key in `task.meta`. @internal */
export const metaKey = 'vitestLoop'

/** Worker side: notes a test's loop time and leak count for the summary. @internal */
export function noteForSummary(task: RunnerTestCase, virtualMs: number, leaks: number): void {
  ;(task.meta as Record<string, unknown>)[metaKey] = { virtualMs, leaks } satisfies TestLoopMeta
}

/** The counts the line is made of. */
export interface RunTotals {
  tests: number
  virtualMs: number
  realMs: number
  leaks: number
  leakyTests: number
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

/** The reporter the plugin adds: adds up the tests' meta, prints the line at the run's end. @internal */
export class SummaryReporter implements Reporter {
  #vitest: Vitest | undefined
  #totals: RunTotals = { tests: 0, virtualMs: 0, realMs: 0, leaks: 0, leakyTests: 0 }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest
  }

  onTestRunStart(): void {
    this.#totals = { tests: 0, virtualMs: 0, realMs: 0, leaks: 0, leakyTests: 0 }
  }

  onTestCaseResult(testCase: TestCase): void {
    const meta = (testCase.meta() as Record<string, unknown>)[metaKey] as TestLoopMeta | undefined
    if (meta === undefined) return
    const totals = this.#totals
    totals.tests++
    totals.virtualMs += meta.virtualMs
    totals.realMs += testCase.diagnostic()?.duration ?? 0
    totals.leaks += meta.leaks
    if (meta.leaks > 0) totals.leakyTests++
  }

  onTestRunEnd(): void {
    const vitest = this.#vitest
    if (vitest === undefined || vitest.config.silent === true || this.#totals.tests === 0) return
    vitest.logger.log(summaryLine(this.#totals))
  }
}
