/**
 * The functions that replace the host's while virtual time is installed, by
 * the name of the property they replace (`globalThis.setTimeout`,
 * `node:timers/promises.scheduler.wait`, ...).
 *
 * Each one asks `loopFor(api)` which loop the call runs on and, when the
 * answer is none, calls the function it replaced, unchanged, with the same
 * `this` and arguments. They keep working after uninstall (they then always
 * answer real), so code that saved `globalThis.setTimeout` while virtual time
 * was installed, and calls it later, is still served.
 * @internal
 */
import { promisify } from 'node:util'
import { captureTrace } from '../loop/trace.ts'
import { timeoutSignalOn } from './abort-signal.ts'
import { cancelFrame, requestFrameOn } from './animation-frame.ts'
import { getVirtualDate, hrtime, performanceNow } from './clock.ts'
import { validateFunction, validateUint32 } from './internal/node-errors.ts'
import { immediateOn, intervalOn, sleepOn } from './promises.ts'
import { loopFor, original, timeState } from './route.ts'
import type { Fakeable } from './route.ts'
import { Immediate, Timeout, startImmediate, startTimeout } from './timers.ts'

type AnyFunction = (...args: any[]) => any

function restArgs(args: IArguments, from: number): unknown[] | undefined {
  if (args.length <= from) return undefined
  return Array.prototype.slice.call(args, from)
}

/**
 * clearTimeout / clearInterval of a virtual Timeout, or of the number it
 * turned into (either clears either kind, as in Node); false for anything
 * else, which goes to the host's function.
 */
function clearVirtual(timer: unknown): boolean {
  const known =
    timer instanceof Timeout
      ? timer
      : typeof timer === 'number' || typeof timer === 'string'
        ? timeState.byId[timer]
        : undefined
  if (known === undefined) return false
  known._clear()
  return true
}

/** timers/promises functions routed by `api`, falling back to the originals under `real` (a name prefix). */
function promisesApi(api: Fakeable, real: string) {
  function setTimeout(this: unknown, after?: unknown, value?: unknown, options?: unknown): Promise<unknown> {
    const loop = loopFor(api)
    if (loop === undefined) return Reflect.apply(original<AnyFunction>(`${real}.setTimeout`), this, arguments)
    return sleepOn(loop, captureTrace(setTimeout, loop), after, value, options)
  }
  function setImmediate(this: unknown, value?: unknown, options?: unknown): Promise<unknown> {
    const loop = loopFor(api)
    if (loop === undefined) return Reflect.apply(original<AnyFunction>(`${real}.setImmediate`), this, arguments)
    return immediateOn(loop, captureTrace(setImmediate, loop), value, options)
  }
  function setInterval(this: unknown, after?: unknown, value?: unknown, options?: unknown): AsyncGenerator<unknown> {
    const loop = loopFor(api)
    if (loop === undefined) return Reflect.apply(original<AnyFunction>(`${real}.setInterval`), this, arguments)
    return intervalOn(loop, captureTrace(setInterval, loop), after, value, options)
  }
  function wait(this: unknown, delay?: unknown, options?: unknown): Promise<void> {
    const loop = loopFor(api)
    if (loop === undefined) return Reflect.apply(original<AnyFunction>(`${real}.scheduler.wait`), this, arguments)
    return sleepOn(loop, captureTrace(wait, loop), delay, undefined, options)
  }
  // `yield` is a reserved word in strict code: name the function through its property.
  const schedulerYield = {
    yield(this: unknown): Promise<void> {
      const loop = loopFor(api)
      if (loop === undefined) return Reflect.apply(original<AnyFunction>(`${real}.scheduler.yield`), this, arguments)
      return immediateOn(loop, captureTrace(schedulerYield.yield, loop), undefined)
    },
  }
  return { setTimeout, setImmediate, setInterval, wait, yield: schedulerYield.yield }
}

/** The host setTimeout last probed, and whether it hands out numbers. */
let probedSetTimeout: AnyFunction | undefined
let probedNumbers = false

/**
 * Whether the host's `real.setTimeout` returns numbers, as a browser's does:
 * jsdom's window is the global in Vitest's vm pools. Our global setTimeout and
 * setInterval then return numbers too (which clearTimeout takes back, see
 * Timeout's Symbol.toPrimitive); elsewhere they return Node's Timeout objects,
 * as the host does (in the jsdom and happy-dom environments of the forks and
 * threads pools the global timers stay Node's). Probed once per host function.
 */
