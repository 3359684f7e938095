/**
 * The setup file (`vitest-loop/setup`, added by the plugin): gives every test
 * a fresh loop on virtual time and fails the test, at the leaking line, when
 * it leaves work behind.
 *
 * Where a test is opened and judged (runner-hooks.ts): in a file with no
 * aroundEach of its own, by the runner's own onBeforeTryTask (before the
 * beforeEach hooks) and onAfterRetryTask (after the afterEach hooks, fixture
 * teardown and every onTestFinished callback), which cost no hook machinery;
 * in a file with one, by our aroundEach, registered first and so outermost
 * (VITEST-NOTES §4), whose part after `runTest()` runs after the user's too.
 * Either way the sanitizer sees the loop exactly as the test and its hooks
 * left it, and what it throws fails the test as an onTestFinished
 * callback's error would.
 *
 * The test function itself is wrapped (runner-api.ts: the way differs between
 * the majors): it races a stall watch (a test that awaits what nothing can
 * settle fails with DeadlockError, stall-watch.ts), and the loop freezes the
 * moment it settles. In debug mode a failing test also gets its loop's last
 * events (TimelineReport) and, with `traceDir`, a Chrome trace.
 */
import { afterAll, aroundEach, beforeAll, inject, vi } from 'vitest'
import type { RunnerTestCase } from 'vitest'
import { join, relative } from 'node:path'
import type { Finding } from '../check/findings.ts'
import { buildReport } from '../check/report.ts'
import { timelineReport } from '../check/timeline-report.ts'
import { chromeTrace, writeChromeTrace } from '../loop/chrome-trace.ts'
import { InvalidStateError } from '../loop/errors.ts'
import type { LoopError } from '../loop/errors.ts'
import { shared } from '../loop/internal/context.ts'
import { host, hop } from '../loop/internal/host.ts'
import { log } from '../loop/internal/log.ts'
import { _setLoopResolver } from '../loop/registry.ts'
import { installTime } from '../time/install.ts'
import type { TimeInstallation } from '../time/install.ts'
import { attach, takeAttachment } from './attach.ts'
import { matchesGlob } from './glob.ts'
import { FileSummary } from './run-summary.ts'
import { isAllowed, providedKey } from './options.ts'
import type { Fakeable, OnLeak, ProvidedOptions } from './options.ts'
import { pauseRealWork, watchRealWork, withRunnerTimer } from './real-work.ts'
import { getFn, prepareRunnerApi, runnerRoute, setFn } from './runner-api.ts'
import { installRunnerHooks, registerAroundEach } from './runner-hooks.ts'
import type { TestHooks } from './runner-hooks.ts'
import { StallWatch } from './stall-watch.ts'
import { replayLine, runStartInstant, startKey } from './start-instant.ts'
import { TestState, currentTestState, worker } from './test-state.ts'
import { forgetTestSite, testSite, watchTestSites } from './test-site.ts'
import { foreignClock } from './foreign-clock.ts'
import { beginViTest, endViFile, viOwn, wrapViTimers } from './vi-timers.ts'
import './augment.ts'

const config: ProvidedOptions = readConfig()
/** The instant every test's loop starts at, named by every report (start-instant.ts). */
const startInstant: number = (config.now ??= readStart())

function readConfig(): ProvidedOptions {
  try {
    return (inject(providedKey as 'vitest-loop:options') as ProvidedOptions | undefined) ?? {}
  } catch {
    return {}
  }
}

/** The run's start instant from the main process (plugin or global setup), else this worker's own. */
function readStart(): number {
  let provided: unknown
  try {
    provided = inject(startKey as 'vitest-loop:start')
  } catch {}
  return typeof provided === 'number' ? provided : runStartInstant()
}

// ------------------------------------------------------------ worker-wide

