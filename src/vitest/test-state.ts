/**
 * What vitest-loop knows about one running test: its options, its loop, the
 * loops it made, the rejections raised in its async context. Found through an
 * AsyncLocalStorage store opened around the test, so concurrent tests never
 * see each other's state (VITEST-NOTES §5).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { RunnerTestCase } from 'vitest'
import type { Finding } from '../check/findings.ts'
import { inspectLoop, splitFrames } from '../check/findings.ts'
import { EventLoop } from '../loop/event-loop.ts'
import type { TimeFlow } from '../loop/event-loop.ts'
import { envDebug, envTraces } from '../loop/internal/env.ts'
import { emptySet, withItem } from '../loop/internal/empty-set.ts'
import { getTraceCapture, setTraceCapture } from '../loop/trace.ts'
import { handNodeWorkToHost } from '../time/hand-over.ts'
import { shared } from '../loop/internal/context.ts'
import { host } from '../loop/internal/host.ts'
import { toEpochMs } from '../loop/internal/validate.ts'
import { isHiddenFile, parseFrames, toTraceLimit } from '../loop/trace.ts'
import type { Fakeable, LeakAllow, LoopOptions, OnLeak, OnSlow, ProvidedOptions } from './options.ts'
import { foreignClock } from './foreign-clock.ts'
import { beginTestWork, endTestWork } from './real-work.ts'

/** Most passes of the loop's last turn before the sanitizer judges it. */
const lastTurnPasses = 3

/** LOOP_DEBUG, read once per worker: the environment does not change under a running suite. */
const debugFromEnv = envDebug()

/** A test's `allow` when neither the config nor useLoop() gives one (never written: configure() makes a new array). */
const allowNothing: readonly LeakAllow[] = []

/** One test's state. @internal */
export class TestState {
  readonly task: RunnerTestCase
  /** The test asked for its loop (useLoop or the fixture): another fake clock is then an error. */
  asked = false
  /** Another fake clock (sinon, @sinonjs/fake-timers, found by foreign-clock.ts) took over: the loop steps aside, reports nothing. */
  steppedAside = false
  /** The test runs on real time (config `exclude`, or useRealTime()). */
  realTime: boolean
  /** The test ended: its timers go to the real clock from now on. */
  finished = false
  /**
   * The test function returned: its loop is frozen as the test left it (the
   * sanitizer judges that), and hooks after it (afterEach) run on real time.
   */
  bodyDone = false
  onLeak: OnLeak
  onSlow: OnSlow
  allow: readonly LeakAllow[]
  toFake: ReadonlySet<Fakeable> | undefined
  // Both start as the shared empty set (most tests add nothing, and Vitest
  // keeps each test's state reachable until the run ends: a promise made in
  // the test's store holds it).
  /** Loops the test made with newEventLoop() (addUserLoop). */
  userLoops: ReadonlySet<EventLoop> = emptySet
  /** Errors already thrown to fail the test (a stopped runaway): the report does not repeat them (noteThrown). */
  thrown: ReadonlySet<unknown> = emptySet
  /** Rejections raised in the test's async context that nobody handled. */
  readonly rejections: unknown[] = []
  /** Real time (ms) the attempt started at: its real time for the run's line. */
  readonly openedAt = host.now()
  /** Real work started from here on is this test's (stall detection: see real-work.ts). */
  readonly realWorkMark = beginTestWork()
  /** Told when a driver of the test's loop stops (the stall watch looks then). */
  onLoopIdle: (() => void) | undefined
  #loop: EventLoop | undefined
  readonly #config: ProvidedOptions
  /** The loop's time flow when the test function settled (freezing makes it manual). */
  #flowAtFreeze: TimeFlow | undefined
  #inLastTurn = false

  constructor(task: RunnerTestCase, config: ProvidedOptions, realTime: boolean) {
    this.task = task
    this.#config = config
    this.realTime = realTime
    this.onLeak = config.onLeak ?? 'fail'
    this.onSlow = config.onSlow ?? 'warn'
    this.allow = config.allow ?? allowNothing
    this.toFake = config.toFake ? new Set(config.toFake) : undefined
  }

