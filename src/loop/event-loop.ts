/**
 * The public event loop, modelled on asyncio's. Every method checks its
 * arguments and the loop's state, then delegates: to the scheduler
 * (scheduler.ts: the queues, loop time and one pass), to the drivers
 * (drivers.ts: who runs passes and when time moves), to the futures
 * (futures.ts: sleep, timeout), or to what LoopCore (loop-core.ts) keeps.
 * The constructor's options are documented and checked in loop-options.ts.
 */
import './internal/dispose.ts' // first: the dispose methods below need Symbol.dispose
import { chromeTrace, writeChromeTrace } from './chrome-trace.ts'
import { Drivers } from './drivers.ts'
import type { TimeFlow } from './drivers.ts'
import { InvalidStateError, LoopRunningError, TimeoutError } from './errors.ts'
import { Handle, TimerHandle } from './handle.ts'
import { sleepOn, timeoutOn } from './futures.ts'
import { currentTaskOf, shared } from './internal/context-state.ts'
import { log } from './internal/log.ts'
import { watchTaskSteps } from './internal/task-steps.ts'
import { expectDelay, expectFunction, expectOneOf, expectTime, toEpochMs, describeValue } from './internal/validate.ts'
import { LoopCore } from './loop-core.ts'
import { readOptions } from './loop-options.ts'
import type { EventLoopOptions } from './loop-options.ts'
import type { LoopSnapshot as CoreSnapshot } from './loop-core.ts'
import type { ExceptionContext } from './scheduler.ts'
import { Task } from './task.ts'
import type { TaskOptions, TaskSource } from './task.ts'
import { captureTrace } from './trace.ts'
import type { Trace } from './trace.ts'

export { _activeDrivers } from './drivers.ts'
export type { TimeFlow } from './drivers.ts'
export type { EventLoopOptions } from './loop-options.ts'
export type { ExceptionContext, SlowCallback } from './scheduler.ts'

/** Handles a callback's or task's error; replace it with `setExceptionHandler`. */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void

/** What the sanitizer reads of a loop. @internal */
export type LoopSnapshot = CoreSnapshot<EventLoop>

let loopCount = 0

/**
 * An event loop on virtual time, modelled on asyncio's.
 *
 * @example
 * const loop = newEventLoop()
 * loop.callLater(30_000, () => console.log('30 s later'))
 * await loop.runUntilIdle() // returns at once; loop.time() === 30_000
 * loop.close()
 */
export class EventLoop extends LoopCore implements Disposable, AsyncDisposable {
  /** A number unique in this process, for reports. */
  readonly id: number = ++loopCount
  readonly name: string
  /** Where the loop was created. */
  readonly trace: Trace | undefined
  /** Real milliseconds a callback may run before debug mode reports it. */
  slowCallbackDuration: number

  /** Wall clock (epoch ms) at loop time 0; setSystemTime moves it. */
  #epoch: number
  #taskCount = 0

  constructor(options: EventLoopOptions = {}) {
    super()
    const settings = readOptions(options)
    this.#epoch = settings.epoch
    this._d = new Drivers(this, this._s, settings)
    this._setTraceBudget(settings.traces)
    this.slowCallbackDuration = settings.slowCallbackDuration
    this.name = options.name ?? `loop #${this.id}`
    this.trace = captureTrace(new.target) as Trace | undefined
    if (settings.debug) this.setDebug(true)
    shared.onLoopCreated?.(this)
  }

  // ---------------------------------------------------------------- clock

  /** Loop time in milliseconds: starts at 0, never goes back. */
  time(): number {
    return this._s.time
  }

  /** Virtual wall clock in epoch milliseconds (what `Date.now()` reads while installed). */
  now(): number {
    return this.#epoch + this._s.time
  }

  /** Moves the wall clock (`Date`) to `date` without moving loop time or firing anything. */
  setSystemTime(date: number | Date): void {
    this.#epoch = toEpochMs('date', date) - this._s.time
  }

  /** The time flow: `'auto'` or `'manual'`. */
  get timeFlow(): TimeFlow {
    return this._d.timeFlow
  }

  /** Switches the time flow; switching to `'auto'` starts the pump if work is waiting. */
  setTimeFlow(flow: TimeFlow): void {
    expectOneOf('flow', flow, ['auto', 'manual'] as const)
    this._d.setTimeFlow(flow)
  }

