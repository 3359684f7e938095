/**
 * Node's Timeout and Immediate on a loop.
 *
 * A `Timeout` (what setTimeout and setInterval return) and an `Immediate`
 * (setImmediate) are the objects Node hands out: ref/unref/hasRef,
 * refresh/close and `Symbol.toPrimitive` on a Timeout, `Symbol.dispose` on
 * both. Behind each is a loop handle: a `TimeoutHandle` (a TimerHandle on the
 * loop's heap) or an `ImmediateHandle` (a Handle on the ready queue, as
 * callSoon). The object the user sees is not the handle itself because Node's
 * `timeout.ref()` method and the loop's `handle.ref` flag share a name; the
 * sanitizer reads the flag, the user calls the method.
 *
 * Node's rules, from lib/internal/timers.js and lib/timers.js (v20):
 * - the delay is coerced with `after *= 1`; below 1, above 2^31-1 or NaN it
 *   becomes 1 (above 2^31-1 with a TimeoutOverflowWarning); then truncated;
 * - an interval is put back after its callback returns, `repeat` after the
 *   time it started (which on the loop is its due time);
 * - refresh() puts the timer back at now + delay, also after it fired; after
 *   clearTimeout it does nothing;
 * - the callback runs with the Timeout (or Immediate) as `this`, in the async
 *   context where it was scheduled (an AsyncResource made at schedule time:
 *   AsyncLocalStorage stores set around setTimeout are seen in the callback).
 * - Node's fields read as on Node (test/unit/timers-node-fields.test.ts
 *   compares them with a child process on real timers): `_idleTimeout`,
 *   `_onTimeout`, `_repeat`, `_idleStart` (loop time), `_destroyed`, and
 *   `_onImmediate` / `_destroyed` on an Immediate; getters over the handle,
 *   so a pending timer costs no more memory.
 * - each Timeout and Immediate is an AsyncResource, as Node's own objects
 *   are async resources (with the same async id fields).
 * @internal
 */
import '../loop/internal/dispose.ts' // first: the dispose methods below need Symbol.dispose
import { AsyncResource } from 'node:async_hooks'
import type { EventLoop } from '../loop/event-loop.ts'
import { Handle, TimerHandle } from '../loop/handle.ts'
import type { HandleKind } from '../loop/handle.ts'
import type { Origin } from '../loop/trace.ts'
import { timeState } from './route.ts'
import { host } from '../loop/internal/host.ts'

/**
 * What Node leaves in `_onTimeout` / `_onImmediate` once a timer is cleared or
 * an immediate has run: null up to Node 22, undefined from Node 24. Read off
 * the host's own Immediate once (a host whose timers are not Node's: null).
 */
const gone: null | undefined = (() => {
  try {
    const probe = host.setImmediate(() => {}) as unknown
    host.clearImmediate(probe as never)
    return typeof probe === 'object' && probe !== null && '_onImmediate' in probe && (probe as { _onImmediate: unknown })._onImmediate === undefined
      ? undefined
      : null
  } catch {
    return null
  }
})()

/** Largest delay Node accepts; anything above becomes 1. */
export const TIMEOUT_MAX = 2 ** 31 - 1

/**
 * Node's delay rule: coerce to a number, turn what is below 1, above 2^31-1
 * or NaN into 1 (warning on overflow, with Node's text), truncate.
 */
export function coerceDelay(after: unknown): number {
  let ms = (after as number) * 1
  if (!(ms >= 1 && ms <= TIMEOUT_MAX)) {
    if (ms > TIMEOUT_MAX) {
      process.emitWarning(
        `${ms} does not fit into a 32-bit signed integer.\nTimeout duration was set to 1.`,
        'TimeoutOverflowWarning',
      )
    }
    ms = 1
  }
  return Math.trunc(ms)
}

type Callback = (...args: any[]) => unknown

/** The TimeoutHandle whose callback runs now (what `_onTimeout` reads once that callback cleared it). */
let runningTimeout: TimeoutHandle | undefined

/** The loop side of a Timeout. @internal */
export class TimeoutHandle extends TimerHandle {
  /** The Timeout the user holds: `this` of the callback, and the async resource it runs in. */
  readonly _timeout: Timeout

