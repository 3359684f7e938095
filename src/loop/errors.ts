/**
 * Every error class vitest-loop throws, in one place.
 *
 * Each class has a literal `name` (what Vitest prints before the message) and a
 * stable `code` (what a program matches on). Misuse of the loop gets one of the
 * state errors below; a bug of ours gets `InternalError`.
 */

/** Base class of every vitest-loop error. */
export class LoopError extends Error {
  override readonly name: string = 'LoopError'
  readonly code: string = 'ERR_LOOP'
}

/**
 * Work was scheduled on, or a run was asked of, a closed loop.
 *
 * @example
 * loop.close()
 * loop.callSoon(fn) // throws LoopClosedError: Event loop is closed
 */
export class LoopClosedError extends LoopError {
  override readonly name = 'LoopClosedError'
  override readonly code = 'ERR_LOOP_CLOSED'
  constructor(message = 'Event loop is closed', options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * The loop is running and the call needs it stopped (close, a second run, a
 * time-travel call from inside a callback).
 */
export class LoopRunningError extends LoopError {
  override readonly name = 'LoopRunningError'
  override readonly code = 'ERR_LOOP_RUNNING'
  constructor(message = 'This event loop is already running', options?: ErrorOptions) {
    super(message, options)
  }
}

/** No loop is running this code (`getRunningLoop`) or none is current (`getEventLoop`). */
export class NoCurrentLoopError extends LoopError {
  override readonly name = 'NoCurrentLoopError'
  override readonly code = 'ERR_NO_CURRENT_LOOP'
  constructor(message = 'no running event loop', options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * A task was cancelled. `reason` is what was passed to `task.cancel(reason)`.
 *
 * @example
 * task.cancel('shutting down')
 * await task // rejects with CancelledError: shutting down
 */
export class CancelledError extends LoopError {
  override readonly name = 'CancelledError'
  override readonly code = 'ERR_CANCELLED'
  readonly reason: unknown
  constructor(reason?: unknown, options?: ErrorOptions) {
    super(
      reason === undefined ? 'Task was cancelled' : reason instanceof Error ? reason.message : String(reason),
      options,
    )
    this.reason = reason
  }
}

/** `loop.timeout(ms, promise)` ran out of (virtual) time. */
export class TimeoutError extends LoopError {
  override readonly name = 'TimeoutError'
  override readonly code = 'ERR_TIMEOUT'
  constructor(message = 'Operation timed out', options?: ErrorOptions) {
    super(message, options)
  }
}

/** A task or handle is not in the state the call needs (`result()` of a pending task). */
export class InvalidStateError extends LoopError {
  override readonly name = 'InvalidStateError'
  override readonly code = 'ERR_INVALID_STATE'
}

/**
 * `runUntilComplete` waits on something that can never settle: nothing is
 * scheduled on the loop and no real I/O is in flight. The message lists every
 * pending task and where it was created.
 */
export class DeadlockError extends LoopError {
  override readonly name = 'DeadlockError'
  override readonly code = 'ERR_DEADLOCK'
}

/**
 * A time-travel call ran more callbacks than `loopLimit` allows: an interval or
 * a callback that keeps rescheduling itself. The message names where the last
 * callback was created.
 */
export class LoopLimitError extends LoopError {
  override readonly name = 'LoopLimitError'
  override readonly code = 'ERR_LOOP_LIMIT'
}

/** One finding of the sanitizer: work a test left behind on its loop. */
export class LeakError extends LoopError {
  override readonly name = 'LeakError'
  override readonly code = 'ERR_LOOP_LEAK'
}

/**
 * Debug mode: a callback, or a step of a task, ran longer than
 * `slowCallbackDuration` of real time (a warning by default; a failure with
 * `onSlow: 'fail'`). The message names where it was scheduled and how long it took.
 */
export class SlowCallbackError extends LoopError {
  override readonly name = 'SlowCallbackError'
  override readonly code = 'ERR_SLOW_CALLBACK'
}

/**
 * Debug mode: the last events of a failing test's loop (what was scheduled,
 * fired, cancelled; tasks; time jumps), shown after the test's errors. Not a
 * failure of its own: it is reported only for a test that failed.
 */
export class TimelineReport extends LoopError {
  override readonly name = 'TimelineReport'
  override readonly code = 'ERR_LOOP_TIMELINE'
}

/** A bug in vitest-loop itself. */
export class InternalError extends LoopError {
  override readonly name = 'InternalError'
  override readonly code = 'ERR_LOOP_INTERNAL'
  constructor(message: string, options?: ErrorOptions) {
    super(`${message} (this is a bug in vitest-loop, please report it)`, options)
  }
}