function hostReturnsNumbers(real: string): boolean {
  if (real !== 'globalThis') return false
  const set = original<AnyFunction>('globalThis.setTimeout')
  if (set !== probedSetTimeout) {
    // A real timer, cleared at once, as @sinonjs/fake-timers probes its global.
    const id: unknown = Reflect.apply(set, globalThis, [() => {}, 0])
    Reflect.apply(original<AnyFunction>('globalThis.clearTimeout'), globalThis, [id])
    probedSetTimeout = set
    probedNumbers = typeof id === 'number'
  }
  return probedNumbers
}

/** The six callback timer functions routed by the given apis, falling back to `real.<name>`. */
function timerApi(apis: { timeout: Fakeable; interval: Fakeable; immediate: Fakeable }, real: string) {
  const promises = promisesApi(apis.timeout, 'node:timers/promises')
  const promisesImmediate = promisesApi(apis.immediate, 'node:timers/promises')

  function setTimeout(this: unknown, callback: AnyFunction, after?: unknown): Timeout | number {
    const loop = loopFor(apis.timeout)
    if (loop === undefined) return Reflect.apply(original<AnyFunction>(`${real}.setTimeout`), this, arguments)
    validateFunction(callback, 'callback')
    const timeout = startTimeout(loop, callback, after, false, restArgs(arguments, 2), captureTrace(setTimeout, loop))
    return hostReturnsNumbers(real) ? +timeout : timeout
  }
  Object.defineProperty(setTimeout, promisify.custom, { value: promises.setTimeout, enumerable: true })

  function setInterval(this: unknown, callback: AnyFunction, repeat?: unknown): Timeout | number {
    const loop = loopFor(apis.interval)
    if (loop === undefined) return Reflect.apply(original<AnyFunction>(`${real}.setInterval`), this, arguments)
    validateFunction(callback, 'callback')
    const timeout = startTimeout(loop, callback, repeat, true, restArgs(arguments, 2), captureTrace(setInterval, loop))
    return hostReturnsNumbers(real) ? +timeout : timeout
  }

  function setImmediate(this: unknown, callback: AnyFunction): Immediate {
    const loop = loopFor(apis.immediate)
    if (loop === undefined) return Reflect.apply(original<AnyFunction>(`${real}.setImmediate`), this, arguments)
    validateFunction(callback, 'callback')
    return startImmediate(loop, callback, restArgs(arguments, 1), captureTrace(setImmediate, loop))
  }
  Object.defineProperty(setImmediate, promisify.custom, { value: promisesImmediate.setImmediate, enumerable: true })

  // Clearing follows the object, whichever loop it is on: no routing.
  function clearTimeout(this: unknown, timer?: unknown): void {
    if (!clearVirtual(timer)) Reflect.apply(original<AnyFunction>(`${real}.clearTimeout`), this, arguments)
  }
  function clearInterval(this: unknown, timer?: unknown): void {
    if (!clearVirtual(timer)) Reflect.apply(original<AnyFunction>(`${real}.clearInterval`), this, arguments)
  }
  function clearImmediate(this: unknown, immediate?: unknown): void {
    if (immediate instanceof Immediate) return immediate.cancel()
    return Reflect.apply(original<AnyFunction>(`${real}.clearImmediate`), this, arguments)
  }
  return { setTimeout, setInterval, setImmediate, clearTimeout, clearInterval, clearImmediate }
}

function timeout(this: unknown, delay: unknown): AbortSignal {
  const loop = loopFor('AbortSignal.timeout')
  if (loop === undefined) return Reflect.apply(original<AnyFunction>('AbortSignal.timeout'), this, arguments)
  validateUint32(delay, 'delay')
  return timeoutSignalOn(loop, captureTrace(timeout, loop), delay)
}

function requestAnimationFrame(this: unknown, callback: unknown): number {
  const loop = loopFor('requestAnimationFrame')
  if (loop === undefined) return Reflect.apply(original<AnyFunction>('globalThis.requestAnimationFrame'), this, arguments)
  if (typeof callback !== 'function') {
    // The WebIDL message of browsers and jsdom.
    throw new TypeError("Failed to execute 'requestAnimationFrame' on 'Window': parameter 1 is not of type 'Function'.")
  }
  return requestFrameOn(loop, callback as (time: number) => unknown, captureTrace(requestAnimationFrame, loop))
}