  // Once clearTimeout was called the callback is gone (`_callback` undefined,
  // also for a timeout that fired): refresh() does nothing from then on. No
  // flag of its own, as no field says interval: a pending timer stays small.
  constructor(loop: EventLoop, timeout: Timeout, delay: number, callback: Callback, args: readonly unknown[] | undefined, trace: Origin) {
    super(loop, loop.time() + delay, delay, callback, args, trace)
    this._timeout = timeout
  }

  /** The period of an interval (IntervalHandle); null for a one-shot timeout. */
  get _repeat(): number | null {
    return null
  }

  override get kind(): HandleKind {
    return 'timeout'
  }

  /** The loop it is on (the owner every handle has). */
  get _loop(): EventLoop {
    return this._owner as EventLoop
  }

  override _run(): void {
    // refresh() after the loop took this timer off the heap put it back: the new entry runs it.
    if (this._inHeap) return
    const callback = this._callback!
    const args = this._args
    const start = this._loop.time()
    // Unlike a plain handle, keep the callback: refresh() may run it again.
    // 'running' until the callback returns (Node's `_destroyed` is false in
    // there); clearTimeout makes it 'cancelled', refresh() 'pending'.
    this._state = 'running'
    const outer = runningTimeout
    runningTimeout = this
    try {
      const timeout = this._timeout
      if (args === undefined) timeout.runInAsyncScope(callback, timeout)
      else timeout.runInAsyncScope(callback, timeout, ...args)
    } finally {
      runningTimeout = outer
      if (this._state === 'running') {
        if (this._repeat === null) {
          this._state = 'done'
          this._timeout._forget()
        } else {
          this.when = start + this._repeat
          this._loop._schedule(this)
        }
      }
    }
  }

  /** Back on the heap at now + delay, as Node's refresh(). */
  _refresh(): void {
    if (this._callback === undefined || this._loop.isClosed()) return
    this.when = this._loop.time() + this.delay
    this._loop._schedule(this)
  }
}

/** The loop side of an interval's Timeout: put back `delay` after each run started. @internal */
export class IntervalHandle extends TimeoutHandle {
  override get _repeat(): number {
    return this.delay
  }

  override get kind(): HandleKind {
    return 'interval'
  }
}

/**
 * ref/unref/hasRef, which Node's Timeout and Immediate share: the loop handle's `ref` flag.
 * Each is its own async resource, as Node's are (its async id, and the async
 * context its callback runs in, taken where it was scheduled): no second
 * object per timer.
 */
abstract class Refable extends AsyncResource {
  /** @internal */ abstract readonly _handle: Handle

  /** Makes the timer keep the loop's work alive again (the default). */
  ref(): this {
    this._handle.ref = true
    return this
  }

  /** Makes the timer not count as pending work: never reported as a leak. */
  unref(): this {
    this._handle.ref = false
    return this
  }

  hasRef(): boolean {
    return this._handle.ref
  }
}

/**
 * The number of each Timeout turned into one (`+timeout`), which clearTimeout
 * accepts in its place. Few are: a map beside them rather than a field in
 * every pending timer.
 */
const primitiveIds = new WeakMap<Timeout, number>()

/**
 * What setTimeout and setInterval return while virtual time is installed:
 * Node's Timeout, on a loop.
 *
 * @example
 * const t = setTimeout(poll, 1000).unref()
 * t.refresh()          // due again 1000 ms from now
 * clearTimeout(+t)     // a Timeout turned into a number can be cleared by it
 */
export class Timeout extends Refable {
  /** @internal */ readonly _handle: TimeoutHandle

  /** @internal */
  constructor(loop: EventLoop, callback: Callback, delay: number, repeat: boolean, args: readonly unknown[] | undefined, trace: Origin) {
    super('Timeout')
    this._handle = repeat ? new IntervalHandle(loop, this, delay, callback, args, trace) : new TimeoutHandle(loop, this, delay, callback, args, trace)
  }

  // Node's own fields (lib/internal/timers.js), which libraries and their
  // tests read. Getters on the handle: no store per timer.

  /** The delay after Node's coercion (`setTimeout(f, 2 ** 31)` keeps 1); -1 once cleared before it fired. */
  get _idleTimeout(): number {
    return this._handle._state === 'cancelled' ? -1 : this._handle.delay
  }

  /** The callback; after clearTimeout what Node leaves there (`gone`). */
  get _onTimeout(): Callback | null | undefined {
    const handle = this._handle
    const callback = handle._callback
    if (callback !== undefined) return callback
    // Node 24 leaves undefined there once cleared, but null while the callback that cleared it runs.
    return handle._state === 'cancelled' && runningTimeout === handle ? null : gone
  }

