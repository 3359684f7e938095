/**
 * The clocks on a loop: `Date`, `performance.now()`, `process.hrtime()`.
 *
 * `Date` is @sinonjs/fake-timers' kept implementation (a Date subclass behind
 * a Proxy: `new Date()`, `Date()`, `Date.now()`, `instanceof` and the static
 * methods behave), with its clock's `now` read from the loop: `loop.now()`,
 * the virtual wall clock. `performance.now()` and `process.hrtime()` read the
 * loop's time, which starts at 0.
 *
 * Busy-waiting. `while (Date.now() - start < ms);` never gives the loop a
 * turn, so on a virtual clock it would spin forever. The policy: a read of a
 * virtual clock (Date.now, new Date(), performance.now, hrtime) counts as
 * *identical* when the loop's time has not moved since the previous read and
 * no real macrotask has begun since (a sync stretch of code, or one callback
 * and the promise jobs it queued). After `spinReads` (10,000) identical reads,
 * every further one moves the loop's time forward by `spinStep` (1 ms), as
 * the real clock would move under a blocked event loop. Timers that this
 * passes do not fire inside the busy code (nothing runs there): they run on
 * the loop's next pass, late, in due order, as Node runs timers after a
 * blocking callback. Nothing fires out of order and time never goes back.

 * @internal
 */
import { createRequire } from 'node:module'
import type FakeTimersModule from '@sinonjs/fake-timers'
import type { EventLoop } from '../loop/event-loop.ts'
import { host } from '../loop/internal/host.ts'
import { invalidArgType, outOfRange } from './internal/node-errors.ts'
import { loopFor, original } from './route.ts'

/**
 * Required, not imported: an `import` of this CommonJS package makes Node
 * parse its source for named exports first (cjs-module-lexer), which tripled
 * its load (about 35 ms of CPU against 12 ms, in every test worker). Loaded
 * with this module, as before: it probes the global setTimeout as it loads.
 */
const FakeTimers = createRequire(import.meta.url)('@sinonjs/fake-timers') as typeof FakeTimersModule

/** Identical reads in one stretch before the clock starts to move by itself. */
export const spinReads = 10_000
/** Milliseconds each further identical read moves the clock. */
export const spinStep = 1

let spinLoop: EventLoop | undefined
let spinAt = Number.NaN
let spinCount = 0
let spinArmed = false

function resetSpin(): void {
  spinArmed = false
  spinCount = 0
  spinLoop = undefined
}

/** Counts a read of `loop`'s clock and applies the busy-wait policy. @internal */
export function noteClockRead(loop: EventLoop): void {
  const t = loop.time()
  if (loop !== spinLoop || t !== spinAt) {
    spinLoop = loop
    spinAt = t
    spinCount = 0
  }
  if (++spinCount > spinReads) {
    loop._elapse(spinStep)
    spinAt = loop.time()
  }
  if (!spinArmed) {
    spinArmed = true
    // A new real macrotask ends the stretch: the next read starts counting afresh.
    host.setImmediate(resetSpin)
  }
}

/** Virtual epoch milliseconds for `Date`, or the real ones. */
function wallClock(): number {
  const loop = loopFor('Date')
  if (loop === undefined) return host.dateNow()
  noteClockRead(loop)
  return Math.floor(loop.now())
}

let virtualDate: DateConstructor | undefined

/** fake-timers' Date on the loop's wall clock, made once. */
function makeVirtualDate(): DateConstructor {
  if (virtualDate !== undefined) return virtualDate
  // A global of our own so that fake-timers takes the real Date and Intl and
  // does not probe the (maybe patched) global setTimeout.
  const clock = FakeTimers.withGlobal({ Date: host.Date, Intl: globalThis.Intl }).createClock(0)
  Object.defineProperty(clock, 'now', { get: wallClock, set: () => {}, configurable: true })
  // fake-timers names its class ClockDate; `Date.name` is 'Date' on the host.
  Object.defineProperty(clock.Date, 'name', { value: 'Date', configurable: true })
  // fake-timers marks its Date `isFake`, and then refuses to install over it: a
  // test that calls vi.useFakeTimers() on top of virtual time must still work.
  Object.defineProperty(clock.Date, 'isFake', { value: false, configurable: true, writable: true })
  virtualDate = clock.Date
  return virtualDate
}

/**
 * The `Date` that replaces the global one: fake-timers' Date, on the loop's
 * wall clock. Loaded with this module, not on first use: fake-timers probes
 * the global setTimeout when it loads, which must be the host's (not ours,
 * nor a test's stand-in), and every test file of the plugin installs virtual
 * time at once anyway. Not a lazy Proxy either: that would put a trap on
 * every `Date.now()` of the code under test.
 * @internal
 */
export function getVirtualDate(): DateConstructor {
  return makeVirtualDate()
}

/** `performance.now()` on the loop: its time, from 0. @internal */
export function performanceNow(this: unknown): number {
  const loop = loopFor('performance')
  if (loop === undefined) return host.now()
  noteClockRead(loop)
  return loop.time()
}

function split(ms: number): [number, number] {
  const sec = Math.floor(ms / 1000)
  const nsec = Math.round((ms - sec * 1000) * 1e6)
  return nsec >= 1e9 ? [sec + 1, nsec - 1e9] : [sec, nsec]
}

/** `process.hrtime(time?)` on the loop: its time, from 0, as [seconds, nanoseconds]. @internal */
export function hrtime(time?: [number, number]): [number, number] {
  const loop = loopFor('hrtime')
  if (loop === undefined) return original<typeof process.hrtime>('process.hrtime')(time)
  if (time !== undefined) {
    if (!Array.isArray(time)) throw invalidArgType('time', 'an instance of Array', time)
    if (time.length !== 2) throw outOfRange('time', '2', time.length)
  }
  noteClockRead(loop)
  const [sec, nsec] = split(loop.time())
  if (time === undefined) return [sec, nsec]
  const s = sec - time[0]
  const n = nsec - time[1]
  return n < 0 ? [s - 1, n + 1e9] : [s, n]
}

/** `process.hrtime.bigint()` on the loop: its time in nanoseconds, from 0. @internal */
hrtime.bigint = function bigint(): bigint {
  const loop = loopFor('hrtime')
  if (loop === undefined) return original<typeof process.hrtime>('process.hrtime').bigint()
  noteClockRead(loop)
  const ms = loop.time()
  const whole = Math.floor(ms)
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6))
}
