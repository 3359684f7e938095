/**
 * `AbortSignal.timeout(delay)` on a loop: a signal that aborts with Node's
 * TimeoutError DOMException after `delay` ms of loop time. Its timer is
 * unref'd, as Node's is, so it is never reported as a leak.
 * @internal
 */
import type { EventLoop } from '../loop/event-loop.ts'
import type { Origin } from '../loop/trace.ts'
import { Timeout, coerceDelay } from './timers.ts'

export function timeoutSignalOn(loop: EventLoop, trace: Origin, delay: number): AbortSignal {
  loop._checkOpen()
  const controller = new AbortController()
  const abort = (): void => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
  loop._schedule(new Timeout(loop, abort, coerceDelay(delay), undefined, trace).unref())
  return controller.signal
}
