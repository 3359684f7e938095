/**
 * The host's real clock and scheduling functions, captured once when the
 * first copy of vitest-loop loads, before anything is patched. Code in
 * vitest-loop calls these, never the globals a test may have replaced.
 * @internal
 */
import { performance as realPerformance } from 'node:perf_hooks'

export interface Host {
  readonly setImmediate: typeof globalThis.setImmediate
  readonly clearImmediate: typeof globalThis.clearImmediate
  readonly setTimeout: typeof globalThis.setTimeout
  readonly clearTimeout: typeof globalThis.clearTimeout
  readonly setInterval: typeof globalThis.setInterval
  readonly clearInterval: typeof globalThis.clearInterval
  readonly Date: DateConstructor
  readonly nextTick: typeof process.nextTick
  /** Real monotonic milliseconds. */
  readonly now: () => number
  /** Real wall-clock milliseconds. */
  readonly dateNow: () => number
}

const key = Symbol.for('vitest-loop:host')

function capture(): Host {
  const perfNow = realPerformance.now.bind(realPerformance)
  const RealDate = globalThis.Date
  const dateNow = RealDate.now.bind(RealDate)
  return Object.freeze({
    setImmediate: globalThis.setImmediate,
    clearImmediate: globalThis.clearImmediate,
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
    Date: RealDate,
    nextTick: process.nextTick,
    now: perfNow,
    dateNow,
  })
}

/** @internal */
export const host: Host = ((globalThis as Record<symbol, unknown>)[key] as Host | undefined) ?? capture()
;(globalThis as Record<symbol, unknown>)[key] = host

/** Resolves after one real macrotask: every promise job queued before it has run. @internal */
export function hop(): Promise<void> {
  return new Promise((resolve) => host.setImmediate(resolve))
}

/**
 * The wait between two callbacks of an async driver, without a trip round the
 * real event loop each, and without a promise: `next()` calls the step after
 * one real macrotask, from an immediate. Immediates queued together run in one
 * check phase, and Node runs every process.nextTick callback and promise job
 * between any two of them, as between two of its timers; so a step run from
 * one of a batch of immediates armed at once finds everything the last
 * callback queued has run, as after a fresh hop(), without an epoll call per
 * callback. And a callback called at the top of an immediate is followed by
 * its nextTick callbacks, then its promise jobs, as Node's own callbacks are.
 * Batches double while the step keeps asking, up to `maxHopBatch`, and fall
 * back to one when an immediate finds nothing to do (a leftover costs a no-op
 * call); real I/O and real timers still get a turn once per batch. One chain
 * per driver call: its immediates are armed in the driver's async context
 * (the first from the driver itself, the rest from the steps), so the
 * callbacks it runs see the context the driver was called in.
 * @internal
 */
const maxHopBatch = 256

/** @internal */
export class HopChain {
  #armed = 0
  #batch = 1
  #waiting = false
  readonly #step: () => void

  /** `step` must not throw: it runs at the top of a real immediate. */
  constructor(step: () => void) {
    this.#step = step
  }

  /** Calls the step after one real macrotask: once every nextTick callback and promise job queued before has run. */
  next(): void {
    this.#waiting = true
    if (this.#armed > 0) return
    const batch = this.#batch
    for (let i = 0; i < batch; i++) host.setImmediate(this.#release)
    this.#armed = batch
    if (batch < maxHopBatch) this.#batch = batch * 2
  }

  readonly #release = (): void => {
    this.#armed--
    if (!this.#waiting) {
      this.#batch = 1
      return
    }
    this.#waiting = false
    this.#step()
  }
}
