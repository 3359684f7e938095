// The worker side of vitest-loop as one script (dist/lib/runtime.cjs): its
// three entries, each a namespace. src/load.ts runs it; nothing imports this.
import * as api from './test-api.ts'
import { makeTest } from './vitest/fixture.ts'

export * as core from './core.ts'
export * as setup from './vitest/setup.ts'

let test: ReturnType<typeof makeTest> | undefined

/**
 * `vitest-loop`, its `test` made when first read: the script runs in every
 * worker, most of whose test files never import `vitest-loop` (the plugin
 * gives the plain `test` its `loop`), and `test.extend` costs about 1 ms.
 */
export const index: Record<string, unknown> = Object.defineProperty({ ...api }, 'test', {
  enumerable: true,
  get: () => (test ??= makeTest()),
})
