/**
 * Tasks: a function or promise followed by the loop, awaitable, cancellable.
 *
 * A task created from a function starts on the loop's next pass (asyncio's
 * `create_task` schedules the first step with `call_soon`), inside an async
 * context that makes `currentTask()` and `getRunningLoop()` answer after every
 * `await` in it. `cancel()` aborts the AbortSignal handed to the function and
 * settles the task at once with CancelledError; JavaScript cannot throw into a
 * running async function, so the function sees the abort through the signal.
 */
import { CancelledError, InvalidStateError } from './errors.ts'
import type { Handle } from './handle.ts'
import { shared } from './internal/context-state.ts'
import { expectFunction } from './internal/validate.ts'
import type { Origin, Trace } from './trace.ts'
import { formatOrigin } from './trace.ts'

/** What a task runs: a function handed the task's AbortSignal, or a promise. */
export type TaskSource<T> = ((signal: AbortSignal) => T | PromiseLike<T>) | PromiseLike<T>

/** Where a task is in its life. */
export type TaskState = 'pending' | 'fulfilled' | 'rejected' | 'cancelled'

/** Options of `loop.createTask`. */
export interface TaskOptions {
  /** Shown in reports; `Task-<n>` by default. */
  name?: string
}

/** The loop as a task sees it. @internal */
export interface TaskOwner {
  _taskStarted(task: Task<unknown>): void
  _taskFinished(task: Task<unknown>): void
  _taskRetrieved(task: Task<unknown>): void
  /** Queues a done callback; `origin` says where the task was made, for reports. */
  _scheduleDoneCallback(callback: () => void, origin: Origin): void
  _startHandle(task: Task<unknown>, start: () => void): Handle
}

/**
 * A unit of concurrent work on a loop. Await it for its result.
 *
 * @example
 * const task = loop.createTask(async (signal) => {
 *   await loop.sleep(1000, undefined, { signal })
 *   return 'done'
 * }, { name: 'worker' })
 * await loop.runUntilComplete(task) // 'done'
 */
export class Task<T> implements PromiseLike<T> {
  readonly name: string
  /** Aborted with a CancelledError when the task is cancelled. */
  readonly signal: AbortSignal
  /** Its Trace, or its creation number past the loop's trace budget (trace.ts). @internal */
  readonly _origin: Origin
  /** The last handle the task scheduled: what it waits on, for stall reports. @internal */
  _waitingOn: Handle | undefined

  readonly #owner: TaskOwner
  readonly #controller = new AbortController()
  #state: TaskState = 'pending'
  #value: T | undefined
  #error: unknown
  #retrieved = false
  #startHandle: Handle | undefined
  #doneCallbacks: ((task: Task<T>) => void)[] | undefined
  readonly #settled: Promise<void>
  #resolveSettled!: () => void