const globalKey = Symbol.for('vitest-loop:setup')
interface WorkerGlobals {
  installation: TimeInstallation | undefined
  files: number
  rejectionListener: boolean
}
const globals: WorkerGlobals = ((globalThis as Record<symbol, unknown>)[globalKey] as WorkerGlobals | undefined) ?? {
  installation: undefined,
  files: 0,
  rejectionListener: false,
}
;(globalThis as Record<symbol, unknown>)[globalKey] = globals

/** Routes a global timer call to the loop of the test running it. */
function resolveLoop(api?: Fakeable) {
  return currentTestState()?.loopFor(api)
}

let workerReady = false

/**
 * What the setup file changes for the whole worker, once per copy of this
 * module (the first setUpFile()): not at the module's top level, which runs
 * wherever the module loads (the one-script runtime, load.ts, holds this
 * module for `vitest-loop` importers too), and must change nothing there.
 */
function setUpWorker(): void {
  if (workerReady) return
  workerReady = true
  _setLoopResolver(() => currentTestState()?.loopFor(undefined))

  // Loops a test makes with newEventLoop() are checked when it ends.
  shared.onLoopCreated = (loop) => {
    const state = currentTestState()
    if (state !== undefined && !state.finished) state.addUserLoop(loop)
  }

  // A loop a test makes without `now` starts at the wall clock the test sees
  // (its loop's virtual Date.now()), so that it replays too; elsewhere, the real time.
  shared.defaultEpoch = () => currentTestState()?.loopFor('Date')?.now()

  // Unhandled rejections are blamed on the test whose async context raised them.
  // Once we listen, Vitest stops reporting them itself (VITEST-NOTES §7), so a
  // rejection outside any test is rethrown for Vitest to report as before.
  if (!globals.rejectionListener) {
    globals.rejectionListener = true
    process.on('unhandledRejection', (reason) => {
      const state = currentTestState()
      if (state === undefined || state.finished) throw reason
      state.rejections.push(reason)
    })
  }

  // Vitest's fake-timer API is served by each test's loop (vi-timers.ts).
  wrapViTimers(vi, () => globals.installation !== undefined)
}

// ------------------------------------------------------------- per file

// Installed when the setup file loads, before the test file imports anything,
// so a library that keeps a reference to setTimeout at import time still gets
// ours (outside a test it calls the real one). Never patch under vi's own
// fakes: useRealTimers() would then delete our functions (VITEST-NOTES §6).
function install(): void {
  if (globals.installation === undefined && !viOwn(vi).isFakeTimers()) {
    globals.installation = installTime(resolveLoop)
  }
}

let stallDetection = false

/** What the run's line needs of the file's tests that ran on a loop (each file's afterAll writes it and starts over). */
const summary = new FileSummary()

const excluded = (file: string): boolean =>
  (config.exclude ?? []).some((glob) => matchesGlob(file, glob, config.root))

/**
 * Installs virtual time and registers this file's hooks. The entry
 * (`vitest-loop/setup`) calls it each time Vitest evaluates it: with
 * `isolate: false`, and in the vmThreads pool (whose test files share one
 * context per worker), Vitest runs the setup file again before every test
 * file but not the modules it imports, so hooks registered at the top level
 * of this module would be registered for the first file only.
 */