// Cancelling follows the id, whichever loop it is on: no routing.
function cancelAnimationFrame(this: unknown, id: unknown): void {
  if (cancelFrame(id)) return
  return Reflect.apply(original<AnyFunction>('globalThis.cancelAnimationFrame'), this, arguments)
}

let made: Map<string, unknown> | undefined

/** The replacement for each patchable property, made once. @internal */
export function replacements(): Map<string, unknown> {
  if (made !== undefined) return made
  const globals = timerApi({ timeout: 'setTimeout', interval: 'setInterval', immediate: 'setImmediate' }, 'globalThis')
  const module = timerApi({ timeout: 'node:timers', interval: 'node:timers', immediate: 'node:timers' }, 'node:timers')
  const promises = promisesApi('node:timers/promises', 'node:timers/promises')
  made = new Map<string, unknown>([
    ['globalThis.setTimeout', globals.setTimeout],
    ['globalThis.clearTimeout', globals.clearTimeout],
    ['globalThis.setInterval', globals.setInterval],
    ['globalThis.clearInterval', globals.clearInterval],
    ['globalThis.setImmediate', globals.setImmediate],
    ['globalThis.clearImmediate', globals.clearImmediate],
    ['globalThis.Date', getVirtualDate()],
    ['performance.now', performanceNow],
    ['process.hrtime', hrtime],
    ['AbortSignal.timeout', timeout],
    ['node:timers.setTimeout', module.setTimeout],
    ['node:timers.clearTimeout', module.clearTimeout],
    ['node:timers.setInterval', module.setInterval],
    ['node:timers.clearInterval', module.clearInterval],
    ['node:timers.setImmediate', module.setImmediate],
    ['node:timers.clearImmediate', module.clearImmediate],
    ['node:timers/promises.setTimeout', promises.setTimeout],
    ['node:timers/promises.setImmediate', promises.setImmediate],
    ['node:timers/promises.setInterval', promises.setInterval],
    ['node:timers/promises.scheduler.wait', promises.wait],
    ['node:timers/promises.scheduler.yield', promises.yield],
    ['globalThis.requestAnimationFrame', requestAnimationFrame],
    ['globalThis.cancelAnimationFrame', cancelAnimationFrame],
  ])
  return made
}

/** Which properties each Fakeable replaces. A clear function follows its set twin. @internal */
export const propertiesOf: Readonly<Record<Fakeable, readonly string[]>> = {
  setTimeout: ['globalThis.setTimeout', 'globalThis.clearTimeout', 'globalThis.clearInterval'],
  clearTimeout: ['globalThis.clearTimeout'],
  setInterval: ['globalThis.setInterval', 'globalThis.clearInterval', 'globalThis.clearTimeout'],
  clearInterval: ['globalThis.clearInterval'],
  setImmediate: ['globalThis.setImmediate', 'globalThis.clearImmediate'],
  clearImmediate: ['globalThis.clearImmediate'],
  Date: ['globalThis.Date'],
  performance: ['performance.now'],
  hrtime: ['process.hrtime'],
  'AbortSignal.timeout': ['AbortSignal.timeout'],
  'node:timers': [
    'node:timers.setTimeout',
    'node:timers.clearTimeout',
    'node:timers.setInterval',
    'node:timers.clearInterval',
    'node:timers.setImmediate',
    'node:timers.clearImmediate',
  ],
  'node:timers/promises': [
    'node:timers/promises.setTimeout',
    'node:timers/promises.setImmediate',
    'node:timers/promises.setInterval',
    'node:timers/promises.scheduler.wait',
    'node:timers/promises.scheduler.yield',
  ],
  requestAnimationFrame: ['globalThis.requestAnimationFrame', 'globalThis.cancelAnimationFrame'],
  cancelAnimationFrame: ['globalThis.cancelAnimationFrame'],
}

/** Properties patched only where the environment has them (jsdom, happy-dom): left alone where absent. @internal */
export const optionalProperties: ReadonlySet<string> = new Set(['globalThis.requestAnimationFrame', 'globalThis.cancelAnimationFrame'])
