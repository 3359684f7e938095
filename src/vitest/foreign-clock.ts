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

/**
 * The fake clock another library installed over vitest-loop's globals, if
 * any: a value that is not ours and carries a clock with `uninstall`. Each
 * global is read by name: a read through a variable key cost five times as
 * much, twice a test. @internal
 */
export function foreignClock(): ForeignClock | undefined {
  return (
    clockOf(globalThis.setTimeout, 'globalThis.setTimeout') ??
    clockOf(globalThis.setInterval, 'globalThis.setInterval') ??
    clockOf(globalThis.setImmediate, 'globalThis.setImmediate') ??
    clockOf(globalThis.Date, 'globalThis.Date')
  )
}

/** The clock `value` carries, when it is a function that is not our patch under `key`. */
function clockOf(value: unknown, key: string): ForeignClock | undefined {
  if (typeof value !== 'function') return undefined
  const ours = timeState.patches.get(key)
  if (ours === undefined || ours.value === value) return undefined
  const clock = (value as { clock?: { uninstall?: unknown } }).clock
  return clock !== null && typeof clock === 'object' && typeof clock.uninstall === 'function' ? (clock as ForeignClock) : undefined
}
