/**
 * The real clock and scheduler, captured when the bench loads: `vi.useFakeTimers()`
 * replaces `performance`, `setImmediate` and friends on the global object while a
 * workload runs, and the harness must keep measuring real time.
 */
import { performance } from 'node:perf_hooks'

export const realNow: () => number = performance.now.bind(performance)
export const realSetImmediate: typeof setImmediate = globalThis.setImmediate
export const realSetTimeout: typeof setTimeout = globalThis.setTimeout

/**
 * Empties the young generation (one scavenge) when node was started with
 * --expose-gc. Unlike a full collection it keeps optimized code.
 */
export function minorGc(): void {
  ;(globalThis as { gc?: (options: { type: 'minor' }) => void }).gc?.({ type: 'minor' })
}

/** Runs a full garbage collection when node was started with --expose-gc. */
export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc
  if (collect) {
    collect()
    collect()
  }
}
