/**
 * The host's real clock and scheduling functions, captured once when the
 * first copy of vitest-loop loads, before anything is patched. Code in
 * vitest-loop calls these, never the globals a test may have replaced.
 * @internal
 */
import { performance as realPerformance } from 'node:perf_hooks'
import { Deque } from './deque.ts'

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
 * real event loop each. Immediates queued together run in one check phase,
 * and Node runs every process.nextTick callback and promise job between any
 * two of them, as between two of its timers; so resuming from one of a batch
 * of immediates armed at once gives what a fresh hop() gives (everything the
 * last callback queued has run) without an epoll call per callback. Batches
 * double while drivers keep waiting, up to `maxHopBatch`, and fall back to one
 * when an immediate finds nobody waiting (a leftover costs a no-op call);
 * real I/O and real timers still get a turn once per batch. The I/O probe
 * reads Node's live resource list on every call, so a driver that asks it
 * (the pump, runUntilComplete, runForever) sees I/O a callback started
 * whichever immediate resumed it.
 * @internal
 */
const maxHopBatch = 256
const hopWaiters = new Deque<() => void>()
let hopsArmed = 0
let hopBatch = 1

function releaseHop(): void {
  hopsArmed--
  const resolve = hopWaiters.shift()
  if (resolve === undefined) hopBatch = 1
  else resolve()
}

export function batchedHop(): Promise<void> {
  return new Promise((resolve) => {
    hopWaiters.push(resolve)
    if (hopWaiters.length > hopsArmed) {
      for (let i = 0; i < hopBatch; i++) host.setImmediate(releaseHop)
      hopsArmed += hopBatch
      if (hopBatch < maxHopBatch) hopBatch *= 2
    }
  })
}

