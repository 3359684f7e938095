/**
 * What one loop is made of, and the internal side of it: the scheduler and
 * the drivers it owns, the tasks it follows and the errors it recorded, and
 * the `_` methods that handles, tasks and the other layers (src/time,
 * src/check, src/vitest) call. EventLoop (event-loop.ts) extends it with the
 * public API. Nothing here is exported from the package.
 * @internal
 */
import type { Drivers, DriverOwner, TimeFlow } from './drivers.ts'
import { LoopClosedError, LoopRunningError } from './errors.ts'
import type { LoopLimitError } from './errors.ts'
import { Handle, UNREF } from './handle.ts'
import type { HandleOwner, TimerHandle } from './handle.ts'
import { emptySet, withItem, withoutItem } from './internal/empty-set.ts'
import { hop } from './internal/host.ts'
import { log } from './internal/log.ts'
import { watchTaskSteps } from './internal/task-steps.ts'
import { Scheduler, taskStarts } from './scheduler.ts'
import type { ExceptionContext, SchedulerOwner, SlowCallback } from './scheduler.ts'
import type { Task, TaskOwner } from './task.ts'
import { LightRecord, readRecord, recordCancelled, recordedFromTimeline, recordScheduled, recordTaskCreated, recordTaskFinished, Timeline } from './timeline.ts'
import type { RecordedEvent, TimelineEvent } from './timeline.ts'
import { defaultTraceBudget, formatOrigin } from './trace.ts'
import type { Origin, Trace, TraceBudget } from './trace.ts'

/** What the sanitizer reads of a loop. @internal */
export interface LoopSnapshot<L extends object = LoopCore> {
  readonly loop: L
  readonly created: Trace | undefined
  readonly closed: boolean
  readonly everRan: boolean
  readonly firstScheduled: Origin
  /** Pending handles, in scheduling order (task starts excluded). */
  readonly handles: readonly Handle[]
  readonly tasks: readonly Task<unknown>[]
  readonly unretrieved: readonly Task<unknown>[]
  readonly errors: readonly ExceptionContext[]
  readonly slow: readonly SlowCallback[]
}

/** The descriptor hide() passes, reused: defineProperty reads it at once (no descriptor to make per property of every loop). */
const hidden: PropertyDescriptor = { value: undefined, writable: true, configurable: true }

/** Defines a writable own property that Object.keys, inspect() and diffs skip. */
function hide(target: object, key: string, value: unknown): void {
  hidden.value = value
  Object.defineProperty(target, key, hidden)
  hidden.value = undefined
}

/** The loop's parts and its internal methods; EventLoop is the one subclass. @internal */
export abstract class LoopCore implements HandleOwner, TaskOwner, SchedulerOwner, DriverOwner, TraceBudget {
  abstract readonly name: string
  abstract readonly trace: Trace | undefined
  abstract slowCallbackDuration: number
  abstract isClosed(): boolean
  abstract getDebug(): boolean
  abstract close(): void
  abstract allTasks(): Task<unknown>[]

  // The parts are own properties left out of Object.keys, inspect() and test
  // diffs, as the private fields they were before the split. Each is defined
  // hidden in the constructor rather than declared as a class field and then
  // reconfigured: a reconfigured property costs about four times as much, on
  // every test's loop.
  /** The queues, loop time and the pass. @internal */
  declare protected readonly _s: Scheduler
  /** Who runs passes, and when time moves; made once the subclass checked its options. @internal */
  declare protected _d: Drivers
  /** Tasks not done yet (`emptySet` until the first: most loops make no task). @internal */
  declare protected _tasks: ReadonlySet<Task<unknown>>
  /** Failed tasks whose error nobody read (`emptySet` until the first). @internal */
  declare protected _unretrieved: ReadonlySet<Task<unknown>>
  /** What the default exception handler recorded. @internal */
  declare protected readonly _errors: ExceptionContext[]
  /** The handler set with setExceptionHandler; undefined: the default. @internal */
  declare protected _exceptionHandler: ((loop: this, context: ExceptionContext) => void) | undefined
  /** Creations counted against the trace budget (trace.ts `captureTrace`). @internal */
  declare _creations: number
  /** Creations traced: the budget, or Infinity while debug mode is on. @internal */
  declare _traceLimit: number
  /** The budget asked for (option `traces`, `LOOP_TRACES`): Infinity for `'all'`. @internal */
  declare _traceBudget: number

