/**
 * The clocks on a loop: `Date`, `performance.now()`, `process.hrtime()`.
 *
 * `Date` reads the loop's virtual wall clock, `loop.now()`, wherever it reads
 * the time (`new Date()`, `Date()`, `Date.now()`); everything else is the
 * host's Date (see `makeVirtualDate`). `performance.now()` and
 * `process.hrtime()` read the loop's time, which starts at 0.
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
import type { EventLoop } from '../loop/event-loop.ts'
import { host } from '../loop/internal/host.ts'
import { invalidArgType, outOfRange } from './internal/node-errors.ts'
import { loopFor, original } from './route.ts'

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

/**
 * The `Date` that replaces the global one. A function, not a class: `Date()`
 * without `new` returns the time as a string. It shares the host Date's
 * prototype, so a Date made before virtual time was installed, by
 * `structuredClone` or by code that kept the host Date is `instanceof` it, and
 * its instances are the host's (`new Date().constructor` is the host Date, as
 * for every Date made elsewhere). A subclass (`class Later extends Date`) gets
 * its own prototype through `new.target`. Its own statics are the host's
 * `parse` and `UTC` and a `now` on the loop's clock.
 *
 * vitest-loop used @sinonjs/fake-timers' Date here, which needed that package
 * (a CommonJS require of it and @sinonjs/commons) in every test worker: about
 * 8 ms of CPU per test file, for one function.
 * @internal
 */
function makeVirtualDate(): DateConstructor {
  const HostDate = host.Date
  function Date(this: unknown, ...args: unknown[]): unknown {
    if (new.target === undefined) return new HostDate(wallClock()).toString()
    return Reflect.construct(HostDate, args.length === 0 ? [wallClock()] : args, new.target)
  }
  Object.defineProperties(Date, {
    length: { value: HostDate.length },
    name: { value: 'Date' }, // a bundler may rename the function
    prototype: { value: HostDate.prototype, writable: false, enumerable: false, configurable: false },
    now: { value: function now(): number { return wallClock() }, writable: true, configurable: true },
    parse: { value: HostDate.parse, writable: true, configurable: true },
    UTC: { value: HostDate.UTC, writable: true, configurable: true },
  })
  return Date as unknown as DateConstructor
}

/** The virtual Date, made when this module loads. @internal */
const virtualDate = makeVirtualDate()

/** The `Date` that replaces the global one: reads the loop's wall clock. @internal */
export function getVirtualDate(): DateConstructor {
  return virtualDate
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
