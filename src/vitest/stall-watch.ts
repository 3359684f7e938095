/**
 * Stalls: a test that awaits something nothing can ever settle fails at once
 * with DeadlockError (the auto time flow), or with a named hint after a short
 * real delay (the manual time flow, where a timer waits for a loop.advance()
 * that never comes), instead of sitting out its timeout.
 *
 * The test function races a watch. The watch looks when the test's loop says
 * it went idle (a driver stopped) and every `pollInterval` of real time; each
 * look asks, and all must hold:
 *
 * - the test is still running its body, on its own loop, which nothing drives
 *   or is about to drive (no driver, no pump queued, no executor job);
 * - in the auto flow nothing is scheduled on it (the pump would run it); in
 *   the manual flow what is scheduled waits for a loop.advance();
 * - no loop of the process is being driven (a user loop's runUntilComplete
 *   may be what settles the test), and no loop the test made is busy;
 * - no real work is in flight in the worker (real-work.ts: resources above
 *   the baseline, thread-pool jobs, real timers, Vitest's own RPC calls).
 *
 * A verdict stands only when the same state is seen on at least three looks,
 * each a real macrotask after the last (promise jobs and nextTicks drained in
 * between, I/O polled), spanning `autoQuiet` (auto) or `manualQuiet` (manual)
 * of real time. Anything that moves in between starts the count again. When
 * unsure the watch says nothing and the test timeout applies as before.
 * @internal
 */
import { describeHandle, locate, originSite } from '../check/findings.ts'
import { withFrames } from '../check/report.ts'
import { DeadlockError } from '../loop/errors.ts'
import { _activeDrivers } from '../loop/event-loop.ts'
import type { EventLoop } from '../loop/event-loop.ts'
import type { Handle, TimerHandle } from '../loop/handle.ts'
import { host } from '../loop/internal/host.ts'
import { log } from '../loop/internal/log.ts'
import type { Task } from '../loop/task.ts'
import type { StackFrame, Trace } from '../loop/trace.ts'
import { ms } from '../loop/timeline.ts'
import { nodeTimers, ours, realWorkInFlight } from './real-work.ts'
import type { TestState } from './test-state.ts'

/** Real ms between two looks while the test awaits and nothing says it went idle. */
const pollInterval = 50
/** Real ms everything must stay still in the auto flow before DeadlockError. */
const autoQuiet = 20
/** The "short real delay" of the manual flow before its hint. */
const manualQuiet = 200
/** Looks, each a macrotask after the last, before a verdict stands. */
const minLooks = 3

interface Verdict {
  readonly kind: 'deadlock' | 'manual' | 'runaway'
  readonly loop: EventLoop
  readonly next: TimerHandle | undefined
  readonly ready: number
  /** What was seen: a verdict stands only while it stays the same. */
  readonly seen: string
}

/** Watches one run of a test function. @internal */
export class StallWatch {
  readonly #state: TestState
  readonly #site: () => StackFrame | undefined
  /** Told the stall's error, once; nothing else settles the watch. */
  readonly #onStall: (error: Error) => void
  #timer: ReturnType<typeof setTimeout> | undefined
  #immediate: ReturnType<typeof setImmediate> | undefined
  #stopped = false
  #looks = 0
  #quietSince = 0
  #seen = ''

  /** `testSite` is read only for a stall's report. */
  constructor(state: TestState, testSite: () => StackFrame | undefined, onStall: (error: Error) => void) {
    this.#state = state
    this.#site = testSite
    this.#onStall = onStall
  }

  /**
   * Starts looking; the test function has been called and returned a
   * promise. The first look is a macrotask away; the poll timer is armed
   * only by a look, so a test that settles within its first macrotask (every
   * synchronous test: the runner's wrapper returns a promise all the same)
   * costs one immediate, cancelled when it stops.
   */
  start(): void {
    this.#state.onLoopIdle = () => this.#lookSoon()
    this.#lookSoon()
  }