  /** The test's loop, made on first use. */
  get loop(): EventLoop | undefined {
    return this.#loop
  }

  /** The test's loop; makes it if needed. */
  ensureLoop(): EventLoop {
    if (this.#loop === undefined) {
      const config = this.#config
      const previous = shared.onLoopCreated
      shared.onLoopCreated = undefined // the test's own loop is not a loop the test made
      // Reports place the test's loop by the test's own line (test-site.ts),
      // never by where vitest-loop made it: its creation trace would be wasted work.
      const traces = getTraceCapture()
      setTraceCapture(false)
      try {
        // An option left undefined takes its default, as one left out would.
        this.#loop = new EventLoop({
          timeFlow: config.timeFlow ?? 'auto',
          now: config.now,
          debug: config.debug ?? debugFromEnv,
          loopLimit: config.loopLimit,
          traces: config.traces,
          slowCallbackDuration: config.slowCallbackDuration,
          name: 'the test loop',
        })
        this.#loop._setIdleListener(() => this.onLoopIdle?.())
        // What a failing test's timeline picture is drawn from (attach.ts).
        if (config.attach !== 'never') this.#loop._setRecording(true)
      } finally {
        setTraceCapture(traces)
        shared.onLoopCreated = previous
      }
    }
    return this.#loop
  }

  /** Applies per-test options (useLoop(options)). */
  configure(options: LoopOptions): void {
    const loop = this.ensureLoop()
    if (options.timeFlow !== undefined) loop.setTimeFlow(options.timeFlow)
    if (options.now !== undefined) loop.setSystemTime(toEpochMs('now', options.now))
    if (options.debug !== undefined) loop.setDebug(options.debug)
    if (options.slowCallbackDuration !== undefined) loop.slowCallbackDuration = options.slowCallbackDuration
    if (options.onSlow !== undefined) this.onSlow = options.onSlow
    if (options.onLeak !== undefined) this.onLeak = options.onLeak
    if (options.allow !== undefined) this.allow = [...this.allow, ...options.allow]
    if (options.toFake !== undefined) this.toFake = new Set(options.toFake)
    if (options.traces !== undefined && envTraces() === undefined) loop._setTraceBudget(toTraceLimit('traces', options.traces))
  }

  /** The loop the globals route to for this test, if any. */
  loopFor(api: Fakeable | undefined): EventLoop | undefined {
    if ((this.bodyDone && !this.#inLastTurn) || this.finished || this.steppedAside || this.realTime) return undefined
    if (api !== undefined && this.toFake !== undefined && !this.toFake.has(api)) return undefined
    const loop = this.#loop
    return loop !== undefined && !loop.isClosed() ? loop : undefined
  }

  /** The test function settled: nothing more runs on the test's loop by itself. */
  freeze(): void {
    this.bodyDone = true
    const foreign = foreignClock()
    if (foreign !== undefined) {
      this.steppedAside = true
      // A test that asked for the loop fails with a clear error, and its clock
      // goes now (Vitest's hooks after the body must not wait on it). Any other
      // keeps it, as in plain Vitest, until the user restores it: a suite may
      // install it in one test or hook and use it in the next ones.
      if (this.asked) foreign.uninstall()
    }
    const loop = this.#loop
    if (loop === undefined || loop.isClosed()) return
    this.#flowAtFreeze ??= loop.timeFlow
    loop.setTimeFlow('manual')
  }

  /**
   * The loop's last turn before the sanitizer judges it (DESIGN.md, "What the
   * sanitizer fails"), as Deno's sanitizer waits one macrotask: what is ready,
   * and in the auto flow the timers due within the next millisecond (a
   * library's `setTimeout(resolve, 0)` yield caught mid-way by the test's
   * end), for at most `lastTurnPasses` passes. Their calls to the timer
   * globals still go to the loop; what they throw is a finding of the test.
   * Returns undefined, at once, when there is no turn to take (nothing
   * ready, no live timer: what a passing test leaves), so nothing ran: the
   * report then awaits nothing (a promise and an await fewer a test, each
   * with Node 20's promise hooks on); else the turn, settled when it is over.
   */
  lastTurn(): Promise<void> | undefined {
    const loop = this.#loop
    if (loop === undefined || loop.isClosed() || loop.isRunning() || this.steppedAside || this.realTime) return undefined
    if (loop.readyCount === 0 && loop.timerCount === 0) return undefined
    return this.#takeLastTurn(loop)
  }

  async #takeLastTurn(loop: EventLoop): Promise<void> {
    this.#inLastTurn = true
    try {
      await loop._lastTurn(this.#flowAtFreeze === 'auto' ? 1 : 0, lastTurnPasses)
    } catch (error) {
      loop.callExceptionHandler({ message: "Error in the loop's last turn", exception: error })
    } finally {
      this.#inLastTurn = false
    }
  }

  /** Everything the test left behind, in report order. Runs nothing. */
  findings(): Finding[] {
    const findings: Finding[] = []
    const loop = this.#loop
    if (loop !== undefined && !this.steppedAside) {
      findings.push(...inspectLoop(loop._snapshot(), 'test').filter((finding) => !this.thrown.has(finding.error)))
    }
    for (const user of this.userLoops) findings.push(...inspectLoop(user._snapshot(), 'user'))
    for (const reason of this.rejections) {
      const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)
      const stack = reason instanceof Error ? parseFrames(reason.stack ?? '').filter((f) => !isHiddenFile(f.file)) : []
      findings.push({
        kind: 'unhandled-rejection',
        message: `unhandled rejection during the test: ${text}; await the promise or add a .catch()`,
        frames: splitFrames(stack).frames,
        via: [],
        error: reason,
        loop: undefined,
      })
    }
    return findings
  }

  /** A loop the test made with newEventLoop(): checked when the test ends. */
  addUserLoop(loop: EventLoop): void {
    this.userLoops = withItem(this.userLoops, loop)
  }

  /** An error thrown to fail the test (a stopped runaway): the report does not repeat it. */
  noteThrown(error: unknown): void {
    this.thrown = withItem(this.thrown, error)
  }

  /** Forgets the loops and findings once the report is made (Vitest keeps the task for the whole run). */
  release(): void {
    this.finished = true // whatever failed before cleanUp(): nothing more is this test's
    this.userLoops = emptySet
    this.rejections.length = 0
    this.thrown = emptySet
    this.#loop = undefined
  }

  /** Cancels what is pending and closes every loop the test had. */
  cleanUp(): void {
    this.finished = true
    endTestWork(this.realWorkMark)
    for (const loop of this.userLoops) shutDown(loop)
    if (this.#loop !== undefined) shutDown(this.#loop)
    // The report has read the light record (attach.ts): let go of its events,
    // which hold the test's tasks and up to a thousand creation traces of a
    // few KB each, whoever still reaches the closed loop.
    this.#loop?._setRecording(false)
  }
}

/** Hands Node's own work on `loop` to the real timers, cancels its tasks and closes it. */
function shutDown(loop: EventLoop): void {
  if (!loop.isClosed()) handNodeWorkToHost(loop)
  for (const task of loop.allTasks()) task.cancel('the test ended')
  loop._terminate()
}

interface Worker {
  readonly storage: AsyncLocalStorage<TestState>
}

const key = Symbol.for('vitest-loop:worker')

/** Per-worker state, shared by every copy of this module (isolate: false re-runs setup files). @internal */
export const worker: Worker = ((globalThis as Record<symbol, unknown>)[key] as Worker | undefined) ?? {
  storage: new AsyncLocalStorage<TestState>(),
}
;(globalThis as Record<symbol, unknown>)[key] = worker

/** The state of the test running this code, if any. @internal */
export function currentTestState(): TestState | undefined {
  return worker.storage.getStore()
}