  // ----------------------------------------------------------- scheduling

  /**
   * Calls `callback(...args)` on the next pass, after what is already queued.
   *
   * @example
   * loop.callSoon(console.log, 'first')
   */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    this._checkOpen()
    expectFunction('callback', callback)
    const handle = new Handle(this, callback, args.length === 0 ? undefined : args, captureTrace(this.callSoon, this))
    this._enqueue(handle)
    return handle
  }

  /**
   * Calls `callback(...args)` when loop time reaches `time() + delay`.
   *
   * @example
   * loop.callLater(1000, () => console.log('a second later'))
   */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    this._checkOpen()
    expectDelay('delay', delay)
    expectFunction('callback', callback)
    const handle = new TimerHandle(
      this,
      this._s.time + delay,
      delay,
      callback,
      args.length === 0 ? undefined : args,
      captureTrace(this.callLater, this),
    )
    this._schedule(handle)
    return handle
  }

  /**
   * Calls `callback(...args)` when loop time reaches `when` (at once if it has).
   *
   * @example
   * loop.callAt(loop.time() + 500, tick)
   */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    this._checkOpen()
    expectTime('when', when)
    expectFunction('callback', callback)
    const handle = new TimerHandle(
      this,
      when,
      Math.max(0, when - this._s.time),
      callback,
      args.length === 0 ? undefined : args,
      captureTrace(this.callAt, this),
    )
    this._schedule(handle)
    return handle
  }

  /**
   * Schedules `callback` from outside the loop (a real I/O callback, a worker
   * message, another loop) and wakes the loop if it waits.
   */
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    this._checkOpen()
    expectFunction('callback', callback)
    const handle = new Handle(this, callback, args.length === 0 ? undefined : args, captureTrace(this.callSoonThreadsafe, this))
    this._enqueue(handle)
    return handle
  }

  /**
   * Runs blocking work off the loop, on a worker thread, and settles with its
   * result. While it runs, the auto time flow does not jump time (as for real
   * I/O, but without the autojumpThreshold bound: the work ends by itself).
   * `fn` crosses to the worker as its source text, so it may use only its
   * arguments and globals (`require` is one there); arguments and result are
   * copied (structured clone).
   *
   * @example
   * const digest = await loop.runInExecutor(
   *   (text: string) => require('node:crypto').createHash('sha256').update(text).digest('hex'),
   *   bigText,
   * )
   */
  runInExecutor<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>> {
    this._checkOpen()
    expectFunction('fn', fn)
    return this._d.runInExecutor<R>(fn as (...args: unknown[]) => unknown, args)
  }

  /**
   * Starts `source` as a task: a function `(signal) => value | promise` runs on
   * the next pass; a promise is followed as it is.
   *
   * @example
   * const task = loop.createTask(async () => fetchUser(1), { name: 'fetch user' })
   */
  createTask<T>(source: TaskSource<T>, options: TaskOptions = {}): Task<T> {
    this._checkOpen()
    const isSource =
      typeof source === 'function' ||
      (typeof source === 'object' && source !== null && typeof (source as PromiseLike<T>).then === 'function')
    if (!isSource) {
      throw new TypeError(`Expected \`source\` to be a function or a promise, got ${describeValue(source)}`)
    }
    const name = options.name ?? `Task-${++this.#taskCount}`
    if (typeof name !== 'string') throw new TypeError(`Expected \`name\` to be a string, got ${describeValue(name)}`)
    const task = new Task<T>(this, source, name, captureTrace(this.createTask, this))
    this._taskCreated(task as Task<unknown>)
    return task
  }

  /**
   * Resolves with `value` after `ms` of loop time; rejects with the signal's
   * reason if `signal` aborts first.
   *
   * @example
   * await loop.sleep(3000)
   */
  sleep<T = void>(ms: number, value?: T, options: { signal?: AbortSignal } = {}): Promise<T> {
    this._checkOpen()
    expectDelay('ms', ms)
    return sleepOn(this, ms, value, options.signal, captureTrace(this.sleep, this))
  }

  /**
   * Settles like `promise`, or rejects with TimeoutError after `ms` of loop
   * time; a task that times out is cancelled.
   *
   * @example
   * await loop.timeout(5000, fetchSlowThing())
   */
  timeout<T>(ms: number, promise: PromiseLike<T>): Promise<T> {
    this._checkOpen()
    expectDelay('ms', ms)
    if (typeof (promise as PromiseLike<T> | undefined)?.then !== 'function') {
      throw new TypeError(`Expected \`promise\` to be a promise, got ${describeValue(promise)}`)
    }
    // Created here so that its stack points at the caller.
    const error = new TimeoutError(`Timed out after ${ms} ms`)
    Error.captureStackTrace(error, this.timeout)
    return timeoutOn(this, ms, promise, error, captureTrace(this.timeout, this))
  }

  // -------------------------------------------------------------- running

  /** True while runUntilComplete, runForever or an async time-travel call drives the loop. */
  isRunning(): boolean {
    return this._d.running
  }

  /** True once close() was called. */
  isClosed(): boolean {
    return this._s.closed
  }

  /**
   * Runs the loop until `future` settles and returns its value. A function is
   * started as a task first. Rejects with DeadlockError, naming every pending
   * task, when nothing is scheduled, no real I/O is in flight and `future`
   * has not settled: it never will.
   *
   * @example
   * const value = await loop.runUntilComplete(main)
   */
  async runUntilComplete<T>(future: TaskSource<T> | Task<T>): Promise<T> {
    this._checkOpen()
    this._checkNotRunning()
    const target: PromiseLike<T> = typeof future === 'function' ? this.createTask(future) : future
    if (typeof (target as PromiseLike<T> | undefined)?.then !== 'function') {
      throw new TypeError(`Expected \`future\` to be a promise, a task or a function, got ${describeValue(future)}`)
    }
    let settled = false
    const outcome = Promise.resolve(target)
    outcome.then(
      () => this._d.settle(() => (settled = true)),
      () => this._d.settle(() => (settled = true)),
    )
    const stoppedEarly = await this._d.runUntil(() => settled)
    if (stoppedEarly && !settled) {
      throw new InvalidStateError('Event loop stopped before the awaited promise settled')
    }
    return outcome
  }

  /** Runs the loop until stop() is called. */
  async runForever(): Promise<void> {
    this._checkOpen()
    this._checkNotRunning()
    await this._d.runForever()
  }

  /**
   * Asks the running loop to return once the current pass is done. If the loop
   * is not running, the next runForever runs one pass and returns.
   */
  stop(): void {
    this._d.stop()
  }

  /**
   * Closes the loop: everything still scheduled is dropped and later
   * scheduling throws LoopClosedError. Pending tasks stay listed (they are
   * reported, not forgotten). Calling it again does nothing.
   */
  close(): void {
    if (this._d.running) throw new LoopRunningError('Cannot close a running event loop')
    if (this._s.closed) return
    this._s.close()
    watchTaskSteps(this, false)
    this._d.close()
  }

  /** `using loop = newEventLoop()`: closes the loop. */
  [Symbol.dispose](): void {
    this.close()
  }

  /** `await using loop = newEventLoop()`: cancels pending tasks, lets them settle, closes. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this._s.closed) return
    await this._shutdown()
    this.close()
  }

  // ---------------------------------------------------------- time travel

  /**
   * Moves loop time forward by `ms`, running every callback due on the way,
   * with promise jobs drained between callbacks. Returns the new time.
   *
   * @example
   * await loop.advance(30_000)
   */
  async advance(ms: number): Promise<number> {
    expectDelay('ms', ms)
    return this.advanceTo(this._s.time + ms)
  }

  /** Like advance, to the loop time `when` (a Date is read on the wall clock). */
  async advanceTo(when: number | Date): Promise<number> {
    const target = this.#targetOf(when)
    this._checkOpen()
    this._checkNotRunning()
    await this._d.advanceTo(target)
    return this._s.time
  }

  /** Runs what is ready, then moves to the next timer and runs what is due then. Returns the new time. */
  async next(): Promise<number> {
    this._checkOpen()
    this._checkNotRunning()
    await this._d.runDue()
    const when = this._s.timers.peekWhen()
    if (when !== undefined) await this._d.advanceTo(Math.max(when, this._s.time))
    return this._s.time
  }

  /**
   * Runs callbacks and timers, moving time forward, until nothing is
   * scheduled. Throws LoopLimitError after `loopLimit` callbacks (an interval
   * never ends). Returns the new time.
   */
  async runUntilIdle(): Promise<number> {
    this._checkOpen()
    this._checkNotRunning()
    await this._d.runUntilIdle()
    return this._s.time
  }

  /** advance without draining promise jobs between callbacks. */
  advanceSync(ms: number): number {
    expectDelay('ms', ms)
    return this.advanceToSync(this._s.time + ms)
  }

  /** advanceTo without draining promise jobs between callbacks. */
  advanceToSync(when: number | Date): number {
    const target = this.#targetOf(when)
    this._checkOpen()
    this._checkNotRunning()
    this._d.advanceToSync(target)
    return this._s.time
  }

  /** next without draining promise jobs between callbacks. */
  nextSync(): number {
    this._checkOpen()
    this._checkNotRunning()
    this._d.runDueSync()
    const when = this._s.timers.peekWhen()
    if (when !== undefined) this._d.advanceToSync(Math.max(when, this._s.time))
    return this._s.time
  }

  /** runUntilIdle without draining promise jobs between callbacks. */
  runUntilIdleSync(): number {
    this._checkOpen()
    this._checkNotRunning()
    this._d.runUntilIdleSync()
    return this._s.time
  }

  // ------------------------------------------------------------ inspection

  /** Tasks of this loop that are not done yet. */
  allTasks(): Task<unknown>[] {
    return [...this._tasks]
  }

  /** The task running this code, or undefined. */
  currentTask(): Task<unknown> | undefined {
    return currentTaskOf(this) as Task<unknown> | undefined
  }

  /**
   * Turns debug mode on or off: slow callbacks and slow task steps are
   * recorded (the sanitizer reports them), and a timeline of the loop's events
   * is kept (a failing test prints its end; `exportTrace` saves it).
   *
   * @example
   * loop.setDebug(true)
   */
  setDebug(on: boolean): void {
    if (typeof on !== 'boolean') throw new TypeError(`Expected \`on\` to be a boolean, got ${describeValue(on)}`)
    this._setDebug(on)
  }

  getDebug(): boolean {
    return this._s.debug
  }

  /**
   * Writes the timeline recorded in debug mode as a Chrome trace (JSON) to
   * `path`, creating its folder: open it in https://ui.perfetto.dev or
   * chrome://tracing. One track per task; times are loop time. Throws
   * InvalidStateError if debug mode was never on.
   *
   * @example
   * loop.setDebug(true)
   * await loop.runUntilComplete(main)
   * loop.exportTrace('trace/main.json')
   */
  exportTrace(path: string): void {
    if (typeof path !== 'string' || path === '') {
      throw new TypeError(`Expected \`path\` to be a non-empty string, got ${describeValue(path)}`)
    }
    const events = this._timelineEvents()
    if (events === undefined) {
      throw new InvalidStateError(
        `${this.name} has no timeline to export: debug mode was never on. Turn it on before the events to trace, with loop.setDebug(true), the option \`debug: true\` or LOOP_DEBUG=1`,
      )
    }
    writeChromeTrace(path, chromeTrace(events.events, this.name, this.id, this._s.time, events.dropped))
    log('%s: wrote a Chrome trace of %d events to %s', this.name, events.events.length, path)
  }

  /** Number of live timers (cancelled ones excluded). */
  get timerCount(): number {
    return this._s.timers.liveCount
  }

  /** Number of handles waiting in the ready queue (cancelled ones included until popped). */
  get readyCount(): number {
    return this._s.ready.length
  }

  // ------------------------------------------------------------ exceptions

  /** Replaces the exception handler (`null` restores the default). */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null) expectFunction('handler', handler)
    this._exceptionHandler = handler ?? undefined
  }

  getExceptionHandler(): ExceptionHandler | undefined {
    return this._exceptionHandler as ExceptionHandler | undefined
  }

  #targetOf(when: number | Date): number {
    const target = when instanceof Date ? toEpochMs('when', when) - this.#epoch : when
    expectTime('when', target)
    const time = this._s.time
    if (target < time) {
      throw new RangeError(`Expected \`when\` to be at or after the loop's time ${time}, got \`${target}\`: time never goes back`)
    }
    return target
  }
}
