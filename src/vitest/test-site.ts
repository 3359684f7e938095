/**
 * The test's own line, which heads its report: where the test file called
 * `test()` (or `it`, `test.each(...)(...)`, a `test.extend` test).
 *
 * Vitest knows it as `task.location` only with `includeTaskLocation`, and then
 * formats a source-mapped stack for every test and suite it collects, though
 * few are ever reported: about 7 ms of CPU per test file in bench G (three
 * small tests a file), a quarter of what the plugin added there. So the
 * plugin leaves it off, and each test's creation is captured raw instead
 * (trace.ts: V8's frames, formatted only when a report reads them), as the
 * collector takes the test.
 *
 * How: the setup file runs inside the file's collection, with the file's root
 * collector current, and in Vitest 4.1 and 5 a collector keeps what is
 * defined in it in its `tasks` array, by `push`. That array alone gets a
 * `push` of its own that captures the stack; a describe block's collector,
 * pushed there in turn, gets the same. Where Vitest collects some other way,
 * nothing is captured and a report points at the test file's first line, as
 * it did without `includeTaskLocation`; test/e2e checks the line on both
 * majors. When the user turned `includeTaskLocation` on, `task.location` is
 * used and nothing is captured.
 * @internal
 */
import type { RunnerTestCase } from 'vitest'
import { captureFrames } from '../loop/trace.ts'
import type { StackFrame, Trace } from '../loop/trace.ts'
import { currentCollector } from './runner-api.ts'

interface Collected {
  readonly type?: unknown
  readonly location?: unknown
  readonly tasks?: unknown
}

const key = Symbol.for('vitest-loop:test-sites')

/** Each test's creation, captured as it was collected; shared by every copy of this module. */
const sites: WeakMap<object, Trace> = ((globalThis as Record<symbol, unknown>)[key] as WeakMap<object, Trace> | undefined) ?? new WeakMap()
;(globalThis as Record<symbol, unknown>)[key] = sites

/**
 * Frames a capture keeps, from Vitest's `task()` out to the test file's call
 * through `test`'s chain (`.each`, `.extend`, `.for`): as many as Vitest's
 * own capture there, which `includeTaskLocation` reads. Each frame costs:
 * at collection, 10 frames took 7 to 9 µs a test here, 16 took 9 to 14. The
 * frames (about 1 KB a test) stay until the test passes, and the collector
 * pays for them later: leaving the capture out saved 14 to 31 µs a test of
 * the whole worker's CPU in a 7,000-test file (two sets of alternated runs);
 * 5 frames, which reach the line of a plain `test()` (`.each`, `.for` and
 * `.extend` need up to 9), saved nothing measurable.
 */
const depth = 10

/** Marks an array whose push is ours (whichever copy of this module wrapped it). */
const watched = Symbol.for('vitest-loop:watched')

/**
 * Captures the creation of every test collected in the current file from now
 * on. Called by the setup file each time it runs (once per test file).
 */
export function watchTestSites(): void {
  watchCollector(currentCollector<Collected>())
}

/** Captures the creation of every test `collector` takes from now on, and of those its describe blocks take. @internal */
export function watchCollector(collector: Collected | undefined): void {
  const tasks = collector?.tasks
  if (!Array.isArray(tasks) || Object.prototype.hasOwnProperty.call(tasks, watched)) return
  const push = function push(this: unknown[], ...items: unknown[]): number {
    for (const item of items) taken(item as Collected)
    return Array.prototype.push.apply(this, items)
  }
  Object.defineProperty(tasks, 'push', { value: push, configurable: true, writable: true, enumerable: false })
  Object.defineProperty(tasks, watched, { value: true })

  function taken(item: Collected): void {
    if (item === null || typeof item !== 'object') return
    if (item.type === 'collector') watchCollector(item)
    else if (item.type === 'test' && item.location === undefined) {
      // Whether or not creation traces are on: this is one capture a test, at collection.
      sites.set(item, captureFrames(push, depth))
    }
  }
}

/**
 * Lets go of the test's capture (about 1 KB of V8's frames): for a test that
 * passed and will not run again. Vitest keeps the task until the run ends.
 */
export function forgetTestSite(task: RunnerTestCase): void {
  sites.delete(task)
}

/** The test's own line: `task.location` when Vitest has it, else the first frame of its capture in its file. */
export function testSite(task: RunnerTestCase): StackFrame {
  const file = task.file.filepath
  // Stack parsers read `at name (file:line:col)`: parentheses in a test name would confuse them.
  const name = task.name.replace(/[()]/g, '')
  const at = (line: number, column: number): StackFrame => ({ fn: name, file, line, column, text: `${name} (${file}:${line}:${column})` })
  if (task.location !== undefined) return at(task.location.line, task.location.column)
  const wanted = slashes(file)
  const frame = sites.get(task)?.frames.find((candidate) => slashes(candidate.file) === wanted)
  return frame === undefined ? at(1, 1) : at(frame.line, frame.column)
}

const slashes = (file: string): string => file.replace(/\\/g, '/')
