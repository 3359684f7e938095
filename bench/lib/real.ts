/**
 * The real clock and scheduler, captured when the bench loads: `vi.useFakeTimers()`
 * replaces `performance`, `setImmediate` and friends on the global object while a
 * workload runs, and the harness must keep measuring real time.
 */
import { performance } from 'node:perf_hooks'

export const realNow: () => number = performance.now.bind(performance)
export const realSetImmediate: typeof setImmediate = globalThis.setImmediate
export const realSetTimeout: typeof setTimeout = globalThis.setTimeout

/** Runs a full garbage collection when node was started with --expose-gc. */
export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc
  if (collect) {
    collect()
    collect()
  }
}