export async function setUpFile(): Promise<void> {
  await prepareRunnerApi()
  setUpWorker()
  install()
  watchTestSites() // reports point at the test's line
  // Stall detection needs to see Vitest's own calls to the main process; without that it stays off.
  stallDetection = watchRealWork()

  beforeAll(() => {
    globals.files++
    install()
  })

  afterAll(() => {
    summary.write() // the file's totals, for the run's line (run-summary.ts)
    // A clock another library installed and nobody restored ends with the file, as ours does.
    foreignClock()?.uninstall()
    globals.files--
    endViFile()
    if (globals.files > 0) return
    if (globals.installation !== undefined && !viOwn(vi).isFakeTimers()) {
      globals.installation.uninstall()
      globals.installation = undefined
    }
    // No test runs until the next file's setUpFile(): Node's promise hooks
    // (turned on for every promise by the real-work hook before Node 24.21,
    // by a store in use before Node 24) stay off for Vitest's end of the file.
    pauseRealWork()
    worker.storage.disable()
  })

  // Per test: no hook of Vitest's at all where the runner's own serve
  // (runner-hooks.ts: a file without an aroundEach of its own), else one
  // aroundEach, outermost; never onTestFinished (each costs a timeout timer, a
  // captured stack and a few promises per test). The aroundEach opens the
  // test's store and does what a beforeEach would (the runner reads the test
  // function after it); after `runTest()` it judges, last of all.
  installRunnerHooks(runnerHooks)
  registerAroundEach(() =>
    aroundEach((runTest, { task }) => {
      const state = openTest(task as RunnerTestCase)
      return finish(state, worker.storage.run(state, runTest))
    }),
  )
}

/** A test's attempt starts: its state, its loop unless asked for later, its `loop` property and its wrapped function. */
function openTest(test: RunnerTestCase): TestState {
  const state = new TestState(test, config, excluded(test.file.filepath))
  if (config.autoUse !== false && !state.realTime) state.ensureLoop()
  beginViTest(state) // vi.useFakeTimers() from a hook, an earlier test or the top level
  contextStates.set(test.context, state)
  Object.defineProperty(test.context, 'loop', loopProperty)
  freezeWhenBodyEnds(test)
  return state
}

/**
 * The runner's hooks (runner-hooks.ts): the store is entered, not run around
 * the test. It holds from here through the rest of the runner's work on this
 * attempt (its hooks, the test, the judging, then the runner's own end of the
 * test, which finds the state finished: its timers are real), and never
 * reaches the next test, which the runner starts from the suite's own chain.
 */
const runnerHooks: TestHooks = {
  open(test) {
    worker.storage.enterWith(openTest(test))
  },
  close(test) {
    const state = contextStates.get(test.context)
    return state === undefined ? undefined : judge(state)
  },
}

/** The state of each test that is running, by its context: what the context's `loop` reads. */
const contextStates = new WeakMap<object, TestState>()

/**
 * The context's `loop` (the fixture): one getter for every test, and left in
 * place when the test ends (its state is then gone from `contextStates`).
 * Vitest keeps every test's context until the run ends: a getter made per
 * test, or the property turned into a value at the end, left each context
 * with closures, a map of its own or its properties in a dictionary (about
 * 0.6 KB a test).
 */
const loopProperty: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: object) {
    const state = contextStates.get(this)
    return state === undefined ? undefined : askLoop(state)
  },
  set(this: object, value: unknown) {
    Object.defineProperty(this, 'loop', { value, configurable: true, writable: true })
  },
}

const wrapped = new WeakSet<RunnerTestCase>()

/**
 * Wraps the test function so that the moment it settles, the test's loop is
 * frozen: the auto time flow must not fire, after the test, the timers the
 * test left (they are what the sanitizer reports). The runner reads the
 * function after the aroundEach and beforeEach hooks, so replacing it here takes effect.
 */
