/**
 * Handles: a callback scheduled on a loop, and what `callSoon` / `callLater` /
 * `callAt` return so the caller can cancel it.
 */
import type { Origin, Trace } from './trace.ts'

/** What kind of work a handle is; the sanitizer names it in reports. */
export type HandleKind = 'callback' | 'timer' | 'timeout' | 'interval' | 'immediate' | 'animationFrame'

/** Where a handle is in its life. */
export type HandleState = 'pending' | 'running' | 'done' | 'cancelled'

/** The part of the loop a handle talks back to. @internal */
export interface HandleOwner {
  /** A queued timer was cancelled: count it towards compaction. */
  _timerCancelled(handle: TimerHandle): void
}

type Writable<T> = { -readonly [K in keyof T]: T[K] }

// A handle's `_flags`: its state in the low two bits, and the unref bit. One
// field, not a state and a ref flag: 8 bytes less in every pending timer.
// The states are numbered in the order of a handle's life: `cancel()` and a
// Timeout's `_destroyed` compare them. The hot paths (`_run`, `cancel`, an
// Immediate's `_run`) write the flags inline rather than through setState:
// three interleaved runs of A at 1e4 through the call all came out slower
// (7 to 26%, on a machine whose spread is as wide, but all the same way).
/** @internal */ export const PENDING = 0
/** @internal */ export const RUNNING = 1
/** @internal */ export const DONE = 2
/** @internal */ export const CANCELLED = 3
/** The state's bits of `_flags`. @internal */ export const STATE = 3
/** Set in `_flags` while the handle is unref'd. @internal */ export const UNREF = 4

/** Sets a handle's state, keeping its ref. @internal */
export function setState(handle: Handle, state: number): void {
  handle._flags = (handle._flags & UNREF) | state
}

/**
 * A handle's fields, in the order every handle has them. The constructors
 * call it, and so do src/time's Timeout and Immediate, which are made by
 * AsyncResource's constructor instead (timers.ts). @internal
 */
export function setHandleFields(
  handle: Handle,
  owner: HandleOwner,
  callback: (...args: any[]) => unknown,
  args: readonly unknown[] | undefined,
  origin: Origin,
): void {
  const h = handle as Writable<Handle>
  h._callback = callback
  h._args = args
  h._flags = PENDING
  h._owner = owner
  h._origin = origin
}

/** A timer handle's own fields, after setHandleFields. @internal */
export function setTimerFields(handle: TimerHandle, when: number, delay: number): void {
  handle.when = when
  handle._seq = 0
  handle.delay = delay
}

/**
 * A callback scheduled with `callSoon`. Cancel it before it runs and it never will.
 *
 * @example
 * const handle = loop.callSoon(() => console.log('never'))
 * handle.cancel()
 */
export class Handle {
  // The fields are declared and set in the constructor, in this order, rather
  // than initialized as class fields: V8 (Node 20) defines class fields through
  // a slower path, and every setTimeout makes a handle (17 -> 9 ns a handle).
  /** @internal */ declare _callback: ((...args: any[]) => unknown) | undefined
  /** @internal */ declare _args: readonly unknown[] | undefined
  /** Its state (PENDING, RUNNING, DONE, CANCELLED) and UNREF. @internal */ declare _flags: number
  /** @internal */ declare readonly _owner: HandleOwner
  /** Its Trace, or its creation number past the loop's trace budget (trace.ts). @internal */
  declare readonly _origin: Origin

  /** @internal */
  constructor(
    owner: HandleOwner,
    callback: (...args: any[]) => unknown,
    args: readonly unknown[] | undefined,
    origin: Origin,
  ) {
    setHandleFields(this, owner, callback, args, origin)
  }

  /**
   * What kind of work this is, for reports. A getter of each class, not a
   * field: a field is 8 more bytes in every pending timer.
   */
  get kind(): HandleKind {
    return 'callback'
  }

  /**
   * Where the handle was created: undefined when trace capture was off, or
   * when the handle was made past its loop's trace budget (option `traces`,
   * `LOOP_TRACES`; debug mode traces every handle).
   */
  get trace(): Trace | undefined {
    const origin = this._origin
    return typeof origin === 'object' ? origin : undefined
  }

  /**
   * Makes the handle keep the loop's work alive (the default): a pending
   * handle that is ref'd when a test ends is a leak. Node's names, as on a
   * Timeout: for setTimeout and setInterval the Timeout is the handle.
   */
  ref(): this {
    this._flags &= STATE
    return this
  }

  /** Makes the handle not count as pending work: never reported as a leak. */
  unref(): this {
    this._flags |= UNREF
    return this
  }

  /** Whether the loop waits for this handle. */
  hasRef(): boolean {
    return (this._flags & UNREF) === 0
  }

  /** True once `cancel()` was called before the callback ran. */
  get cancelled(): boolean {
    return (this._flags & STATE) === CANCELLED
  }

  /** True while the handle waits to run. */
  get pending(): boolean {
    return (this._flags & STATE) === PENDING
  }

  /** The function that runs, for reports and debugging. */
  get callback(): ((...args: any[]) => unknown) | undefined {
    return this._callback
  }

  /**
   * Stops the callback from running. Does nothing if it already ran or was
   * cancelled. Cancelling a running interval stops its next run.
   */
  cancel(): void {
    const flags = this._flags
    if ((flags & STATE) > RUNNING) return
    this._flags = (flags & UNREF) | CANCELLED
    this._callback = undefined
    this._args = undefined
  }

  /**
   * Runs the callback. Subclasses (intervals) override it to reschedule.
   * The loop catches what it throws.
   * @internal
   */
  _run(): void {
    const callback = this._callback!
    const args = this._args
    this._flags = (this._flags & UNREF) | DONE
    this._callback = undefined
    this._args = undefined
    if (args === undefined || args.length === 0) callback()
    else callback(...args)
  }
}

/**
 * A callback scheduled at a point in loop time (`callLater`, `callAt`, a timer).
 *
 * @example
 * const timer = loop.callLater(1000, tick)
 * timer.when // loop.time() + 1000
 */
export class TimerHandle extends Handle {
  /** Loop time (ms) at which the callback is due. */
  declare when: number
  /** Creation order, the tie-break between timers due at the same time. @internal */
  declare _seq: number
  /** The delay asked for, for reports. */
  declare delay: number

  /** @internal */
  constructor(
    owner: HandleOwner,
    when: number,
    delay: number,
    callback: (...args: any[]) => unknown,
    args: readonly unknown[] | undefined,
    origin: Origin,
  ) {
    super(owner, callback, args, origin)
    setTimerFields(this, when, delay)
  }

  override get kind(): HandleKind {
    return 'timer'
  }

  /**
   * True while a live entry for this handle sits in the loop's heap: the heap
   * stamps it with a seq on push and sets 0 when it pops it; cancelling sets
   * 0 too. No flag of its own: 8 bytes less per pending timer. @internal
   */
  get _inHeap(): boolean {
    return this._seq > 0
  }

  override cancel(): void {
    super.cancel()
    if (this._inHeap) {
      this._seq = 0
      this._owner._timerCancelled(this)
    }
  }
}
