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