  /** @internal */
  constructor(owner: TaskOwner, source: TaskSource<T>, name: string, origin: Origin) {
    this.#owner = owner
    this.name = name
    this.signal = this.#controller.signal
    this._origin = origin
    this.#settled = new Promise<void>((resolve) => {
      this.#resolveSettled = resolve
    })
    if (typeof source === 'function') {
      this.#startHandle = owner._startHandle(this as Task<unknown>, () => this.#start(source))
    } else {
      this.#follow(source)
    }
  }

  /**
   * Where the task was created: undefined when trace capture was off, or when
   * it was made past its loop's trace budget (option `traces`, `LOOP_TRACES`).
   */
  get trace(): Trace | undefined {
    const origin = this._origin
    return typeof origin === 'object' ? origin : undefined
  }

  /** True once the task succeeded, failed or was cancelled. */
  done(): boolean {
    return this.#state !== 'pending'
  }

  /** True if the task was cancelled. */
  cancelled(): boolean {
    return this.#state === 'cancelled'
  }

  /** `'pending' | 'fulfilled' | 'rejected' | 'cancelled'`. */
  get state(): TaskState {
    return this.#state
  }

  /**
   * Cancels the task: aborts its signal and settles it with CancelledError.
   * Returns false if it was already done.
   */
  cancel(reason?: unknown): boolean {
    if (this.#state !== 'pending') return false
    const error = new CancelledError(reason)
    this.#startHandle?.cancel()
    this.#state = 'cancelled'
    this.#error = error
    this.#controller.abort(error)
    this.#finish()
    return true
  }

  /**
   * The value the task returned. Throws InvalidStateError while pending,
   * CancelledError if cancelled, and the task's error if it failed.
   */
  result(): T {
    switch (this.#state) {
      case 'pending':
        throw new InvalidStateError('Result is not set.')
      case 'fulfilled':
        return this.#value as T
      case 'rejected':
        this.#markRetrieved()
        throw this.#error
      case 'cancelled':
        throw this.#error
    }
  }

  /**
   * The error the task failed with, or null if it succeeded. Throws
   * InvalidStateError while pending and CancelledError if cancelled. Reading it
   * counts as retrieving it: the loop stops listing it as never retrieved.
   */
  exception(): unknown {
    switch (this.#state) {
      case 'pending':
        throw new InvalidStateError('Exception is not set.')
      case 'fulfilled':
        return null
      case 'rejected':
        this.#markRetrieved()
        return this.#error
      case 'cancelled':
        throw this.#error
    }
  }

  /** Calls `callback(task)` on the loop once the task is done (on the next pass if it already is). */
  addDoneCallback(callback: (task: Task<T>) => void): void {
    expectFunction('callback', callback)
    if (this.#state === 'pending') (this.#doneCallbacks ??= []).push(callback)
    else this.#owner._scheduleDoneCallback(() => callback(this), this._origin)
  }

  /** Removes a callback added with addDoneCallback; returns how many were removed. */
  removeDoneCallback(callback: (task: Task<T>) => void): number {
    if (!this.#doneCallbacks) return 0
    const before = this.#doneCallbacks.length
    this.#doneCallbacks = this.#doneCallbacks.filter((cb) => cb !== callback)
    return before - this.#doneCallbacks.length
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#markRetrieved()
    return this.#settled.then(() => this.result()).then(onFulfilled, onRejected)
  }

  /** Same as `Promise.prototype.catch`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onRejected)
  }

  /** Same as `Promise.prototype.finally`. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onFinally)
  }

  get [Symbol.toStringTag](): string {
    return 'Task'
  }

  /** `Task 'name' (pending) created at file:line:column`. */
  toString(): string {
    return `Task '${this.name}' (${this.#state}) created at ${formatOrigin(this._origin)}`
  }

  /** Whether a failure of this task was read by anyone. @internal */
  get _retrieved(): boolean {
    return this.#retrieved
  }

  /** The error of a failed task, read without retrieving it (reports must not silence it). @internal */
  _peekException(): unknown {
    return this.#state === 'rejected' ? this.#error : undefined
  }

  #start(source: (signal: AbortSignal) => T | PromiseLike<T>): void {
    this.#startHandle = undefined
    if (this.#state !== 'pending') return
    this.#owner._taskStarted(this as Task<unknown>)
    let result: T | PromiseLike<T>
    try {
      result = shared.storage.run({ loop: this.#owner as never, task: this as Task<unknown> }, source, this.signal)
    } catch (error) {
      this.#reject(error)
      return
    }
    if (isPromiseLike(result)) this.#follow(result)
    else this.#resolve(result)
  }

  #follow(promise: PromiseLike<T>): void {
    promise.then(
      (value) => this.#resolve(value),
      (error) => this.#reject(error),
    )
  }

  #resolve(value: T): void {
    if (this.#state !== 'pending') return
    this.#state = 'fulfilled'
    this.#value = value
    this.#finish()
  }

  #reject(error: unknown): void {
    if (this.#state !== 'pending') return
    this.#state = 'rejected'
    this.#error = error
    this.#finish()
  }

  #finish(): void {
    this.#resolveSettled()
    this.#owner._taskFinished(this as Task<unknown>)
    const callbacks = this.#doneCallbacks
    this.#doneCallbacks = undefined
    if (callbacks) for (const cb of callbacks) this.#owner._scheduleDoneCallback(() => cb(this), this._origin)
  }

  #markRetrieved(): void {
    if (this.#retrieved) return
    this.#retrieved = true
    if (this.#state === 'rejected') this.#owner._taskRetrieved(this as Task<unknown>)
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}