  /** The period of an interval, null for a timeout. */
  get _repeat(): number | null {
    return this._handle._repeat
  }

  /** Loop time when it was scheduled, refreshed or re-armed (Node: the libuv loop time). */
  get _idleStart(): number {
    return this._handle.when - this._handle.delay
  }

  /** True once it fired (a timeout, after its callback returned) or was cleared. */
  get _destroyed(): boolean {
    const state = this._handle._state
    return state === 'done' || state === 'cancelled'
  }

  /** Due again `delay` ms from now (also after it fired); does nothing after clearTimeout. */
  refresh(): this {
    this._handle._refresh()
    const id = primitiveIds.get(this)
    if (id !== undefined && this._handle.pending) timeState.byId[id] = this
    return this
  }

  /** clearTimeout(this). */
  close(): this {
    this._clear()
    return this
  }

  /** A number that clearTimeout and clearInterval accept in place of this object. */
  [Symbol.toPrimitive](): number {
    let id = primitiveIds.get(this)
    if (id === undefined) primitiveIds.set(this, (id = timeState.nextId++))
    if (this._handle._callback !== undefined) timeState.byId[id] = this
    return id
  }

  [Symbol.dispose](): void {
    this._clear()
  }

  /** @internal */
  _clear(): void {
    const handle = this._handle
    handle.cancel()
    // A timeout that fired keeps its callback for refresh(); cleared, it is gone too.
    handle._callback = undefined
    handle._args = undefined
    this._forget()
  }

  /** @internal */
  _forget(): void {
    const id = primitiveIds.get(this)
    if (id !== undefined) delete timeState.byId[id]
  }
}

/** The loop side of an Immediate: a ready-queue handle, as callSoon. @internal */
export class ImmediateHandle extends Handle {
  /** The Immediate the user holds: `this` of the callback, and the async resource it runs in. */
  readonly _immediate: Immediate

  constructor(loop: EventLoop, immediate: Immediate, callback: Callback, args: readonly unknown[] | undefined, trace: Origin) {
    super(loop, callback, args, trace)
    this._immediate = immediate
  }

  override get kind(): HandleKind {
    return 'immediate'
  }

  override _run(): void {
    const callback = this._callback!
    const args = this._args
    this._state = 'done'
    this._args = undefined
    // Node's `_onImmediate` is the callback while it runs, null after.
    try {
      const immediate = this._immediate
      if (args === undefined) immediate.runInAsyncScope(callback, immediate)
      else immediate.runInAsyncScope(callback, immediate, ...args)
    } finally {
      this._callback = undefined
    }
  }
}

/**
 * What setImmediate returns while virtual time is installed: Node's Immediate,
 * on a loop's ready queue.
 *
 * @example
 * const i = setImmediate(flush)
 * clearImmediate(i)
 */
export class Immediate extends Refable {
  /** @internal */ readonly _handle: ImmediateHandle

  /** @internal */
  constructor(loop: EventLoop, callback: Callback, args: readonly unknown[] | undefined, trace: Origin) {
    super('Immediate')
    this._handle = new ImmediateHandle(loop, this, callback, args, trace)
  }

  /** Node's field: the callback until it runs or is cleared, then what Node leaves there (`gone`). */
  get _onImmediate(): Callback | null | undefined {
    return this._handle._callback ?? gone
  }

  /** Node's field: true from the moment it runs, or once cleared. */
  get _destroyed(): boolean {
    const state = this._handle._state
    return state === 'done' || state === 'cancelled'
  }

  [Symbol.dispose](): void {
    this._handle.cancel()
  }
}

/** Schedules a Timeout on `loop` (setTimeout / setInterval). @internal */
export function startTimeout(
  loop: EventLoop,
  callback: Callback,
  after: unknown,
  repeat: boolean,
  args: readonly unknown[] | undefined,
  trace: Origin,
): Timeout {
  loop._checkOpen()
  const timeout = new Timeout(loop, callback, coerceDelay(after), repeat, args, trace)
  loop._schedule(timeout._handle)
  return timeout
}

/** Queues an Immediate on `loop` (setImmediate). @internal */
export function startImmediate(loop: EventLoop, callback: Callback, args: readonly unknown[] | undefined, trace: Origin): Immediate {
  loop._checkOpen()
  const immediate = new Immediate(loop, callback, args, trace)
  loop._enqueue(immediate._handle)
  return immediate
}
