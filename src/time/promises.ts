/**
 * node:timers/promises on a loop: setTimeout, setImmediate, the setInterval
 * async iterator, and scheduler.wait / scheduler.yield. The same code as
 * Node's lib/timers/promises.js (v20), on virtual Timeouts and Immediates:
 * the same argument checks, the same AbortError, the same order of events.
 * @internal
 */
import type { EventLoop } from '../loop/event-loop.ts'
import type { Origin } from '../loop/trace.ts'
import {
  AbortError,
  validateAbortSignal,
  validateBoolean,
  validateNumber,
  validateObject,
} from './internal/node-errors.ts'
import { Immediate, Interval, Timeout, coerceDelay } from './timers.ts'

interface TimerOptions {
  signal?: AbortSignal | undefined
  ref?: boolean | undefined
}

function checkOptions(options: unknown): asserts options is TimerOptions {
  validateObject(options, 'options')
  if (options.signal !== undefined) validateAbortSignal(options.signal, 'options.signal')
  if (options.ref !== undefined) validateBoolean(options.ref, 'options.ref')
}

const noOptions: TimerOptions = Object.freeze({})

function aborted(signal: AbortSignal | undefined): AbortError {
  return new AbortError(undefined, { cause: signal?.reason })
}

/**
 * A promise that the timer `arm` starts resolves, or that rejects with
 * AbortError (the timer cancelled) if `signal` aborts first: Node's shape for
 * timers/promises setTimeout and setImmediate.
 */
function armed<T>(signal: AbortSignal | undefined, arm: (resolve: (value: T) => void) => () => void): Promise<T> {
  if (signal?.aborted) return Promise.reject(aborted(signal))
  let onAbort: (() => void) | undefined
  const promise = new Promise<T>((resolve, reject) => {
    const cancel = arm(resolve)
    if (signal !== undefined) {
      onAbort = () => {
        cancel()
        reject(aborted(signal))
      }
      signal.addEventListener('abort', onAbort)
    }
  })
  return onAbort === undefined ? promise : promise.finally(() => signal!.removeEventListener('abort', onAbort!))
}

/** timers/promises `setTimeout(delay, value, { signal, ref })` on `loop`. */
export function sleepOn<T>(loop: EventLoop, trace: Origin, after: unknown, value: T, options: unknown = noOptions): Promise<T> {
  try {
    if (after !== undefined) validateNumber(after, 'delay')
    checkOptions(options)
  } catch (error) {
    return Promise.reject(error)
  }
  const { signal, ref = true } = options
  return armed<T>(signal, (resolve) => {
    loop._checkOpen()
    const timeout = new Timeout(loop, resolve, coerceDelay(after), [value], trace)
    if (!ref) timeout.unref()
    loop._schedule(timeout)
    return () => timeout._clear()
  })
}

/** timers/promises `setImmediate(value, { signal, ref })` on `loop`. */
export function immediateOn<T>(loop: EventLoop, trace: Origin, value: T, options: unknown = noOptions): Promise<T> {
  try {
    checkOptions(options)
  } catch (error) {
    return Promise.reject(error)
  }
  const { signal, ref = true } = options
  return armed<T>(signal, (resolve) => {
    loop._checkOpen()
    const immediate = new Immediate(loop, resolve, [value], trace)
    if (!ref) immediate.unref()
    loop._enqueue(immediate)
    return () => immediate.cancel()
  })
}

/** timers/promises `setInterval(delay, value, { signal, ref })` on `loop`: an async iterator. */
export async function* intervalOn<T>(
  loop: EventLoop,
  trace: Origin,
  after: unknown,
  value: T,
  options: unknown = noOptions,
): AsyncGenerator<T, void, unknown> {
  if (after !== undefined) validateNumber(after, 'delay')
  checkOptions(options)
  const { signal, ref = true } = options
  if (signal?.aborted) throw aborted(signal)
  let onAbort: (() => void) | undefined
  let interval: Timeout | undefined
  try {
    let notYielded = 0
    let wake: ((value?: unknown) => void) | undefined
    loop._checkOpen()
    interval = new Interval(
      loop,
      () => {
        notYielded++
        if (wake !== undefined) {
          wake()
          wake = undefined
        }
      },
      coerceDelay(after),
      undefined,
      trace,
    )
    if (!ref) interval.unref()
    loop._schedule(interval)
    if (signal !== undefined) {
      const timer = interval
      onAbort = () => {
        timer._clear()
        if (wake !== undefined) {
          wake(Promise.reject(aborted(signal)))
          wake = undefined
        }
      }
      signal.addEventListener('abort', onAbort, { once: true })
    }
    while (!signal?.aborted) {
      if (notYielded === 0) await new Promise((resolve) => (wake = resolve))
      for (; notYielded > 0; notYielded--) yield value
    }
    throw aborted(signal)
  } finally {
    interval?._clear()
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
  }
}
