/**
 * The event loop on virtual time.
 *
 * How it runs. Work lives in two places: `#ready`, a FIFO of handles to call
 * now, and `#timers`, a heap of handles due later. A *pass* moves every timer
 * due at the current time to the end of `#ready`, then calls exactly the
 * handles that were in `#ready` when the pass began; what they schedule runs
 * in a later pass (asyncio's `_run_once`). Time never moves while anything is
 * ready. When nothing is, and the caller allows it, time jumps to the earliest
 * timer: that is the whole of virtual time.
 *
 * The async drivers (runUntilComplete, runForever, advance, next,
 * runUntilIdle, and the background pump of the `auto` time flow) wait one real
 * macrotask after every callback, so the promise jobs a callback queued run
 * before the next callback, as under Node. The sync twins call back to back.
 * Only one driver runs at a time.
 */
import './internal/dispose.ts' // first: the dispose methods below need Symbol.dispose
import { chromeTrace, writeChromeTrace } from './chrome-trace.ts'
import { DeadlockError, InvalidStateError, LoopClosedError, LoopLimitError, LoopRunningError, TimeoutError } from './errors.ts'
import { Handle, TimerHandle } from './handle.ts'
import type { HandleOwner } from './handle.ts'
import { currentTaskOf, shared } from './internal/context.ts'
import { Deque } from './internal/deque.ts'
import { batchedHop, host, hop } from './internal/host.ts'
import { runOnExecutor } from './internal/executor.ts'
import { envDebug } from './internal/env.ts'
import { defaultIoProbe } from './internal/io-probe.ts'
import { log } from './internal/log.ts'
import { noteCallbackTime, watchTaskSteps } from './internal/task-steps.ts'
import { expectDelay, expectFunction, expectInteger, expectOneOf, expectTime, toEpochMs, describeValue } from './internal/validate.ts'
import { Task } from './task.ts'
import { Timeline } from './timeline.ts'
import type { Firing, TimelineEvent } from './timeline.ts'
import { TimerQueue } from './timer-queue.ts'
import type { TaskOptions, TaskOwner, TaskSource } from './task.ts'
import { captureTrace, formatSite } from './trace.ts'
import type { Trace } from './trace.ts'

/**
 * How time moves. `auto`: when nothing is ready and no real I/O is in flight,
 * a background pump jumps time to the next timer, so code reads like real-time
 * code and finishes at once. `manual`: nothing runs and time stands still
 * until a run or time-travel call drives the loop (asyncio's behaviour).
 */
export type TimeFlow = 'auto' | 'manual'

/** Options of `newEventLoop`, `run` and the EventLoop constructor. */
export interface EventLoopOptions {
  /** Wall clock at loop time 0: epoch milliseconds or a Date. Default: the real time now. */
  now?: number | Date
  /** Time flow; default `'manual'` (a test's loop defaults to `'auto'`). */
  timeFlow?: TimeFlow
  /** Debug mode: slow-callback findings and more logging. Default: `LOOP_DEBUG=1` in the environment. */
  debug?: boolean
  /** Most callbacks one time-travel call may run at one instant (runUntilIdle: in all). Default 100,000. */
  loopLimit?: number
  /** Real milliseconds a callback may run before debug mode reports it. Default 100. */
  slowCallbackDuration?: number
  /** Whether real I/O started by the code under test is in flight; holds the jump of time. */
  ioProbe?: () => boolean
  /** Real milliseconds that I/O in flight may hold time before it jumps anyway. Default 100. */
  autojumpThreshold?: number
  /** A name for reports. */
  name?: string
}

/** What the exception handler receives. */
export interface ExceptionContext {
  message: string
  exception?: unknown
  handle?: Handle
  task?: Task<unknown>
  /** When a custom handler threw: the context it was handling (asyncio's `context` key). */
  context?: ExceptionContext
}

/** Handles a callback's or task's error; replace it with `setExceptionHandler`. */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void

/**
 * A callback, or a step of a task, that ran longer than `slowCallbackDuration`
 * of real time in debug mode.
 */
export interface SlowCallback {
  /** The callback that ran (for a task's first step, the handle that started it); undefined for a later task step. */
  readonly handle: Handle | undefined
  /** The task whose code ran: a task's first step, or a step between two awaits. */
  readonly task: Task<unknown> | undefined
  /** For a later task step: the last handle the step scheduled (it ended awaiting it), if any. */
  readonly endedAt: Handle | undefined
  /** Real milliseconds it ran. */
  readonly duration: number
  /** Loop time at which it ran. */
  readonly time: number
}

/** What the sanitizer reads of a loop. @internal */
export interface LoopSnapshot {
  readonly loop: EventLoop
  readonly created: Trace | undefined
  readonly closed: boolean
  readonly everRan: boolean
  readonly firstScheduled: Trace | undefined
  /** Pending handles, in scheduling order (task starts excluded). */
  readonly handles: readonly Handle[]
  readonly tasks: readonly Task<unknown>[]
  readonly unretrieved: readonly Task<unknown>[]
  readonly errors: readonly ExceptionContext[]
  readonly slow: readonly SlowCallback[]
}

