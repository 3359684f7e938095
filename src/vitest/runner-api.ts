/**
 * The two runner functions the setup file needs, read the test's function
 * (`getFn`) and replace it (`setFn`), taken once from the Vitest that runs the
 * tests. The majors differ here:
 *
 * - Vitest 4.1 keeps its runner in the `@vitest/runner` package, which exports
 *   both (`vitest` re-exports neither; its `TestRunner.setTestFn` is `getFn`).
 * - Vitest 5 folds the runner into `vitest` and exports neither: `vitest`'s
 *   `TestRunner.getTestFn` reads the function, and nothing replaces it. The
 *   runner calls `runner.runTask(test)` instead of the function when the
 *   runner has one (both majors; Vitest's own runner has none), so a
 *   `runTask` on `TestRunner.prototype` runs the replacement.
 *
 * `@vitest/runner` is used only when it is the copy Vitest uses (its `getFn`
 * is the one behind `TestRunner.getTestFn`): under Vitest 5 a stray 4.x copy
 * may still resolve from here, and under 4.1 npm may have nested vitest's own
 * copy where vitest-loop cannot see it. Every other case takes the `runTask`
 * route.
 * @internal
 */
import { TestRunner } from 'vitest'
import type { RunnerTestCase } from 'vitest'
import { log } from '../loop/internal/log.ts'

/** The test's function as the runner will call it. */
type TestFn = (...args: unknown[]) => unknown

/** Where the functions came from: `'@vitest/runner'` (Vitest 4.1), or the `runTask` hook (Vitest 5). @internal */
export type RunnerRoute = '@vitest/runner' | 'runTask'

interface RunnerApi {
  readonly route: RunnerRoute
  getFn(task: RunnerTestCase): TestFn | undefined
  setFn(task: RunnerTestCase, fn: TestFn): void
}

interface RunnerPackage {
  getFn(task: object): unknown
  setFn(task: object, fn: unknown): void
}

const vitestGetFn = TestRunner.getTestFn as unknown as (task: object) => TestFn | undefined

/** `@vitest/runner`, when it is the runner this Vitest uses. */
async function runnerPackage(): Promise<RunnerPackage | undefined> {
  try {
    // A variable: bundlers and type checks must not require the package, which Vitest 5 does not have.
    const name = '@vitest/runner'
    const runner = (await import(/* @vite-ignore */ name)) as Partial<RunnerPackage>
    if (typeof runner.setFn === 'function' && runner.getFn === (vitestGetFn as unknown)) return runner as RunnerPackage
  } catch {
    // not installed (Vitest 5): the runTask route
  }
  return undefined
}

const key = Symbol.for('vitest-loop:runner-api')

/**
 * Test functions replaced on the runTask route, per worker: the runTask
 * installed by the first evaluation of this module reads it.
 */
const replaced: WeakMap<object, TestFn> =
  ((globalThis as Record<symbol, unknown>)[key] as WeakMap<object, TestFn> | undefined) ?? new WeakMap()
;(globalThis as Record<symbol, unknown>)[key] = replaced

/**
 * Puts `runTask` on Vitest's TestRunner, once per class: the runner calls it
 * for every test in place of the test's function (inside its concurrency
 * limit, after the beforeEach hooks, as it would call the function).
 */
function installRunTask(): void {
  const proto = TestRunner.prototype as { runTask?: (test: RunnerTestCase) => unknown }
  const existing = Object.getOwnPropertyDescriptor(proto, 'runTask')
  if (existing !== undefined) {
    if ((existing.value as { [key]?: true } | undefined)?.[key] === true) return
    // Vitest's own runner would then call the test itself, past any replacement.
    throw new Error(
      'vitest-loop does not support this Vitest: its TestRunner defines runTask. Install vitest ^4.1.12 or ^5, or report it to vitest-loop',
    )
  }
  const runTask = function runTask(test: RunnerTestCase): unknown {
    const fn = replaced.get(test)
    if (fn !== undefined) return fn()
    const original = vitestGetFn(test)
    if (original === undefined) throw new Error('Test function is not found. Did you add it using `setFn`?')
    return original()
  }
  Object.defineProperty(runTask, key, { value: true })
  Object.defineProperty(proto, 'runTask', { value: runTask, configurable: true, writable: true, enumerable: false })
}

async function resolveApi(): Promise<RunnerApi> {
  const runner = await runnerPackage()
  if (runner !== undefined) {
    return {
      route: '@vitest/runner',
      getFn: (task) => runner.getFn(task) as TestFn | undefined,
      setFn: (task, fn) => runner.setFn(task, fn),
    }
  }
  installRunTask()
  return {
    route: 'runTask',
    getFn: (task) => replaced.get(task) ?? vitestGetFn(task),
    setFn: (task, fn) => void replaced.set(task, fn),
  }
}

/**
 * The collector Vitest is collecting into now (in a setup file: the test
 * file's root collector), as `T`; undefined when nothing is being collected
 * (the setup file imported outside a test file's collection). @internal
 */
export function currentCollector<T extends object>(): T | undefined {
  try {
    return (TestRunner as unknown as { getCurrentSuite?: () => T | undefined }).getCurrentSuite?.()
  } catch {
    return undefined
  }
}

/** This module's answer, once `prepareRunnerApi()` resolved it (before the setup file registers any hook). */
let api: RunnerApi | undefined

/**
 * Finds the way to read and replace test functions in this worker: the setup
 * file awaits it before it registers its hooks. Not at the module's top level:
 * a top-level await would keep this module out of the one-script runtime
 * (load.ts), whose format has none. @internal
 */
export async function prepareRunnerApi(): Promise<void> {
  if (api !== undefined) return
  api = await resolveApi()
  log('test functions are read and replaced through %s', api.route)
}

function resolved(): RunnerApi {
  if (api === undefined) throw new Error('vitest-loop: the runner API was used before setUpFile() resolved it (an internal error; please report it)')
  return api
}

/** Which way the test functions are read and replaced in this worker. @internal */
export const runnerRoute = (): RunnerRoute => resolved().route

/** The test's function, as the runner will call it. @internal */
export const getFn = (task: RunnerTestCase): TestFn | undefined => resolved().getFn(task)

/** Replaces the test's function for every later run of it (retries, repeats). @internal */
export const setFn = (task: RunnerTestCase, fn: TestFn): void => resolved().setFn(task, fn)
