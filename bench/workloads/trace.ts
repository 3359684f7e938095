/**
 * F: what a creation trace costs per handle: `n` callLater calls with trace
 * capture on, then off, from a shallow stack and from `depth` frames down
 * (a test body sits about that deep under Vitest's runner).
 */
import { EventLoop, setTraceCapture } from '../../src/core.ts'
import { realNow } from '../lib/real.ts'

function atDepth<T>(depth: number, fn: () => T): T {
  return depth <= 0 ? fn() : atDepth(depth - 1, fn)
}

export function traceCost(on: boolean, n: number, depth: number): () => number {
  const cb = (): void => {}
  return () => {
    setTraceCapture(on)
    const loop = new EventLoop()
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
