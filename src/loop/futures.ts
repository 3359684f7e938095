/**
 * Promises that loop time settles: `loop.sleep` and `loop.timeout` (asyncio's
 * `sleep` and `wait_for`), each a timer on the loop's heap. The public class
 * checks the arguments and captures the trace and the error where the user
 * called; these build the promise.
 * @internal
 */
import { TimerHandle } from './handle.ts'
import type { HandleOwner } from './handle.ts'
import { Task } from './task.ts'
import type { Origin } from './trace.ts'

/** The loop as its futures see it; EventLoop implements it. @internal */
export interface FutureOwner extends HandleOwner {
  time(): number
  _schedule(handle: TimerHandle): void
}

/** loop.sleep: resolves with `value` after `ms`, or rejects with the signal's reason. @internal */
export function sleepOn<T>(loop: FutureOwner, ms: number, value: T | undefined, signal: AbortSignal | undefined, trace: Origin): Promise<T> {
  if (signal === undefined) {
    // No signal to listen to: the timer resolves the promise itself.
    let timer!: TimerHandle
    const promise = new Promise<T>((resolve) => {
      timer = new TimerHandle(loop, loop.time() + ms, ms, resolve, value === undefined ? undefined : [value], trace)
    })
    loop._schedule(timer)
    return promise
  }
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      timer.cancel()
      reject(signal.reason)
    }
    const timer = new TimerHandle(
      loop,
      loop.time() + ms,
      ms,
      () => {
        signal.removeEventListener('abort', onAbort)
        resolve(value as T)
      },
      undefined,
      trace,
    )
    loop._schedule(timer)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** loop.timeout: settles like `promise`, or rejects with `error` after `ms` (cancelling a task). @internal */
export function timeoutOn<T>(loop: FutureOwner, ms: number, promise: PromiseLike<T>, error: Error, trace: Origin): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = new TimerHandle(
      loop,
      loop.time() + ms,
      ms,
      () => {
        if (promise instanceof Task) promise.cancel(error)
        reject(error)
      },
      undefined,
      trace,
    )
    loop._schedule(timer)
    promise.then(
      (value) => {
        timer.cancel()
        resolve(value)
      },
      (reason: unknown) => {
        timer.cancel()
        reject(reason)
      },
    )
  })
}
