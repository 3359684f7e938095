// vitest-loop's exports but `test` (src/index.ts adds it): all of
// vitest-loop/core, and what works with Vitest. Apart so that the one-script
// runtime (src/runtime.ts) can make `test` when it is first read.
import './vitest/augment.ts'

export * from './core.ts'
export { useLoop, useRealTime } from './vitest/use-loop.ts'

export type { Finding, FindingKind } from './check/index.ts'
export type { LeakAllow, LoopOptions, OnLeak, OnSlow } from './vitest/options.ts'
