/**
 * Node's Timeout and Immediate on a loop.
 *
 * A `Timeout` (what setTimeout and setInterval return) and an `Immediate`
 * (setImmediate) are the objects Node hands out: ref/unref/hasRef,
 * refresh/close and `Symbol.toPrimitive` on a Timeout, `Symbol.dispose` on
 * both. Each is itself the loop's handle: a Timeout is a TimerHandle on the
 * loop's heap, an Immediate a Handle on the ready queue (as callSoon), and
 * ref/unref/hasRef are the handle's own methods. One object per timer, not a
 * Node-shaped object in front of a handle: 40 bytes less per pending timer
 * and one allocation less per setTimeout.
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
 *   `_onImmediate` / `_destroyed` on an Immediate; getters over the handle's
 *   fields, so a pending timer costs no more memory.
 * - each Timeout and Immediate is an async resource, as Node's own objects
 *   are (the same async id fields; no AsyncResource methods, as Node's have
 *   none), though its class extends the loop's handle: see `newResource`.
 * @internal
 */
import '../loop/internal/dispose.ts' // first: the dispose methods below need Symbol.dispose
import { AsyncResource } from 'node:async_hooks'
import type { EventLoop } from '../loop/event-loop.ts'
import { DONE, Handle, RUNNING, STATE, TimerHandle, UNREF, setHandleFields, setState, setTimerFields } from '../loop/handle.ts'
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

/**
 * An object of class `target` made by AsyncResource's constructor: an async
 * resource as Node's own timers are (a new async id, the trigger id Node
 * would give it, init hooks told, so an AsyncLocalStorage store set where it
 * was scheduled is seen when it runs), without AsyncResource in its class
 * chain. The caller sets the handle's fields. A derived constructor that
 * returns this object never calls super().
 */
function newResource<T>(type: typeof asTimeout | typeof asImmediate, target: Function): T {
  return Reflect.construct(AsyncResource, type, target) as T
}

// AsyncResource's arguments, made once: an array literal in newResource was
// an allocation in every setTimeout.
const asTimeout: readonly ['Timeout'] = Object.freeze(['Timeout'] as const)
const asImmediate: readonly ['Immediate'] = Object.freeze(['Immediate'] as const)

/**
 * AsyncResource's `runInAsyncScope` on a class made by `newResource`, which
 * the loop calls the callback with (hidden: Node's Timeout has no such method).
 */
function asResource(target: Function): void {
  Object.defineProperty(target.prototype, 'runInAsyncScope', { value: AsyncResource.prototype.runInAsyncScope, writable: true, configurable: true })
}

/** The Timeout whose callback runs now (what `_onTimeout` reads once that callback cleared it). */
let runningTimeout: Timeout | undefined

/**
 * The number of each Timeout turned into one (`+timeout`), which clearTimeout
 * accepts in its place. Few are: a map beside them rather than a field in
 * every pending timer.
 */
const primitiveIds = new WeakMap<Timeout, number>()

/**
 * What setTimeout returns while virtual time is installed: Node's Timeout, on
 * a loop (an interval's is an `Interval`, named Timeout as Node's is).
 *
 * @example
 * const t = setTimeout(poll, 1000).unref()
 * t.refresh()          // due again 1000 ms from now
 * clearTimeout(+t)     // a Timeout turned into a number can be cleared by it
 */
export class Timeout extends TimerHandle {
  /** @internal */
  // @ts-expect-error no super(): the object is made by AsyncResource's constructor (newResource)
  constructor(loop: EventLoop, callback: Callback, delay: number, args: readonly unknown[] | undefined, trace: Origin) {
    const self = newResource<Timeout>(asTimeout, new.target)
    setHandleFields(self, loop, callback, args, trace)
    setTimerFields(self, loop.time() + delay, delay)
    // Once clearTimeout was called the callback is gone (`_callback`
    // undefined, also for a timeout that fired): refresh() does nothing from
    // then on. No flag of its own, as no field says interval.
    return self
  }

  /** @internal */ declare runInAsyncScope: AsyncResource['runInAsyncScope']

  override get kind(): HandleKind {
    return 'timeout'
  }

  /** The loop it is on (the owner every handle has). @internal */
  get _loop(): EventLoop {
    return this._owner as EventLoop
  }

  /** @internal */
  override _run(): void {
    // refresh() after the loop took this timer off the heap put it back: the new entry runs it.
    if (this._inHeap) return
    const callback = this._callback!
    const args = this._args
    const start = this._loop.time()
    // Unlike a plain handle, keep the callback: refresh() may run it again.
    // 'running' until the callback returns (Node's `_destroyed` is false in
    // there); clearTimeout makes it 'cancelled', refresh() 'pending'.
    setState(this, RUNNING)
    const outer = runningTimeout
    runningTimeout = this
    try {
      if (args === undefined) this.runInAsyncScope(callback, this)
      else this.runInAsyncScope(callback, this, ...args)
    } finally {
      runningTimeout = outer
      if ((this._flags & STATE) === RUNNING) {
        const repeat = this._repeat
        if (repeat === null) {
          setState(this, DONE)
          this._forget()
        } else {
          this.when = start + repeat
          this._loop._schedule(this)
        }
      }
    }
  }