/** What a driver aims for. */
interface Goal {
  /** Loop time the driver must not pass. */
  target: number
  /** Whether time may move to the next timer (false: run only what is due now). */
  jump: boolean
  /** Stop as soon as this answers true (runUntilComplete). */
  until?: () => boolean
  /** runForever: wait for work instead of returning when idle. */
  forever?: boolean
  /** Whether real I/O in flight holds the jump of time. */
  holdForIo: boolean
  /** Count of callbacks allowed; undefined: count per instant. */
  limitTotal: boolean
}

type Driver = 'none' | 'explicit' | 'pump'

let loopCount = 0
const defaultLoopLimit = 100_000
/** Real milliseconds between two looks at real I/O while it holds the jump of time. */
const ioPollInterval = 1

/** Async drivers running on any loop of this process (the Vitest layer's stall check asks). */
let activeDrivers = 0

/** How many async drivers run right now, on every loop. @internal */
export function _activeDrivers(): number {
  return activeDrivers
}

/**
 * An event loop on virtual time, modelled on asyncio's.
 *
 * @example
 * const loop = newEventLoop()
 * loop.callLater(30_000, () => console.log('30 s later'))
 * await loop.runUntilIdle() // returns at once; loop.time() === 30_000
 * loop.close()
 */
export class EventLoop implements HandleOwner, TaskOwner, Disposable, AsyncDisposable {
  /** A number unique in this process, for reports. */
  readonly id: number = ++loopCount
  readonly name: string
  /** Where the loop was created. */
  readonly trace: Trace | undefined
  /** Real milliseconds a callback may run before debug mode reports it. */
  slowCallbackDuration: number

  #time = 0
  /** Wall clock (epoch ms) at loop time 0; setSystemTime moves it. */
  #epoch: number
  readonly #ready = new Deque<Handle>()
  readonly #timers = new TimerQueue()
  readonly #tasks = new Set<Task<unknown>>()
  readonly #unretrieved = new Set<Task<unknown>>()
  readonly #errors: ExceptionContext[] = []
  readonly #slow: SlowCallback[] = []
  #taskCount = 0
  #closed = false
  #stopping = false
  #everRan = false
  #firstScheduled: Trace | undefined
  #debug = false
  /** Debug mode's record of events; made when debug mode first turns on, kept after. */
  #timeline: Timeline | undefined
  #idleListener: (() => void) | undefined
  #timeFlow: TimeFlow
  #loopLimit: number
  #exceptionHandler: ExceptionHandler | undefined
  #ioProbe: () => boolean
  #autojumpThreshold: number
  #executorJobs = 0

  #driver: Driver = 'none'
  #driverToken = 0
  #running = false
  #executing = false
  #pumpPending = false
  #wake: (() => void) | undefined

  constructor(options: EventLoopOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`)
    }
    const { now, timeFlow = 'manual', debug, loopLimit = defaultLoopLimit, slowCallbackDuration = 100 } = options
    this.#epoch = now === undefined ? host.dateNow() : toEpochMs('now', now)
    expectOneOf('timeFlow', timeFlow, ['auto', 'manual'] as const)
    expectInteger('loopLimit', loopLimit, 1)
    expectDelay('slowCallbackDuration', slowCallbackDuration)
    if (options.ioProbe !== undefined) expectFunction('ioProbe', options.ioProbe)
    const threshold = options.autojumpThreshold ?? 100
    expectDelay('autojumpThreshold', threshold)
    this.#timeFlow = timeFlow
    this.#loopLimit = loopLimit
    this.slowCallbackDuration = slowCallbackDuration
    this.#ioProbe = options.ioProbe ?? defaultIoProbe()
    this.#autojumpThreshold = threshold
    this.name = options.name ?? `loop #${this.id}`
    this.trace = captureTrace(new.target)
    if (debug ?? envDebug()) this.setDebug(true)
    shared.onLoopCreated?.(this)
  }

  // ---------------------------------------------------------------- clock

  /** Loop time in milliseconds: starts at 0, never goes back. */
  time(): number {
    return this.#time
  }

  /** Virtual wall clock in epoch milliseconds (what `Date.now()` reads while installed). */
  now(): number {
    return this.#epoch + this.#time
  }

  /** Moves the wall clock (`Date`) to `date` without moving loop time or firing anything. */
  setSystemTime(date: number | Date): void {
    this.#epoch = toEpochMs('date', date) - this.#time
  }

  /** The time flow: `'auto'` or `'manual'`. */
  get timeFlow(): TimeFlow {
    return this.#timeFlow
  }

  /** Switches the time flow; switching to `'auto'` starts the pump if work is waiting. */
  setTimeFlow(flow: TimeFlow): void {
    expectOneOf('flow', flow, ['auto', 'manual'] as const)
    this.#timeFlow = flow
    if (flow === 'manual' && this.#driver === 'pump') {
      // The pump leaves at its next step: nothing more runs on its own.
      this.#driverToken++
      this.#driver = 'none'
    }
    this.#kick()
  }

  // ----------------------------------------------------------- scheduling