  /** The test function settled (or the watch fired): stop looking. */
  stop(): void {
    this.#stopped = true
    if (this.#state.onLoopIdle !== undefined) this.#state.onLoopIdle = undefined
    if (this.#timer !== undefined) nodeTimers.clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#immediate !== undefined) host.clearImmediate(this.#immediate)
    this.#immediate = undefined
  }

  #arm(delay: number): void {
    if (this.#stopped) return
    if (this.#timer !== undefined) nodeTimers.clearTimeout(this.#timer)
    // Real and unref'd, and left out of the real work that holds a verdict.
    this.#timer = ours(() => nodeTimers.setTimeout(() => {
      this.#timer = undefined
      this.#lookSoon()
      this.#arm(pollInterval)
    }, delay))
    this.#timer.unref()
  }

  /** A look a macrotask from now, after the promise jobs queued so far. */
  #lookSoon(): void {
    if (this.#stopped || this.#immediate !== undefined) return
    this.#immediate = host.setImmediate(() => {
      this.#immediate = undefined
      if (this.#timer === undefined) this.#arm(pollInterval) // the first look: from now on, poll too
      this.#look()
    })
  }

  #look(): void {
    if (this.#stopped) return
    const verdict = this.#verdict()
    if (this.#why !== this.#logged) {
      this.#logged = this.#why
      log('stall watch of %s: %s', this.#state.task.name, this.#why)
    }
    if (verdict === undefined || verdict.seen !== this.#seen) {
      this.#looks = 0
      this.#seen = verdict?.seen ?? ''
      if (verdict === undefined) return
    }
    if (verdict.kind === 'runaway') {
      // The pump gave up for good: nothing will change, so there is nothing to wait for.
      this.#fire(verdict)
      return
    }
    if (this.#looks++ === 0) this.#quietSince = host.now()
    const quiet = verdict.kind === 'manual' ? manualQuiet : autoQuiet
    const left = this.#quietSince + quiet - host.now()
    if (this.#looks >= minLooks && left <= 0) {
      this.#fire(verdict)
      return
    }
    if (this.#looks < minLooks) this.#lookSoon()
    else this.#arm(Math.max(1, Math.min(left, pollInterval)))
  }

  /** Why the last look found no stall, or what it found (for NODE_DEBUG=vitest-loop). */
  #why = ''
  #logged = ''

  #verdict(): Verdict | undefined {
    const state = this.#state
    const no = (why: string): undefined => {
      this.#why = why
      return undefined
    }
    if (state.bodyDone || state.finished || state.steppedAside || state.realTime) return no('the test is not on its loop')
    const loop = state.loop
    if (loop === undefined || loop.isClosed()) return no('the test has no loop')
    const own = loop._stallState()
    if (own.runaway !== undefined && !own.busy) {
      this.#why = 'stalled: loopLimit stopped a runaway on the test loop'
      return { kind: 'runaway', loop, next: undefined, ready: own.ready, seen: 'runaway' }
    }
    if (own.busy) return no('the test loop is running')
    const waiting = own.ready > 0 || own.timers > 0
    if (own.timeFlow === 'auto' && waiting) return no('the test loop has work scheduled') // the pump runs it
    for (const user of state.userLoops) if (!user.isClosed() && user._stallState().busy) return no(`${user.name} is running`)
    if (_activeDrivers() > 0) return no('a loop is running')
    const real = realWorkInFlight(state.realWorkMark)
    if (real !== undefined) return no(`real work in flight: ${real}`)
    const tasks = this.#tasks()
    const seen = `${loop.time()}|${own.ready}|${own.timers}|${own.next?._seq}|${tasks.length}`
    this.#why = waiting ? 'stalled: the manual time flow waits for loop.advance()' : 'stalled: nothing can settle the test'
    return { kind: waiting ? 'manual' : 'deadlock', loop, next: own.next, ready: own.ready, seen }
  }

  /** Pending tasks of the test's loop and of the loops it made, with their loop. */
  #tasks(): [Task<unknown>, EventLoop][] {
    const loops = [this.#state.loop, ...this.#state.userLoops].filter((l): l is EventLoop => l !== undefined && !l.isClosed())
    return loops.flatMap((l) => l.allTasks().map((task): [Task<unknown>, EventLoop] => [task, l]))
  }

  #fire(verdict: Verdict): void {
    this.stop()
    const error =
      verdict.kind === 'runaway' ? this.#runawayError(verdict.loop) : verdict.kind === 'manual' ? this.#manualError(verdict) : this.#deadlockError()
    log('%s: %s', this.#state.task.name, error.message)
    this.#onStall(error)
  }

  /** The pump's LoopLimitError, pointing at the callback that kept re-queueing itself; the report will not repeat it. */
  #runawayError(loop: EventLoop): Error {
    const { runaway, runawayAt } = loop._stallState()
    this.#state.noteThrown(runaway)
    return withFrames(runaway!, frames(runawayAt?.trace) ?? this.#siteFrames())
  }

  #deadlockError(): DeadlockError {
    const tasks = this.#tasks()
    const body =
      tasks.length === 0
        ? 'No task is pending: the test awaits something outside the loop that nothing will settle (a promise nobody resolves, an event nobody emits).'
        : `Pending tasks:\n${tasks.map(([task, loop]) => this.#taskLine(task, loop)).join('\n')}`
    const message =
      'the test awaits a promise that can never settle: nothing is scheduled on the test loop, no loop is running ' +
      `and no real work is in flight.\n${body}${this.#debugHint()}`
    return withFrames(new DeadlockError(message), frames(tasks[0]?.[0].trace) ?? this.#siteFrames())
  }

  #manualError(verdict: Verdict): DeadlockError {
    const { loop, next } = verdict
    const tasks = this.#tasks()
    const pending = tasks.length === 0 ? '' : `\nPending tasks:\n${tasks.map(([task, loop]) => this.#taskLine(task, loop)).join('\n')}`
    let message: string
    if (next !== undefined) {
      const wait = next.when - loop.time()
      message =
        `the test waits on a timer due at ${ms(next.when)} (${describeHandle(next)} created at ${siteOf(next)}), ` +
        `but the test loop is in manual time flow and nothing advances it: call loop.advance(${wait}) or loop.runUntilIdle() ` +
        `while the test waits, or use timeFlow: 'auto'`
    } else {
      message =
        `the test waits, but ${verdict.ready === 1 ? '1 callback waits' : `${verdict.ready} callbacks wait`} on the test loop, ` +
        `which is in manual time flow and nothing runs it: call loop.runUntilIdle() while the test waits, or use timeFlow: 'auto'`
    }
    return withFrames(new DeadlockError(`${message}${pending}${this.#debugHint()}`), frames(next?.trace) ?? this.#siteFrames())
  }

  #taskLine(task: Task<unknown>, loop: EventLoop): string {
    const on = loop === this.#state.loop ? '' : ` on ${loop.name} (not running)`
    const last = task._waitingOn
    const did =
      last === undefined
        ? ''
        : last.pending
          ? `; it waits on ${describeHandle(last)} created at ${siteOf(last)}`
          : `; the last thing it scheduled, ${describeHandle(last)} created at ${siteOf(last)}, ${last.cancelled ? 'was cancelled' : 'has run'}`
    return `  - Task '${task.name}' created at ${originSite(task._origin)}${on}${did}`
  }

  #debugHint(): string {
    return this.#state.loop?.getDebug()
      ? ''
      : '\n(Debug mode, LOOP_DEBUG=1, also says what each task scheduled last and prints the loop\'s last events.)'
  }

  #siteFrames(): StackFrame[] {
    const site = this.#site()
    return site === undefined ? [] : [site]
  }
}

function siteOf(handle: Handle): string {
  return originSite(handle._origin)
}

/** The user's frames of a trace (or the dependency's, if only those), undefined if none. */
function frames(trace: Trace | undefined): StackFrame[] | undefined {
  if (trace === undefined) return undefined
  const { frames, via } = locate(trace)
  const chosen = frames.length > 0 ? frames : via
  return chosen.length > 0 ? chosen : undefined
}
