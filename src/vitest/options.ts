/**
 * Options of the plugin (config-wide) and of useLoop (per test).
 */
import type { Finding } from '../check/findings.ts'
import type { TimeFlow } from '../loop/event-loop.ts'
import { describeValue, expectDelay, expectOneOf, toEpochMs } from '../loop/internal/validate.ts'
import { toTraceLimit } from '../loop/trace.ts'
import { allFakeables } from '../time/route.ts'
import type { Fakeable } from '../time/route.ts'

/** What to do with a test's leak report. */
export type OnLeak = 'fail' | 'warn' | 'ignore'

/** What to do with a test's slow callbacks (debug mode). */
export type OnSlow = 'fail' | 'warn' | 'ignore'

/**
 * An expected long-lived piece of work the sanitizer should not report: a
 * string matched against the finding's message and its `file:line`, a RegExp
 * tested against the same text, or a predicate on the finding.
 */
export type LeakAllow = string | RegExp | ((finding: Finding) => boolean)

/** Globals that virtual time can take over. */
export type { Fakeable }

/** Options of a test's loop: `useLoop(options)`, and defaults for every test in `loopPlugin(options)`. */
export interface LoopOptions {
  /** `'auto'` (default): time jumps when nothing else can run. `'manual'`: only advance() moves it. */
  timeFlow?: TimeFlow
  /**
   * Wall clock at the start of the test (epoch ms or a Date). Default: the
   * run's start instant, the same for every test (`LOOP_NOW`, else the wall
   * clock when the run started, truncated to a whole second).
   */
  now?: number | Date
  /** Which globals run on virtual time. Default: all of them. */
  toFake?: readonly Fakeable[]
  /**
   * Debug mode: slow callbacks and task steps are reported, and a failing
   * test prints its loop's last events. Default: on when the environment has
   * `LOOP_DEBUG=1`.
   */
  debug?: boolean
  /** Debug mode: real milliseconds a callback or task step may run before it is reported. Default 100. */
  slowCallbackDuration?: number
  /** Debug mode: print slow callbacks as a warning (default), fail the test, or ignore them. */
  onSlow?: OnSlow
  /** Fail the test on a leak (default), print a warning, or ignore it. */
  onLeak?: OnLeak
  /** Expected long-lived work, never reported. */
  allow?: readonly LeakAllow[]
  /** Most callbacks one time-travel call may run at one instant. Default 100,000. */
  loopLimit?: number
  /**
   * How many creations (timers, callbacks, tasks) of the test's loop keep a
   * creation trace: a whole number or `'all'`. Default 1,000. A leak made past
   * them is reported with its number and the command that replays the test
   * with full traces. `LOOP_TRACES` (`all` or a number), when set, wins.
   */
  traces?: number | 'all'
}

/** When a test gets its loop's timeline picture as an attachment (Vitest UI, the HTML report). */
export type Attach = 'on-failure' | 'always' | 'never'

/** Options only the plugin or setup file take. */
export interface PluginOptions extends LoopOptions {
  /**
   * Every test gets a loop without asking (default true). With false, only
   * tests that call useLoop() or use the `loop` fixture get one.
   */
  autoUse?: boolean
  /** Test files (globs, relative to the root) that run on real time. */
  exclude?: readonly string[]
  /**
   * Debug mode: a folder (relative to the root) where each failing test's
   * timeline is written as a Chrome trace (`<file>--<test>.json`; open it in
   * https://ui.perfetto.dev). Off by default; nothing is written outside debug mode.
   */
  traceDir?: string
  /**
   * Attach an SVG timeline of the test's loop (and, in debug mode, its Chrome
   * trace) to a failing test (`'on-failure'`, default), to every test that
   * used its loop (`'always'`), or never (`'never'`: the loop keeps no record).
   */
  attach?: Attach
  /** Print the one-line run summary at the end of the run (default true; never under `--silent`). */
  summary?: boolean
}

/** Config passed from the plugin to the workers (must survive serialization). @internal */
export interface ProvidedOptions {
  timeFlow?: TimeFlow
  now?: number
  toFake?: Fakeable[]
  debug?: boolean
  slowCallbackDuration?: number
  onSlow?: OnSlow
  onLeak?: OnLeak
  allow?: string[]
  loopLimit?: number
  traces?: number | 'all'
  autoUse?: boolean
  exclude?: string[]
  /** Absolute: resolved against the root by the plugin. */
  traceDir?: string
  /** The project root, for `exclude`. */
  root?: string
  attach?: Attach
}

