/**
 * `test`: Vitest's test with a `loop` fixture. The plain `test` from vitest
 * also gets `({ loop })` when the setup file is on; this one works in files
 * that build on it with `test.extend`, and types the fixture without the
 * module augmentation.
 */
import { test as vitestTest } from 'vitest'
import type { EventLoop } from '../loop/event-loop.ts'
import { useLoop } from './use-loop.ts'

/**
 * @example
 * import { test } from 'vitest-loop'
 * test('polls every second', async ({ loop }) => {
 *   const seen = await poll()
 *   expect(loop.time()).toBe(3000)
 * })
 */
export const test = /* @__PURE__ */ makeTest()

/**
 * Vitest's `test.extend`, which `test` above is made with: about 1 ms of a
 * worker's CPU. Pure: a bundle that does not read `test` drops the call
 * (src/runtime.ts makes it when the `vitest-loop` entry's `test` is first read).
 * @internal
 */
export function makeTest() {
  return vitestTest.extend<{ loop: EventLoop }>({
    // eslint-disable-next-line no-empty-pattern
    loop: async ({}, use) => {
      await use(useLoop())
    },
  })
}