  // Node's own fields (lib/internal/timers.js), which libraries and their
  // tests read: getters over the handle's fields, no store per timer.

  /** The delay after Node's coercion (`setTimeout(f, 2 ** 31)` keeps 1); -1 once cleared before it fired. */
  get _idleTimeout(): number {
    return this.cancelled ? -1 : this.delay
  }

  /** The callback; after clearTimeout what Node leaves there (`gone`). */
  get _onTimeout(): Callback | null | undefined {
    const callback = this._callback
    if (callback !== undefined) return callback
    // Node 24 leaves undefined there once cleared, but null while the callback that cleared it runs.
    return this.cancelled && runningTimeout === this ? null : gone
  }

  /** The period of an interval, null for a timeout. */
  get _repeat(): number | null {
    return null
  }

  /** Loop time when it was scheduled, refreshed or re-armed (Node: the libuv loop time). */
  get _idleStart(): number {
    return this.when - this.delay
  }

  /** True once it fired (a timeout, after its callback returned) or was cleared. */
  get _destroyed(): boolean {
    return (this._flags & STATE) >= DONE
  }

  /** Due again `delay` ms from now (also after it fired); does nothing after clearTimeout. */
  refresh(): this {
    const loop = this._loop
    if (this._callback !== undefined && !loop.isClosed()) {
      this.when = loop.time() + this.delay
      loop._schedule(this)
    }
    const id = primitiveIds.get(this)
    if (id !== undefined && this.pending) timeState.byId[id] = this
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
    if (this._callback !== undefined) timeState.byId[id] = this
    return id
  }

  [Symbol.dispose](): void {
    this._clear()
  }

  /** @internal */
  _clear(): void {
    this.cancel()
    // A timeout that fired keeps its callback for refresh(); cleared, it is gone too.
    this._callback = undefined
    this._args = undefined
    this._forget()
  }

  /** @internal */
  _forget(): void {
    const id = primitiveIds.get(this)
    if (id !== undefined) delete timeState.byId[id]
  }
}
asResource(Timeout)

/** What setInterval returns: a Timeout put back `delay` after each run started. */
export class Interval extends Timeout {
  override get _repeat(): number {
    return this.delay
  }

  override get kind(): HandleKind {
    return 'interval'
  }
}
Object.defineProperty(Interval, 'name', { value: 'Timeout' })

/**
 * What setImmediate returns while virtual time is installed: Node's Immediate,
 * on a loop's ready queue.
 *
 * @example
 * const i = setImmediate(flush)
 * clearImmediate(i)
 */
export class Immediate extends Handle {
  /** @internal */
  // @ts-expect-error no super(): the object is made by AsyncResource's constructor (newResource)
  constructor(loop: EventLoop, callback: Callback, args: readonly unknown[] | undefined, trace: Origin) {
    const self = newResource<Immediate>(asImmediate, new.target)
    setHandleFields(self, loop, callback, args, trace)
    return self
  }

  /** @internal */ declare runInAsyncScope: AsyncResource['runInAsyncScope']

  override get kind(): HandleKind {
    return 'immediate'
  }

  /** @internal */
  override _run(): void {
    const callback = this._callback!
    const args = this._args
    this._flags = (this._flags & UNREF) | DONE
    this._args = undefined
    // Node's `_onImmediate` is the callback while it runs, null after.
    try {
      if (args === undefined) this.runInAsyncScope(callback, this)
      else this.runInAsyncScope(callback, this, ...args)
    } finally {
      this._callback = undefined
    }
  }

  /** Node's field: the callback until it runs or is cleared, then what Node leaves there (`gone`). */
  get _onImmediate(): Callback | null | undefined {
    return this._callback ?? gone
  }

  /** Node's field: true from the moment it runs, or once cleared. */
  get _destroyed(): boolean {
    return (this._flags & STATE) >= DONE
  }

  [Symbol.dispose](): void {
    this.cancel()
  }
}
asResource(Immediate)

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
  const delay = coerceDelay(after)
  const timeout = repeat ? new Interval(loop, callback, delay, args, trace) : new Timeout(loop, callback, delay, args, trace)
  loop._schedule(timeout)
  return timeout
}

/** Queues an Immediate on `loop` (setImmediate). @internal */
export function startImmediate(loop: EventLoop, callback: Callback, args: readonly unknown[] | undefined, trace: Origin): Immediate {
  loop._checkOpen()
  const immediate = new Immediate(loop, callback, args, trace)
  loop._enqueue(immediate)
  return immediate
}
