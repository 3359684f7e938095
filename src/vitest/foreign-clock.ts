/**
 * Another fake clock on the globals: `sinon.useFakeTimers()` or
 * `@sinonjs/fake-timers`' `install()` replace `setTimeout`, `Date`, ... with
 * functions that carry their clock (`setTimeout.clock`, `Date.clock`). A test
 * that does it steps out of its loop (DESIGN.md): found here when its body
 * ends and when it ends.
 * @internal
 */

/** A clock another library installed, as fake-timers shapes it. */
export interface ForeignClock {
  uninstall(): unknown
}

import { timeState } from '../time/route.ts'

const names = ['setTimeout', 'setInterval', 'setImmediate', 'Date'] as const
/** The patches' keys of `names` (read twice per test: made once). */
const keys = names.map((name) => `globalThis.${name}`)

/**
 * The fake clock another library installed over vitest-loop's globals, if
 * any: a value that is not ours and carries a clock with `uninstall`. @internal
 */
export function foreignClock(): ForeignClock | undefined {
  const globals = globalThis as unknown as Record<string, unknown>
  for (let i = 0; i < names.length; i++) {
    const value = globals[names[i]!]
    const ours = timeState.patches.get(keys[i]!)
    if (typeof value !== 'function' || ours === undefined || ours.value === value) continue
    const clock = (value as { clock?: { uninstall?: unknown } }).clock
    if (clock !== null && typeof clock === 'object' && typeof clock.uninstall === 'function') return clock as ForeignClock
  }
  return undefined
}