function freezeWhenBodyEnds(task: RunnerTestCase): void {
  if (wrapped.has(task)) return
  const fn = getFn(task)
  if (typeof fn !== 'function') return
  wrapped.add(task)
  // The wrapper stays on the task for every retry and repeat, and the task
  // lives until the run ends: it finds the state of the run in progress and
  // keeps no reference to a test's state.
  setFn(task, function (this: unknown, ...args: unknown[]): any {
    const current = currentTestState()
    if (current === undefined) return (fn as (...a: unknown[]) => unknown).apply(this, args)
    let result: unknown
    try {
      // The runner's timeout timer for this test is made in there: not work the test waits on.
      result = withRunnerTimer(task.timeout, () => (fn as (...a: unknown[]) => unknown).apply(this, args))
    } catch (error) {
      current.freeze()
      throw error
    }
    if (result !== null && typeof (result as PromiseLike<unknown>)?.then === 'function') {
      if (!stallDetection || current.realTime) return Promise.resolve(result).finally(() => current.freeze())
      // A test that awaits what nothing can settle fails now, not at its timeout (stall-watch.ts):
      // the first of the two to settle settles the test function's promise.
      return new Promise((resolve, reject) => {
        let settled = false
        const end = (): boolean => {
          if (settled) return false
          settled = true
          watch.stop()
          current.freeze()
          return true
        }
        const watch = new StallWatch(current, () => testSite(task), (error) => {
          if (end()) reject(withLine(error, replay(task))) // a stall is a failure report too: it names the start instant
        })
        ;(result as PromiseLike<unknown>).then(
          (value) => {
            if (end()) resolve(value)
          },
          (error: unknown) => {
            if (end()) reject(error)
          },
        )
        watch.start()
      })
    }
    current.freeze()
    return result
  })
}

/** The test asked for its loop. @internal */
export function askLoop(state: TestState) {
  if (state.realTime) {
    throw new InvalidStateError(
      `This test runs on real time (it matches \`exclude\` in the vitest-loop options, or called useRealTime()): it has no loop`,
    )
  }
  state.asked = true
  return state.ensureLoop()
}

/**
 * The aroundEach's end: awaits the test (`run`: its hooks and its function,
 * in its store), then judges it, whether or not the run failed.
 */
async function finish(state: TestState, run: Promise<unknown>): Promise<void> {
  try {
    await run
  } finally {
    await judge(state)
  }
}

/** Reports what the test left (what that throws fails the test) and lets go of its state. */
async function judge(state: TestState): Promise<void> {
  // For the run's line: the loop time the test reached and its leaks, noted with its real time once judged.
  let onLoop: { readonly virtualMs: number; readonly leaks: number } | undefined
  try {
    state.freeze() // a test that timed out never settled its function
    // Rejections raised by the test's last promise jobs arrive after one real
    // macrotask; so do those of the last turn's callbacks, when it ran any.
    await hop()
    const turn = state.lastTurn()
    if (turn !== undefined) {
      await turn
      await hop()
    }
    const findings = state.findings()
    // Debug mode's timeline as the test left it (cleaning up cancels tasks: not the test's events).
    const loop = state.loop
    const timeline = state.steppedAside ? undefined : loop?._timelineEvents()
    // A test that asked for the loop and brought another clock fails below: nothing of it stays patched.
    if (state.asked) foreignClock()?.uninstall()
    const reported = findings.length === 0 ? findings : findings.filter((finding) => !isAllowed(finding, state.allow))
    const failing = state.task.result?.state === 'fail' || reported.some((f) => (f.kind === 'slow-callback' ? state.onSlow : state.onLeak) === 'fail')
    const attachment = state.steppedAside ? undefined : takeAttachment(loop, state.task, config.attach ?? 'on-failure', failing, startInstant)
    if (loop !== undefined && !state.steppedAside) {
      const leaks = state.onLeak === 'ignore' ? 0 : reported.filter((finding) => finding.kind !== 'slow-callback').length
      onLoop = { virtualMs: loop.time(), leaks }
    }
    state.cleanUp()
    if (state.steppedAside && state.asked) {
      const error = new InvalidStateError(
        'This test ran on another fake clock (sinon.useFakeTimers() or @sinonjs/fake-timers install(), in the test, a hook or an earlier test) ' +
          'but uses the vitest-loop loop (useLoop() or the `loop` fixture): its timers were not on the loop. Use the loop instead ' +
          '(loop.advance(ms) for clock.tick(ms)), or remove useLoop() and the `loop` fixture from this test to keep the other clock.',
      )
      const site = testSite(state.task) // the test's line: the clock was installed somewhere in it
      if (site !== undefined) error.stack = `${error.name}: ${error.message}\n    at ${site.text}`
      throw error
    }
    const failures: LoopError[] = []
    const warnings: LoopError[] = []
    // Leaks follow onLeak, slow callbacks onSlow: each group is its own report.
    const file = (group: Finding[], action: OnLeak): void => {
      if (group.length === 0 || action === 'ignore') return
      if (action === 'fail') failures.push(...buildReport(group, testSite(state.task), loop, replay(state.task)))
      else warnings.push(...buildReport(group, testSite(state.task), loop))
    }
    if (reported.length > 0) {
      file(reported.filter((finding) => finding.kind !== 'slow-callback'), state.onLeak)
      file(reported.filter((finding) => finding.kind === 'slow-callback'), state.onSlow)
    }
    if (warnings.length > 0) console.warn(warnings.map((error) => error.stack).join('\n\n'))
    if ((failures.length > 0 || state.task.result?.state === 'fail') && timeline !== undefined && loop !== undefined && timeline.events.length > 0) {
      const trace = writeTrace(state, timeline.events, timeline.dropped)
      failures.push(timelineReport(timeline.events, timeline.events.length + timeline.dropped, loop.name, trace))
    }
    if (attachment !== undefined) await attach(state.task, attachment)
    if (failures.length > 0) throw new AggregateError(failures, failures[0]!.message)
    if (state.task.result?.state === 'pass' && (state.task.repeats ?? 0) <= (state.task.result.repeatCount ?? 0)) {
      forgetTestSite(state.task) // it will not run again: no report will name its line
    }
  } finally {
    // Its real time runs to here, the judging included, as Vitest's duration of the test does.
    if (onLoop !== undefined) summary.note(state.task, onLoop.virtualMs, host.now() - state.openedAt, onLoop.leaks)
    // Vitest keeps every task object until the run ends: let go of the test's loops and state.
    contextStates.delete(state.task.context)
    state.release()
  }
}

