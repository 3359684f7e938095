// The worker side of vitest-loop as one script (dist/lib/runtime.cjs): its
// three entries, each a namespace. src/load.ts runs it; nothing imports this.
export * as index from './index.ts'
export * as core from './core.ts'
export * as setup from './vitest/setup.ts'