  constructor() {
    hide(this, '_s', new Scheduler(this))
    hide(this, '_d', undefined)
    hide(this, '_tasks', emptySet)
    hide(this, '_unretrieved', emptySet)
    hide(this, '_errors', [])
    hide(this, '_exceptionHandler', undefined)
    hide(this, '_creations', 0)
    hide(this, '_traceLimit', defaultTraceBudget)
    hide(this, '_traceBudget', defaultTraceBudget)
  }

  // Errors of callbacks and tasks: what the scheduler and the drivers report to.

  /** Reports an error to the exception handler (the default records it for the sanitizer). */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this._exceptionHandler
    if (handler === undefined) {
      this.defaultExceptionHandler(context)
      return
    }
    try {
      handler(this, context)
    } catch (error) {
      // As asyncio: the default handler gets the handler's error and the original context.
      this.defaultExceptionHandler({ message: 'Unhandled error in exception handler', exception: error, context })
    }
  }

  /** Records the error (the sanitizer reports it at teardown) and logs it. */
  defaultExceptionHandler(context: ExceptionContext): void {
    this._errors.push(context)
    log('%s: %s %O', this.name, context.message, context.exception)
  }

  // ------------------------------------------------------------- internals

  /** A task was made: follow it until it is done. @internal */
  _taskCreated(task: Task<unknown>): void {
    this._tasks = withItem(this._tasks, task)
    const s = this._s
    if (s.debug) s.timeline!.taskCreated(s.time, task)
    s.record?.task(recordTaskCreated, s.time, task)
    if (s.firstScheduled === undefined && !s.everRan) s.firstScheduled = task._origin
  }

  /** Debug mode on or off (the public setDebug checked `on`). @internal */
  _setDebug(on: boolean): void {
    const s = this._s
    if (on) s.timeline ??= new Timeline(s.time)
    s.debug = on
    this._traceLimit = on ? Infinity : this._traceBudget
    watchTaskSteps(this, on && !s.closed)
  }

  /** The timeline's events, oldest first, ending at the loop's time; undefined if debug mode was never on. @internal */
  _timelineEvents(): { events: TimelineEvent[]; dropped: number } | undefined {
    const timeline = this._s.timeline
    if (timeline === undefined) return undefined
    timeline.catchUp(this._s.time)
    return { events: timeline.events(), dropped: Math.max(0, timeline.total - timeline.capacity) }
  }

  /**
   * How many creations of this loop are traced, counted from its first
   * (`Infinity`: all); creations already made past the old budget stay
   * untraced. Debug mode traces all whatever the budget. @internal
   */
  _setTraceBudget(limit: number): void {
    this._traceBudget = limit
    this._traceLimit = this._s.debug ? Infinity : limit
  }

  /** A driver came near loopLimit: trace every creation from now on, so that a runaway's culprit has its line. @internal */
  _traceEverything(): void {
    this._setTraceBudget(Infinity)
  }

  /** The light record on or off (off drops what it held). @internal */
  _setRecording(on: boolean): void {
    const s = this._s
    s.record = on ? (s.record ?? new LightRecord()) : undefined
  }

  /**
   * What the loop recorded, as the picture reads it, oldest first: debug
   * mode's timeline when it was ever on (it says more), else the light
   * record. Undefined when neither was kept. @internal
   */
  _recordedEvents(): { events: RecordedEvent[]; dropped: number } | undefined {
    const s = this._s
    if (s.timeline !== undefined) {
      const { events, dropped } = this._timelineEvents()!
      return { events: recordedFromTimeline(events), dropped }
    }
    if (s.record === undefined) return undefined
    return readRecord(s.record, this._tasks)
  }

  /** Queues a built handle on the ready queue. @internal */
  _enqueue(handle: Handle): void {
    const s = this._s
    s.ready.push(handle)
    s.queuedInLastTurn?.add(handle)
    if (s.debug) s.noteWaiting(handle)
    const record = s.record
    if (record !== undefined) record.handle(recordScheduled, s.time, handle)
    if (s.firstScheduled === undefined && !s.everRan) s.firstScheduled = handle._origin
    const d = this._d
    if (d.wake !== undefined) d.wakeUp()
    if (d.timeFlow === 'auto' && d.driver === 'none' && !d.pumpPending) d.kick()
  }

  /** Puts a built timer in the heap at `handle.when`. @internal */
  _schedule(handle: TimerHandle): void {
    const s = this._s
    // A handle already in the heap (refresh) leaves its old entry behind. Mark
    // it stale only once the push gave the handle a new seq: a compaction run
    // before that would keep the old entry as live and the count would drift.
    const replaces = handle._inHeap
    handle._flags &= UNREF // pending, its ref kept
    s.timers.push(handle)
    if (replaces) s.timers.markStale()
    s.queuedInLastTurn?.add(handle)
    if (s.debug) s.noteWaiting(handle)
    const record = s.record
    if (record !== undefined) record.handle(recordScheduled, s.time, handle)
    if (s.firstScheduled === undefined && !s.everRan) s.firstScheduled = handle._origin
    const d = this._d
    if (d.wake !== undefined) d.wakeUp()
    if (d.timeFlow === 'auto' && d.driver === 'none' && !d.pumpPending) d.kick()
  }

  /** Throws LoopClosedError if closed. @internal */
  _checkOpen(): void {
    if (this._s.closed) throw new LoopClosedError()
  }

  /**
   * Moves loop time forward by `ms` without running anything, as a callback
   * that blocks the real event loop lets the real clock run on. Timers this
   * passes run on the next pass, late, in due order. @internal
   */
  _elapse(ms: number): void {
    this._s.time += ms
  }

  /** @internal */
  _timerCancelled(handle: TimerHandle): void {
    const s = this._s
    s.timers.markStale()
    if (s.debug) s.timeline!.cancelled(s.time, handle)
    s.record?.handle(recordCancelled, s.time, handle)
  }

  /** @internal */
  _startHandle(task: Task<unknown>, start: () => void): Handle {
    const handle = new Handle(this, start, undefined, task._origin)
    taskStarts.set(handle, task)
    this._enqueue(handle)
    return handle
  }

  /** @internal */
  _taskStarted(_task: Task<unknown>): void {}

  /** @internal */
  _taskFinished(task: Task<unknown>): void {
    withoutItem(this._tasks, task)
    const s = this._s
    if (s.debug) s.timeline!.taskFinished(s.time, task)
    s.record?.task(recordTaskFinished, s.time, task)
    if (task.state === 'rejected' && !task._retrieved) this._unretrieved = withItem(this._unretrieved, task)
    this._d.wakeUp()
  }

  /** @internal */
  _taskRetrieved(task: Task<unknown>): void {
    withoutItem(this._unretrieved, task)
  }

  /** @internal */
  _scheduleDoneCallback(callback: () => void, origin: Origin): void {
    if (this._s.closed) {
      callback()
      return
    }
    // A done callback left pending is reported where its task was made.
    const handle = new Handle(this, callback, undefined, origin)
    this._enqueue(handle)
  }

  /** The pending handles alone (the snapshot's `handles`), in scheduling order. @internal */
  _pendingHandles(): Handle[] {
    return this._s.pendingHandles()
  }

  /** Everything the sanitizer needs, read without running anything. @internal */
  _snapshot(): LoopSnapshot<this> {
    const s = this._s
    return {
      loop: this,
      created: this.trace,
      closed: s.closed,
      everRan: s.everRan,
      firstScheduled: s.firstScheduled,
      handles: s.pendingHandles(),
      tasks: [...this._tasks],
      unretrieved: [...this._unretrieved],
      errors: [...this._errors],
      slow: [...s.slow],
    }
  }

  /** Debug mode: a later step of `task` (between two awaits) ran `duration` real ms. @internal */
  _slowStep(task: Task<unknown>, duration: number, endedAt: Handle | undefined): void {
    const s = this._s
    if (s.closed) return
    s.slow.push({ handle: undefined, task, endedAt, duration, time: s.time })
    s.timeline?.slowStep(s.time, task, duration)
    log('%s: a step of Task %s created at %s took %d ms', this.name, task.name, formatOrigin(task._origin), duration)
  }

  /** Called whenever a driver (the pump included) stops: the loop may have gone idle. @internal */
  _setIdleListener(listener: (() => void) | undefined): void {
    this._d.idleListener = listener
  }

  /**
   * What a stall check reads: whether anything drives the loop or is about
   * to, and what waits on it. Runs nothing. @internal
   */
  _stallState(): {
    busy: boolean
    ready: number
    timers: number
    next: TimerHandle | undefined
    timeFlow: TimeFlow
    /** The LoopLimitError that stopped the auto pump for good, and the callback it last ran. */
    runaway: LoopLimitError | undefined
    runawayAt: Handle | undefined
  } {
    const { ready, next } = this._s.waiting()
    const d = this._d
    return { busy: d.busy, ready, timers: this._s.timers.liveCount, next, timeFlow: d.timeFlow, runaway: d.runaway, runawayAt: d.runawayAt }
  }

  /**
   * The sanitizer's last turn before it judges the loop (DESIGN.md, "What the
   * sanitizer fails"): runs what is ready and the timers due within `withinMs`
   * of now, for at most `passes` passes, with promise jobs drained between
   * callbacks. Time moves only to a timer that runs. What is queued meanwhile
   * is remembered, so a report can say it keeps re-queueing itself.
   * @internal
   */
  async _lastTurn(withinMs: number, passes: number): Promise<void> {
    if (this._s.closed || this._d.running || this._s.executing) return
    this._s.queuedInLastTurn = new WeakSet()
    await this._d.lastTurn(withinMs, passes)
  }

  /** Whether `handle` was queued during the sanitizer's last turn. @internal */
  _queuedInLastTurn(handle: Handle): boolean {
    return this._s.queuedInLastTurn?.has(handle) === true
  }

  /**
   * Closes the loop even if a driver is still running it (a test ended while
   * runForever was never stopped): the driver sees it closed and returns.
   * @internal
   */
  _terminate(): void {
    if (this._s.closed) return
    this._d.running = false
    this._s.executing = false
    this._d.stopping = false
    this.close()
  }

  /** Cancels every pending task and runs what is ready at this instant so they can react. @internal */
  async _shutdown(): Promise<void> {
    if (this._s.closed) return
    // Refuse before touching anything: a refused shutdown cancels nothing.
    if (this._d.running || this._s.executing) throw new LoopRunningError('Cannot close a running event loop')
    for (const task of this._tasks) task.cancel()
    // The tasks see the abort in promise jobs: let those run (and schedule
    // their cleanup) before the pass, or they would run after close().
    await hop()
    if (this._s.closed) return
    this._checkNotRunning()
    await this._d.runDue()
  }


  /** Throws LoopRunningError while a driver runs the loop or a callback of it runs. @internal */
  _checkNotRunning(): void {
    if (this._d.running || this._s.executing) throw new LoopRunningError()
  }
}