/** The key under which the plugin provides its options. @internal */
export const providedKey = 'vitest-loop:options'

const fakeables = allFakeables

/** Checks options given to useLoop or the plugin; throws TypeError naming the bad one. @internal */
export function validateOptions(options: unknown, where: string): asserts options is PluginOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected \`options\` of ${where} to be an object, got ${describeValue(options)}`)
  }
  const o = options as Record<string, unknown>
  const known = new Set([
    'timeFlow',
    'now',
    'toFake',
    'debug',
    'slowCallbackDuration',
    'onSlow',
    'onLeak',
    'allow',
    'loopLimit',
    'traces',
    'autoUse',
    'exclude',
    'traceDir',
    'attach',
    'summary',
  ])
  for (const key of Object.keys(o)) {
    if (!known.has(key)) {
      throw new TypeError(`Unknown option \`${key}\` of ${where}; known options: ${[...known].join(', ')}`)
    }
  }
  if (o.timeFlow !== undefined) expectOneOf('timeFlow', o.timeFlow, ['auto', 'manual'] as const)
  if (o.onLeak !== undefined) expectOneOf('onLeak', o.onLeak, ['fail', 'warn', 'ignore'] as const)
  if (o.onSlow !== undefined) expectOneOf('onSlow', o.onSlow, ['fail', 'warn', 'ignore'] as const)
  if (o.slowCallbackDuration !== undefined) expectDelay('slowCallbackDuration', o.slowCallbackDuration)
  if (o.traceDir !== undefined && (typeof o.traceDir !== 'string' || o.traceDir === '')) {
    throw new TypeError(`Expected \`traceDir\` to be a non-empty string (a folder), got ${describeValue(o.traceDir)}`)
  }
  if (o.attach !== undefined) expectOneOf('attach', o.attach, ['on-failure', 'always', 'never'] as const)
  if (o.summary !== undefined && typeof o.summary !== 'boolean') {
    throw new TypeError(`Expected \`summary\` to be a boolean, got ${describeValue(o.summary)}`)
  }
  if (o.now !== undefined) toEpochMs('now', o.now)
  if (o.traces !== undefined) toTraceLimit('traces', o.traces)
  if (o.debug !== undefined && typeof o.debug !== 'boolean') {
    throw new TypeError(`Expected \`debug\` to be a boolean, got ${describeValue(o.debug)}`)
  }
  if (o.autoUse !== undefined && typeof o.autoUse !== 'boolean') {
    throw new TypeError(`Expected \`autoUse\` to be a boolean, got ${describeValue(o.autoUse)}`)
  }
  if (o.toFake !== undefined) {
    if (!Array.isArray(o.toFake)) throw new TypeError(`Expected \`toFake\` to be an array, got ${describeValue(o.toFake)}`)
    for (const name of o.toFake) expectOneOf('toFake[]', name, fakeables)
  }
  if (o.allow !== undefined) {
    if (!Array.isArray(o.allow)) throw new TypeError(`Expected \`allow\` to be an array, got ${describeValue(o.allow)}`)
    for (const entry of o.allow) {
      if (typeof entry !== 'string' && typeof entry !== 'function' && !(entry instanceof RegExp)) {
        throw new TypeError(`Expected each \`allow\` entry to be a string, a RegExp or a function, got ${describeValue(entry)}`)
      }
    }
  }
  if (o.exclude !== undefined) {
    if (!Array.isArray(o.exclude) || o.exclude.some((g) => typeof g !== 'string')) {
      throw new TypeError(`Expected \`exclude\` to be an array of glob strings, got ${describeValue(o.exclude)}`)
    }
  }
}

/** Whether `finding` matches an allowlist entry. @internal */
export function isAllowed(finding: Finding, allow: readonly LeakAllow[] | undefined): boolean {
  if (!allow || allow.length === 0) return false
  const site = finding.frames[0] ?? finding.via[0]
  const text = `${finding.message}\n${site ? `${site.file}:${site.line}:${site.column}` : ''}`
  return allow.some((entry) =>
    typeof entry === 'string' ? text.includes(entry) : entry instanceof RegExp ? entry.test(text) : entry(finding),
  )
}
