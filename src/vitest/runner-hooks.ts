/**
 * The cheap way into each test: the runner's own hooks, in place of an
 * `aroundEach`.
 *
 * Vitest runs an `aroundEach` hook through a machinery of its own (a timeout
 * timer for each of its two phases, a concurrency slot, races of four
 * promises): about 35 promises and 2 timers a test, which with Node 20's and
 * 22's promise hooks on cost 16 to 29 µs of CPU a test in setup files that do
 * nothing else, 34 to 60 under vitest-loop's own work, and more while the
 * code is cold (README, "No hook of Vitest's per test"). The runner itself calls `onBeforeTryTask` just before a test's
 * beforeEach hooks and `onAfterRetryTask` after its afterEach hooks, fixture
 * teardown and onTestFinished / onTestFailed callbacks; what the second
 * throws fails the test, as an error of our `aroundEach` did. Both are
 * methods of Vitest's TestRunner, in 4.1 and in 5, and run for every attempt
 * (retries, repeats).
 *
 * So the setup file still registers its `aroundEach` as each file is
 * collected, and when the file starts to run (`onBeforeRunSuite`) takes it
 * out again unless the file has an `aroundEach` of its own, anywhere: a
 * user's `aroundEach` wraps the runner's hooks, and its part after
 * `runTest()` (a teardown that clears what the test made, say) must run
 * before the sanitizer judges, as it does with ours outermost. Taken out, the
 * test is opened in `onBeforeTryTask` and judged in `onAfterRetryTask`.
 *
 * A runner with methods of its own for these (a custom `runner` that
 * overrides either, whether or not it calls Vitest's) keeps the `aroundEach`:
 * the file's hooks are taken out only when the runner that runs it has ours.
 * @internal
 */
import { TestRunner } from 'vitest'
import type { RunnerTestCase } from 'vitest'
import { log } from '../loop/internal/log.ts'
import { currentCollector } from './runner-api.ts'

interface Collector {
  on?: (name: string, ...hooks: unknown[]) => unknown
}

interface SuiteLike {
  readonly type?: unknown
  readonly tasks?: readonly unknown[]
  readonly filepath?: unknown
}

type Hooks = { aroundEach?: unknown[] } | undefined

interface RunnerMethods {
  onBeforeRunSuite?: (this: unknown, suite: SuiteLike) => unknown
  onBeforeTryTask?: (this: unknown, test: RunnerTestCase, options: unknown) => unknown
  onAfterRetryTask?: (this: unknown, test: RunnerTestCase, options: unknown) => unknown
}

/** What the setup file does at each point. */
export interface TestHooks {
  /** A test's attempt starts (before its beforeEach hooks); what it throws fails the attempt. */
  open(test: RunnerTestCase): void
  /** The attempt ended (after its hooks and callbacks); what it throws fails the test. */
  close(test: RunnerTestCase): Promise<void> | undefined
}

const key = Symbol.for('vitest-loop:runner-hooks')

interface Shared {
  /** What Vitest stored for each `aroundEach` the setup file registered (one a collected file). */
  readonly ours: WeakSet<object>
  /** The files whose tests are opened and judged by the runner's hooks. */
  readonly files: WeakSet<object>
  hooks: TestHooks | undefined
}

/** Shared by every copy of this module: the runner's prototype is patched once a worker. */
const shared: Shared = ((globalThis as Record<symbol, unknown>)[key] as Shared | undefined) ?? {
  ours: new WeakSet(),
  files: new WeakSet(),
  hooks: undefined,
}
;(globalThis as Record<symbol, unknown>)[key] = shared

const getSuiteHooks = (TestRunner as unknown as { getSuiteHooks?: (suite: object) => Hooks }).getSuiteHooks

/**
 * Registers the setup file's `aroundEach` (`register` calls Vitest's) and
 * notes what Vitest stored for it, so that the file can run without it.
 */