  /**
   * Calls `callback(...args)` on the next pass, after what is already queued.
   *
   * @example
   * loop.callSoon(console.log, 'first')
   */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    this.#checkOpen()
    expectFunction('callback', callback)
    const handle = new Handle(this, callback, args.length === 0 ? undefined : args, captureTrace(this.callSoon))
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
    this.#checkOpen()
    expectDelay('delay', delay)
    expectFunction('callback', callback)
    const handle = new TimerHandle(
      this,
      this.#time + delay,
      delay,
      callback,
      args.length === 0 ? undefined : args,
      captureTrace(this.callLater),
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
    this.#checkOpen()
    expectTime('when', when)
    expectFunction('callback', callback)
    const handle = new TimerHandle(
      this,
      when,
      Math.max(0, when - this.#time),
      callback,
      args.length === 0 ? undefined : args,
      captureTrace(this.callAt),
    )
    this._schedule(handle)
    return handle
  }

  /**
   * Schedules `callback` from outside the loop (a real I/O callback, a worker
   * message, another loop) and wakes the loop if it waits.
   */
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    this.#checkOpen()
    expectFunction('callback', callback)
    const handle = new Handle(this, callback, args.length === 0 ? undefined : args, captureTrace(this.callSoonThreadsafe))
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
    this.#checkOpen()
    expectFunction('fn', fn)
    this.#executorJobs++
    const done = (): void => {
      this.#executorJobs--
      this.#wakeUp()
    }
    return runOnExecutor(fn as (...args: unknown[]) => unknown, args).then(
      (value) => {
        done()
        return value as Awaited<R>
      },
      (error: unknown) => {
        done()
        throw error
      },
    )
  }

