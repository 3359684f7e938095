/**
 * F: what a creation trace costs per handle: `n` callLater calls on one loop
 * with trace capture off, with a full trace on each (`traces: 'all'`, as under
 * LOOP_TRACES=all or debug mode), and as shipped (the default budget: the
 * first 1,000 creations of the loop traced), from a shallow stack and from
 * `depth` frames down (a test body sits about that deep under Vitest's runner).
 */
import { EventLoop, setTraceCapture } from '../../src/core.ts'
import { realNow } from '../lib/real.ts'

function atDepth<T>(depth: number, fn: () => T): T {
  return depth <= 0 ? fn() : atDepth(depth - 1, fn)
}

export type TraceMode = 'off' | 'all' | 'budget'

export function traceCost(mode: TraceMode, n: number, depth: number): () => number {
  const cb = (): void => {}
  return () => {
    setTraceCapture(mode !== 'off')
    const loop = new EventLoop(mode === 'all' ? { traces: 'all' } : {})
    const t0 = realNow()
    atDepth(depth, () => {
      for (let i = 0; i < n; i++) loop.callLater(1000, cb)
    })
    const ms = realNow() - t0
    loop.close()
    setTraceCapture(true)
    return ms
  }
}