export function registerAroundEach(register: () => void): void {
  const collector = currentCollector<Collector>()
  const on = collector?.on
  if (collector === undefined || typeof on !== 'function' || getSuiteHooks === undefined) return register()
  // Vitest's aroundEach() hands its hook to the current collector's `on`.
  collector.on = function (this: unknown, name: string, ...hooks: unknown[]) {
    if (name === 'aroundEach') for (const hook of hooks) if (typeof hook === 'function') shared.ours.add(hook)
    return on.call(this, name, ...hooks)
  }
  try {
    register()
  } finally {
    collector.on = on
  }
}

/**
 * Patches Vitest's TestRunner, once a worker, to call `hooks` (the latest
 * given: each copy of the setup module gives its own).
 */
export function installRunnerHooks(hooks: TestHooks): void {
  shared.hooks = hooks
  const proto = TestRunner.prototype as unknown as RunnerMethods & { [key]?: true }
  if (proto[key] === true) return
  if (getSuiteHooks === undefined) return
  // Vitest's own (named apart: each function below is named as the method it replaces).
  const vitestBeforeRunSuite = proto.onBeforeRunSuite
  const vitestBeforeTry = proto.onBeforeTryTask
  const vitestAfterRetry = proto.onAfterRetryTask

  const beforeTry = function onBeforeTryTask(this: unknown, test: RunnerTestCase, options: unknown): unknown {
    const result = vitestBeforeTry?.call(this, test, options)
    if (shared.files.has(test.file)) shared.hooks?.open(test)
    return result
  }
  // Not an async function: in Vitest 4.1 there is no method of Vitest's to
  // await first, and each promise costs Node 20's and 22's promise hooks.
  const afterRetry = function onAfterRetryTask(this: unknown, test: RunnerTestCase, options: unknown): unknown {
    if (!shared.files.has(test.file)) return vitestAfterRetry?.call(this, test, options)
    let vitests: unknown
    try {
      vitests = vitestAfterRetry?.call(this, test, options)
    } catch (error) {
      return judgedAfter(Promise.reject(error), test)
    }
    return typeof (vitests as PromiseLike<unknown> | undefined)?.then === 'function' ? judgedAfter(vitests as PromiseLike<unknown>, test) : shared.hooks?.close(test)
  }
  const beforeRunSuite = function onBeforeRunSuite(this: RunnerMethods, suite: SuiteLike): unknown {
    const result = vitestBeforeRunSuite?.call(this, suite)
    if (typeof suite.filepath === 'string' && this.onBeforeTryTask === beforeTry && this.onAfterRetryTask === afterRetry) {
      takeOutAroundEach(suite)
    }
    return result
  }
  Object.assign(proto, { onBeforeRunSuite: beforeRunSuite, onBeforeTryTask: beforeTry, onAfterRetryTask: afterRetry })
  Object.defineProperty(proto, key, { value: true })
}

/** `close(test)` once Vitest's own method settled, whichever way; what either throws, as a try/finally would. */
function judgedAfter(vitests: PromiseLike<unknown>, test: RunnerTestCase): Promise<void> {
  return Promise.resolve(vitests).finally(() => shared.hooks?.close(test)) as Promise<void>
}

/** Takes the setup file's `aroundEach` out of `file`'s hooks when nothing else of the file is one; the file's tests then go through the runner's hooks. */
function takeOutAroundEach(file: SuiteLike): void {
  const around = getSuiteHooks?.(file)?.aroundEach
  if (!Array.isArray(around)) return
  const mine = around.filter((hook) => shared.ours.has(hook as object))
  if (mine.length === 0 || mine.length !== around.length || hasAroundEach(file.tasks)) return
  around.length = 0
  shared.files.add(file)
  log('the tests of %s go through the runner hooks', file.filepath)
}

/** Whether a describe block among `tasks` (at any depth) has an `aroundEach`. */
function hasAroundEach(tasks: readonly unknown[] | undefined): boolean {
  for (const task of tasks ?? []) {
    if (task === null || typeof task !== 'object' || (task as SuiteLike).type !== 'suite') continue
    const around = getSuiteHooks?.(task)?.aroundEach
    if ((Array.isArray(around) && around.length > 0) || hasAroundEach((task as SuiteLike).tasks)) return true
  }
  return false
}