  /**
   * Starts `source` as a task: a function `(signal) => value | promise` runs on
   * the next pass; a promise is followed as it is.
   *
   * @example
   * const task = loop.createTask(async () => fetchUser(1), { name: 'fetch user' })
   */
  createTask<T>(source: TaskSource<T>, options: TaskOptions = {}): Task<T> {
    this.#checkOpen()
    const isSource =
      typeof source === 'function' ||
      (typeof source === 'object' && source !== null && typeof (source as PromiseLike<T>).then === 'function')
    if (!isSource) {
      throw new TypeError(`Expected \`source\` to be a function or a promise, got ${describeValue(source)}`)
    }
    const name = options.name ?? `Task-${++this.#taskCount}`
    if (typeof name !== 'string') throw new TypeError(`Expected \`name\` to be a string, got ${describeValue(name)}`)
    const task = new Task<T>(this, source, name, captureTrace(this.createTask))
    this.#tasks.add(task as Task<unknown>)
    if (this.#debug) this.#timeline!.taskCreated(this.#time, task as Task<unknown>)
    if (this.#firstScheduled === undefined && !this.#everRan) this.#firstScheduled = task.trace
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
    this.#checkOpen()
    expectDelay('ms', ms)
    const { signal } = options
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        timer.cancel()
        reject(signal!.reason)
      }
      const timer = new TimerHandle(
        this,
        this.#time + ms,
        ms,
        () => {
          signal?.removeEventListener('abort', onAbort)
          resolve(value as T)
        },
        undefined,
        captureTrace(this.sleep),
      )
      this._schedule(timer)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /**
   * Settles like `promise`, or rejects with TimeoutError after `ms` of loop
   * time; a task that times out is cancelled.
   *
   * @example
   * await loop.timeout(5000, fetchSlowThing())
   */
  timeout<T>(ms: number, promise: PromiseLike<T>): Promise<T> {
    this.#checkOpen()
    expectDelay('ms', ms)
    if (typeof (promise as PromiseLike<T> | undefined)?.then !== 'function') {
      throw new TypeError(`Expected \`promise\` to be a promise, got ${describeValue(promise)}`)
    }
    // Created here so that its stack points at the caller.
    const error = new TimeoutError(`Timed out after ${ms} ms`)
    Error.captureStackTrace(error, this.timeout)
    return new Promise<T>((resolve, reject) => {
      const timer = new TimerHandle(
        this,
        this.#time + ms,
        ms,
        () => {
          if (promise instanceof Task) promise.cancel(error)
          reject(error)
        },
        undefined,
        captureTrace(this.timeout),
      )
      this._schedule(timer)
      promise.then(
        (value) => {
          timer.cancel()
          resolve(value)
        },
        (reason: unknown) => {
          timer.cancel()
          reject(reason)
        },
      )
    })
  }

  // -------------------------------------------------------------- running

  /** True while runUntilComplete, runForever or an async time-travel call drives the loop. */
  isRunning(): boolean {
    return this.#running
  }

  /** True once close() was called. */
  isClosed(): boolean {
    return this.#closed
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
    this.#checkOpen()
    this.#checkNotRunning()
    const target: PromiseLike<T> = typeof future === 'function' ? this.createTask(future) : future
    if (typeof (target as PromiseLike<T> | undefined)?.then !== 'function') {
      throw new TypeError(`Expected \`future\` to be a promise, a task or a function, got ${describeValue(future)}`)
    }
    let settled = false
    const outcome = Promise.resolve(target)
    outcome.then(
      () => this.#settle(() => (settled = true)),
      () => this.#settle(() => (settled = true)),
    )
    const stoppedEarly = await this.#drive(
      { target: Infinity, jump: true, holdForIo: true, limitTotal: false, until: () => settled },
      true,
    )
    if (stoppedEarly && !settled) {
      throw new InvalidStateError('Event loop stopped before the awaited promise settled')
    }
    return outcome
  }

  /** Runs the loop until stop() is called. */
  async runForever(): Promise<void> {
    this.#checkOpen()
    this.#checkNotRunning()
    await this.#drive({ target: Infinity, jump: true, holdForIo: true, limitTotal: false, forever: true }, true)
  }

  /**
   * Asks the running loop to return once the current pass is done. If the loop
   * is not running, the next runForever runs one pass and returns.
   */
  stop(): void {
    this.#stopping = true
    this.#wakeUp()
  }

  /**
   * Closes the loop: everything still scheduled is dropped and later
   * scheduling throws LoopClosedError. Pending tasks stay listed (they are
   * reported, not forgotten). Calling it again does nothing.
   */
  close(): void {
    if (this.#running) throw new LoopRunningError('Cannot close a running event loop')
    if (this.#closed) return
    this.#closed = true
    watchTaskSteps(this, false)
    for (const handle of this.#ready) handle._state = handle._state === 'pending' ? 'cancelled' : handle._state
    for (const handle of this.#timers.live()) handle._state = 'cancelled'
    this.#ready.clear()
    this.#timers.clear()
    this.#driverToken++
    this.#driver = 'none'
    this.#wakeUp()
  }

  /** `using loop = newEventLoop()`: closes the loop. */
  [Symbol.dispose](): void {
    this.close()
  }

  /** `await using loop = newEventLoop()`: cancels pending tasks, lets them settle, closes. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return
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
    return this.advanceTo(this.#time + ms)
  }

  /** Like advance, to the loop time `when` (a Date is read on the wall clock). */
  async advanceTo(when: number | Date): Promise<number> {
    const target = this.#targetOf(when)
    this.#checkOpen()
    this.#checkNotRunning()
    await this.#drive({ target, jump: true, holdForIo: false, limitTotal: false }, false)
    return this.#time
  }

  /** Runs what is ready, then moves to the next timer and runs what is due then. Returns the new time. */
  async next(): Promise<number> {
    this.#checkOpen()
    this.#checkNotRunning()
    await this.#drive({ target: this.#time, jump: false, holdForIo: false, limitTotal: false }, false)
    const when = this.#timers.peekWhen()
    if (when !== undefined) {
      await this.#drive({ target: Math.max(when, this.#time), jump: true, holdForIo: false, limitTotal: false }, false)
    }
    return this.#time
  }

  /**
   * Runs callbacks and timers, moving time forward, until nothing is
   * scheduled. Throws LoopLimitError after `loopLimit` callbacks (an interval
   * never ends). Returns the new time.
   */
  async runUntilIdle(): Promise<number> {
    this.#checkOpen()
    this.#checkNotRunning()
    await this.#drive({ target: Infinity, jump: true, holdForIo: false, limitTotal: true }, false)
    return this.#time
  }

  /** advance without draining promise jobs between callbacks. */
  advanceSync(ms: number): number {
    expectDelay('ms', ms)
    return this.advanceToSync(this.#time + ms)
  }

  /** advanceTo without draining promise jobs between callbacks. */
  advanceToSync(when: number | Date): number {
    const target = this.#targetOf(when)
    this.#checkOpen()
    this.#checkNotRunning()
    this.#driveSync({ target, jump: true, holdForIo: false, limitTotal: false })
    return this.#time
  }

  /** next without draining promise jobs between callbacks. */
  nextSync(): number {
    this.#checkOpen()
    this.#checkNotRunning()
    this.#driveSync({ target: this.#time, jump: false, holdForIo: false, limitTotal: false })
    const when = this.#timers.peekWhen()
    if (when !== undefined) {
      this.#driveSync({ target: Math.max(when, this.#time), jump: true, holdForIo: false, limitTotal: false })
    }
    return this.#time
  }

  /** runUntilIdle without draining promise jobs between callbacks. */
  runUntilIdleSync(): number {
    this.#checkOpen()
    this.#checkNotRunning()
    this.#driveSync({ target: Infinity, jump: true, holdForIo: false, limitTotal: true })
    return this.#time
  }

  // ------------------------------------------------------------ inspection

  /** Tasks of this loop that are not done yet. */
  allTasks(): Task<unknown>[] {
    return [...this.#tasks]
  }

  /** The task running this code, or undefined. */
  currentTask(): Task<unknown> | undefined {
    return currentTaskOf(this)
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
    if (on) this.#timeline ??= new Timeline(this.#time)
    this.#debug = on
    watchTaskSteps(this, on && !this.#closed)
  }

  getDebug(): boolean {
    return this.#debug
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
    writeChromeTrace(path, chromeTrace(events.events, this.name, this.id, this.#time, events.dropped))
    log('%s: wrote a Chrome trace of %d events to %s', this.name, events.events.length, path)
  }

  /** The timeline's events, oldest first, ending at the loop's time; undefined if debug mode was never on. @internal */
  _timelineEvents(): { events: TimelineEvent[]; dropped: number } | undefined {
    const timeline = this.#timeline
    if (timeline === undefined) return undefined
    timeline.catchUp(this.#time)
    return { events: timeline.events(), dropped: Math.max(0, timeline.total - timeline.capacity) }
  }

  /** Number of live timers (cancelled ones excluded). */
  get timerCount(): number {
    return this.#timers.liveCount
  }

  /** Number of handles waiting in the ready queue (cancelled ones included until popped). */
  get readyCount(): number {
    return this.#ready.length
  }

  // ------------------------------------------------------------ exceptions

  /** Replaces the exception handler (`null` restores the default). */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null) expectFunction('handler', handler)
    this.#exceptionHandler = handler ?? undefined
  }

  getExceptionHandler(): ExceptionHandler | undefined {
    return this.#exceptionHandler
  }

  /** Reports an error to the exception handler (the default records it for the sanitizer). */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this.#exceptionHandler
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
    this.#errors.push(context)
    log('%s: %s %O', this.name, context.message, context.exception)
  }

  // ------------------------------------------------------------- internals

  /** Queues a built handle on the ready queue. @internal */
  _enqueue(handle: Handle): void {
    this.#ready.push(handle)
    if (this.#debug) this.#noteWaiting(handle)
    if (this.#firstScheduled === undefined && !this.#everRan) this.#firstScheduled = handle.trace
    if (this.#wake !== undefined) this.#wakeUp()
    if (this.#timeFlow === 'auto' && this.#driver === 'none' && !this.#pumpPending) this.#kick()
  }

  /** Puts a built timer in the heap at `handle.when`. @internal */
  _schedule(handle: TimerHandle): void {
    // A handle already in the heap (refresh) leaves its old entry behind. Mark
    // it stale only once the push gave the handle a new seq: a compaction run
    // before that would keep the old entry as live and the count would drift.
    const replaces = handle._inHeap
    handle._state = 'pending'
    handle._inHeap = true
    this.#timers.push(handle)
    if (replaces) this.#timers.markStale()
    if (this.#debug) this.#noteWaiting(handle)
    if (this.#firstScheduled === undefined && !this.#everRan) this.#firstScheduled = handle.trace
    if (this.#wake !== undefined) this.#wakeUp()
    if (this.#timeFlow === 'auto' && this.#driver === 'none' && !this.#pumpPending) this.#kick()
  }

  /** Debug mode: remember the last handle each task scheduled (for stall reports) and note it on the timeline. */
  #noteWaiting(handle: Handle): void {
    const task = currentTaskOf(this)
    if (task !== undefined) task._waitingOn = handle
    if (!taskStarts.has(handle)) this.#timeline!.scheduled(this.#time, handle, task)
  }

  /** Throws LoopClosedError if closed. @internal */
  _checkOpen(): void {
    this.#checkOpen()
  }

  /**
   * Moves loop time forward by `ms` without running anything, as a callback
   * that blocks the real event loop lets the real clock run on. Timers this
   * passes run on the next pass, late, in due order. @internal
   */
  _elapse(ms: number): void {
    this.#time += ms
  }

  /** @internal */
  _timerCancelled(handle: TimerHandle): void {
    this.#timers.markStale()
    if (this.#debug) this.#timeline!.cancelled(this.#time, handle)
  }

  /** @internal */
  _startHandle(task: Task<unknown>, start: () => void): Handle {
    const handle = new Handle(this, start, undefined, task.trace)
    handle.kind = 'callback'
    taskStarts.set(handle, task)
    this._enqueue(handle)
    return handle
  }

  /** @internal */
  _taskStarted(_task: Task<unknown>): void {}

  /** @internal */
  _taskFinished(task: Task<unknown>): void {
    this.#tasks.delete(task)
    if (this.#debug) this.#timeline!.taskFinished(this.#time, task)
    if (task.state === 'rejected' && !task._retrieved) this.#unretrieved.add(task)
    this.#wakeUp()
  }

  /** @internal */
  _taskRetrieved(task: Task<unknown>): void {
    this.#unretrieved.delete(task)
  }

  /** @internal */
  _scheduleDoneCallback(callback: () => void, trace: Trace | undefined): void {
    if (this.#closed) {
      callback()
      return
    }
    // A done callback left pending is reported where its task was made.
    const handle = new Handle(this, callback, undefined, trace)
    this._enqueue(handle)
  }

  /** Everything the sanitizer needs, read without running anything. @internal */
  _snapshot(): LoopSnapshot {
    const handles: Handle[] = []
    for (const handle of this.#ready) if (handle._state === 'pending' && !taskStarts.has(handle)) handles.push(handle)
    const timers = [...this.#timers.live()].sort((a, b) => a._seq - b._seq)
    return {
      loop: this,
      created: this.trace,
      closed: this.#closed,
      everRan: this.#everRan,
      firstScheduled: this.#firstScheduled,
      handles: [...handles, ...timers],
      tasks: [...this.#tasks],
      unretrieved: [...this.#unretrieved],
      errors: [...this.#errors],
      slow: [...this.#slow],
    }
  }

  /** Debug mode: a later step of `task` (between two awaits) ran `duration` real ms. @internal */
  _slowStep(task: Task<unknown>, duration: number, endedAt: Handle | undefined): void {
    if (this.#closed) return
    this.#slow.push({ handle: undefined, task, endedAt, duration, time: this.#time })
    this.#timeline?.slowStep(this.#time, task, duration)
    log('%s: a step of Task %s created at %s took %d ms', this.name, task.name, formatSite(task.trace?.site), duration)
  }

  /** Called whenever a driver (the pump included) stops: the loop may have gone idle. @internal */
  _setIdleListener(listener: (() => void) | undefined): void {
    this.#idleListener = listener
  }

  /**
   * What a stall check reads: whether anything drives the loop or is about
   * to, and what waits on it. Runs nothing. @internal
   */
  _stallState(): { busy: boolean; ready: number; timers: number; next: TimerHandle | undefined; timeFlow: TimeFlow } {
    let ready = 0
    for (const handle of this.#ready) if (handle._state === 'pending') ready++
    let next: TimerHandle | undefined
    for (const timer of this.#timers.live()) {
      if (next === undefined || timer.when < next.when || (timer.when === next.when && timer._seq < next._seq)) next = timer
    }
    return {
      busy: this.#driver !== 'none' || this.#pumpPending || this.#running || this.#executing || this.#executorJobs > 0,
      ready,
      timers: this.#timers.liveCount,
      next,
      timeFlow: this.#timeFlow,
    }
  }

  /**
   * Closes the loop even if a driver is still running it (a test ended while
   * runForever was never stopped): the driver sees it closed and returns.
   * @internal
   */
  _terminate(): void {
    if (this.#closed) return
    this.#running = false
    this.#executing = false
    this.#stopping = false
    this.close()
  }

  /** Cancels every pending task and runs what is ready at this instant so they can react. @internal */
  async _shutdown(): Promise<void> {
    if (this.#closed) return
    // Refuse before touching anything: a refused shutdown cancels nothing.
    if (this.#running || this.#executing) throw new LoopRunningError('Cannot close a running event loop')
    for (const task of this.#tasks) task.cancel()
    // The tasks see the abort in promise jobs: let those run (and schedule
    // their cleanup) before the pass, or they would run after close().
    await hop()
    if (this.#closed) return
    this.#checkNotRunning()
    await this.#drive({ target: this.#time, jump: false, holdForIo: false, limitTotal: false }, false)
  }

  // -------------------------------------------------------------- drivers

  #checkOpen(): void {
    if (this.#closed) throw new LoopClosedError()
  }

  #checkNotRunning(): void {
    if (this.#running || this.#executing) throw new LoopRunningError()
  }

  #targetOf(when: number | Date): number {
    const target = when instanceof Date ? toEpochMs('when', when) - this.#epoch : when
    expectTime('when', target)
    if (target < this.#time) {
      throw new RangeError(
        `Expected \`when\` to be at or after the loop's time ${this.#time}, got \`${target}\`: time never goes back`,
      )
    }
    return target
  }

  #settle(mark: () => void): void {
    mark()
    this.#wakeUp()
  }

  #wakeUp(): void {
    const wake = this.#wake
    if (wake !== undefined) {
      this.#wake = undefined
      wake()
    }
  }

  /** Starts the background pump of the auto time flow on the next real macrotask. */
  #kick(): void {
    if (this.#timeFlow !== 'auto' || this.#closed || this.#driver !== 'none' || this.#pumpPending) return
    if (this.#ready.length === 0 && this.#timers.liveCount === 0) return
    this.#pumpPending = true
    host.setImmediate(() => {
      this.#pumpPending = false
      if (this.#driver === 'none' && !this.#closed && this.#timeFlow === 'auto') void this.#pump()
    })
  }

  /** The auto time flow: run what is ready, jump time when idle, stop when nothing is left. */
  async #pump(): Promise<void> {
    const token = ++this.#driverToken
    this.#driver = 'pump'
    activeDrivers++
    try {
      await this.#loop(token, { target: Infinity, jump: true, holdForIo: true, limitTotal: false })
    } catch (error) {
      this.callExceptionHandler({ message: 'Error in the loop pump', exception: error })
    } finally {
      activeDrivers--
      if (this.#driverToken === token) {
        this.#driver = 'none'
        this.#idleListener?.()
      }
    }
  }

  /** Runs an explicit async driver; returns true if stop() ended it. */
  async #drive(goal: Goal, isRun: boolean): Promise<boolean> {
    const token = ++this.#driverToken // a pump in flight sees the new token and leaves
    this.#driver = 'explicit'
    this.#running = true
    if (isRun) this.#everRan = true
    activeDrivers++
    try {
      return await this.#loop(token, goal, isRun)
    } finally {
      activeDrivers--
      if (this.#driverToken === token) {
        this.#driver = 'none'
        this.#running = false
        this.#kick()
        this.#idleListener?.()
      }
    }
  }

  /**
   * The async driver. Returns true when stop() ended it. Leaves early when
   * another driver took over (`token` changed) or the loop closed.
   */
  async #loop(token: number, goal: Goal, stoppable = false): Promise<boolean> {
    let count = 0
    let countAt = this.#time
    let first = true
    for (;;) {
      if (this.#driverToken !== token || this.#closed) return false
      if (goal.until?.()) return false
      if (first) {
        // Promise jobs the caller queued before calling the driver run before
        // it looks at the clock, as under Node (nothing fires in the middle of
        // synchronous code and its microtasks): work they schedule is seen, at
        // the time it was scheduled. One hop per driver call.
        first = false
        await hop()
        if (this.#driverToken !== token || this.#closed) return false
      }
      // After stop() (called before the run, or while it waited) one more pass
      // runs, of what is due now, without jumping time: asyncio's run_forever
      // polls with timeout 0 when stopping.
      const stopping = stoppable && this.#stopping
      const n = this.#preparePass(stopping ? { ...goal, jump: false } : goal)
      if (n === 0) {
        if (stopping) {
          this.#stopping = false
          return true
        }
        if (this.#ready.length === 0 && this.#timers.peekWhen() === undefined && !goal.until && !goal.forever) {
          if (goal.target !== Infinity && goal.target > this.#time) this.#time = goal.target
          return false
        }
        if (!goal.until && !goal.forever) {
          if (goal.holdForIo && this.#timers.peekWhen() !== undefined) {
            // The auto pump, held by real I/O in flight: wait for it (bounded), then go on.
            await this.#holdForIo(token)
            continue
          }
          // nothing more before the target
          if (goal.target !== Infinity) this.#time = Math.max(this.#time, goal.target)
          return false
        }
        await this.#idle(goal, token)
        continue
      }
      for (let i = 0; i < n; i++) {
        if (this.#driverToken !== token || this.#closed) return false
        const handle = this.#takeNext()
        if (handle === undefined) continue
        // Called from a process.nextTick callback, not from this promise job:
        // then, as after a callback of Node's, the nextTick callbacks it queues
        // run before the promise jobs it queues. It runs as soon as this job
        // ends (nothing else is queued: the driver resumed after a hop), and
        // the hop below waits for it and for all it queued.
        host.nextTick(this.#callFromTick, handle)
        if (this.#time !== countAt) {
          countAt = this.#time
          if (!goal.limitTotal) count = 0
        }
        if (++count > this.#loopLimit) this.#limitExceeded()
        await batchedHop()
      }
      if (stoppable && this.#stopping) {
        this.#stopping = false
        return true
      }
    }
  }

  /**
   * Nothing to run now (runUntilComplete / runForever). Waits for whatever
   * can change that: the awaited promise, new work, the end of real I/O.
   * With nothing scheduled, no I/O and a promise awaited, that is a deadlock.
   */
  async #idle(goal: Goal, token: number): Promise<void> {
    // Let pending promise jobs run first: they may settle the goal or schedule work.
    await hop()
    if (goal.until?.() || this.#ready.length > 0 || this.#stopping || this.#closed) return
    const next = this.#timers.peekWhen()
    const io = this.#ioInFlight()
    if (next !== undefined && io) {
      await this.#holdForIo(token)
      return
    }
    if (next !== undefined) {
      // Held by nothing: #preparePass would have jumped; reaching here means
      // the goal does not allow jumping. Treat as idle.
      return
    }
    if (io || goal.forever) {
      await this.#waitForWork(io ? this.#autojumpThreshold : Infinity)
      return
    }
    throw this.#deadlock()
  }

  /** Waits for new work or a settled goal; false when `ms` of real time passed first. */
  #waitForWork(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const wake = (): void => {
        if (timer !== undefined) host.clearTimeout(timer)
        // Resume after a real macrotask: the promise jobs queued along with the
        // new work run before the driver looks at it, and before time can move.
        host.setImmediate(resolve, true)
      }
      const timer = ms === Infinity ? undefined : host.setTimeout(() => {
        if (this.#wake === wake) this.#wake = undefined
        resolve(false)
      }, ms)
      this.#wake = wake
    })
  }

  /** Real work started by the code under test is in flight: I/O, or runInExecutor jobs. */
  #ioInFlight(): boolean {
    return this.#executorJobs > 0 || this.#ioProbe()
  }

  /**
   * Real work is in flight and the next timer lies ahead. Waits for new work,
   * for the work to end (probed every `ioPollInterval` ms of real time), or
   * for `autojumpThreshold` ms of real time with neither; then time jumps to
   * the next timer anyway, so a request to a server that never answers still
   * times out, at its virtual deadline. runInExecutor jobs hold time without
   * that bound: they finish by themselves, and a 5 s virtual timeout around a
   * computation that takes 200 ms of real time must not fire. The bound is
   * also `autojumpThreshold / ioPollInterval` turns of Node's event loop: a
   * process short of CPU (a loaded machine) can find the deadline passed
   * when it next runs, before its poll phase has read the answer waiting for it.
   */
  async #holdForIo(token: number): Promise<void> {
    const deadline = host.now() + this.#autojumpThreshold
    let turns = Math.ceil(this.#autojumpThreshold / ioPollInterval)
    for (;;) {
      const left = deadline - host.now()
      if (left <= 0 && turns <= 0 && this.#executorJobs === 0) break
      turns--
      if (await this.#waitForWork(left > 0 ? Math.min(ioPollInterval, left) : ioPollInterval)) return
      if (this.#driverToken !== token || this.#closed || this.#ready.length > 0 || !this.#ioInFlight()) return
    }
    const when = this.#timers.peekWhen()
    if (when !== undefined && when > this.#time && this.#ready.length === 0) this.#time = when
  }

  #deadlock(): DeadlockError {
    const tasks = [...this.#tasks]
    const lines = tasks.map((task) => {
      // Debug mode remembers the last handle each task scheduled. In a deadlock
      // nothing is pending, so say what became of it rather than "waiting on".
      const last = task._waitingOn
      const at = last === undefined ? '' : `${last.kind} created at ${formatSite(last.trace?.site)}`
      const on =
        last === undefined
          ? ''
          : last.pending
            ? `; waiting on ${at}`
            : `; the last thing it scheduled, a ${at}, ${last.cancelled ? 'was cancelled' : 'has run'}`
      return `  - Task '${task.name}' created at ${formatSite(task.trace?.site)}${on}`
    })
    const body =
      tasks.length === 0
        ? 'No task is pending: the promise waits on something outside the loop that will never happen.'
        : `Pending tasks:\n${lines.join('\n')}`
    return new DeadlockError(
      `runUntilComplete() waits on a promise that can never settle: nothing is scheduled on ${this.name} and no real I/O is in flight.\n${body}`,
    )
  }

  #limitExceeded(): never {
    const last = this.#lastRun
    throw new LoopLimitError(
      `Aborting after running ${this.#loopLimit} callbacks (loopLimit), assuming an infinite loop; ` +
        `the last was a ${last?.kind ?? 'callback'} created at ${formatSite(last?.trace?.site)}`,
    )
  }

  #lastRun: Handle | undefined

  /** The sync driver: the same passes, without waiting for promise jobs. */
  #driveSync(goal: Goal): void {
    this.#running = true
    const token = ++this.#driverToken
    const previous = this.#driver
    this.#driver = 'explicit'
    let count = 0
    let countAt = this.#time
    try {
      for (;;) {
        if (this.#closed) return
        const n = this.#preparePass(goal)
        if (n === 0) {
          if (goal.target !== Infinity) this.#time = Math.max(this.#time, goal.target)
          return
        }
        for (let i = 0; i < n; i++) {
          if (!this.#runNext()) continue
          if (this.#time !== countAt) {
            countAt = this.#time
            if (!goal.limitTotal) count = 0
          }
          if (++count > this.#loopLimit) this.#limitExceeded()
        }
      }
    } finally {
      this.#running = false
      if (this.#driverToken === token) this.#driver = previous === 'pump' ? 'none' : previous
      this.#kick()
    }
  }

  /**
   * Starts a pass: returns how many handles it runs, after moving time to the
   * next timer if nothing is ready and the goal allows it. 0: nothing to run
   * at or before the goal's target (or I/O holds the jump).
   */
  #preparePass(goal: Goal): number {
    if (this.#ready.length === 0) {
      const next = this.#timers.peekWhen()
      if (next === undefined || next > goal.target) return 0
      if (next > this.#time) {
        if (!goal.jump) return 0
        if (goal.holdForIo && this.#ioInFlight()) return 0
        this.#time = next
      }
    }
    const now = this.#time
    let timer: TimerHandle | undefined
    while ((timer = this.#timers.popDue(now)) !== undefined) {
      timer._inHeap = false
      this.#ready.push(timer)
    }
    return this.#ready.length
  }

  /** Pops the next ready handle and calls it; false if it was cancelled meanwhile. */
  #runNext(): boolean {
    const handle = this.#takeNext()
    if (handle === undefined) return false
    this.#call(handle)
    return true
  }

  /** Pops the next ready handle; undefined if it was cancelled meanwhile. */
  #takeNext(): Handle | undefined {
    const handle = this.#ready.shift()!
    if (handle._state !== 'pending') {
      if (this.#debug && handle._state === 'cancelled') this.#timeline!.cancelled(this.#time, handle)
      return undefined
    }
    this.#everRan = true
    this.#lastRun = handle
    return handle
  }

  readonly #callFromTick = (handle: Handle): void => {
    if (handle._state === 'pending' && !this.#closed) this.#call(handle)
  }

  #call(handle: Handle): void {
    const previous = shared.executing
    shared.executing = this
    this.#executing = true
    // Debug mode notes the callback on the timeline before it runs (what it
    // schedules comes after it) and times it on the real clock.
    const firing = this.#debug ? this.#timeline!.firing(this.#time, handle, taskStarts.get(handle), host.now()) : undefined
    // The one place where callbacks are called.
    try {
      handle._run()
    } catch (error) {
      this.callExceptionHandler({ message: `Exception in ${handle.kind}`, exception: error, handle })
    } finally {
      shared.executing = previous
      this.#executing = false
    }
    if (firing !== undefined) this.#fired(handle, firing)
  }

  /** Debug mode: a callback ran; record how long, and report it if slow. */
  #fired(handle: Handle, firing: Firing): void {
    const duration = host.now() - firing.start
    firing.event.duration = duration
    noteCallbackTime(duration)
    if (duration < this.slowCallbackDuration) return
    const task = firing.event.task
    const starts = firing.event.startsTask === true ? task : undefined
    this.#slow.push({ handle, task: starts, endedAt: undefined, duration, time: this.#time })
    const what = starts === undefined ? handle.kind : `the first step of Task '${starts.name}'`
    log('%s: executing %s created at %s took %d ms', this.name, what, formatSite(handle.trace?.site), duration)
  }
}

/** Handles that start a task, and their task: reported as the task, never as a callback. */
const taskStarts = new WeakMap<Handle, Task<unknown>>()