/** Debug mode with `traceDir`: the failing test's timeline as a Chrome trace; returns its path (relative to the working directory when inside it). */
function writeTrace(state: TestState, events: Parameters<typeof chromeTrace>[0], dropped: number): string | undefined {
  const dir = config.traceDir
  const loop = state.loop
  if (dir === undefined || loop === undefined) return undefined
  const root = config.root ?? process.cwd()
  const safe = (text: string): string => text.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '')
  const test = (state.task as { fullTestName?: string }).fullTestName ?? state.task.name
  const name = `${safe(relative(root, state.task.file.filepath))}--${safe(test)}.json`
  const file = join(dir, name)
  try {
    writeChromeTrace(file, chromeTrace(events, loop.name, loop.id, loop.time(), dropped))
  } catch (error) {
    log('could not write the trace of %s to %s: %O', state.task.name, file, error)
    return undefined
  }
  const shown = relative(process.cwd(), file)
  return shown.startsWith('..') ? file : shown
}

/**
 * `replay: LOOP_NOW=<start instant> vitest run <file> -t <name>`, the command
 * that runs this test again as it ran. `-t` matches the names of the describe
 * blocks and the test joined by spaces in Vitest 4.1 (as Jest), by ` > ` in
 * Vitest 5 (its `fullTestName`).
 */
function replay(task: RunnerTestCase): string {
  const names = [task.name]
  for (let suite = task.suite; suite !== undefined && suite !== task.file; suite = suite.suite) names.unshift(suite.name)
  const separator = runnerRoute() === 'runTask' ? ' > ' : ' '
  return replayLine(startInstant, task.file.name, names.join(separator)) // the file's name is its path from the root
}

/** `error` with `line` added to its message, in its stack too (whose head is the message). */
function withLine(error: Error, line: string): Error {
  const head = `${error.name}: ${error.message}`
  error.message = `${error.message}\n${line}`
  if (error.stack?.startsWith(head)) error.stack = `${error.name}: ${error.message}${error.stack.slice(head.length)}`
  return error
}
