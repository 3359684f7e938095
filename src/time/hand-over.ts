/**
 * Node's own plumbing that went through the patched globals (the undici
 * behind `fetch` queues a setImmediate to release a connection) is not the
 * test's work: when the test ends it is handed back to the real event loop
 * instead of being reported or cancelled, so the connection is still released.
 * @internal
 */
import type { EventLoop } from '../loop/event-loop.ts'
import { TimerHandle } from '../loop/handle.ts'
import { host } from '../loop/internal/host.ts'

/** Moves `loop`'s pending handles that Node's internals made onto the real timers. Returns how many. */
export function handNodeWorkToHost(loop: EventLoop): number {
  let moved = 0
  for (const handle of loop._pendingHandles()) {
    if (handle.trace?.byNode !== true) continue
    const callback = handle.callback
    if (callback === undefined || !handle.pending) continue
    const args = handle._args ?? []
    const delay = handle instanceof TimerHandle ? Math.max(0, handle.when - loop.time()) : -1
    const ref = handle.hasRef()
    handle.cancel()
    const real = delay < 0 ? host.setImmediate(() => callback(...args)) : host.setTimeout(() => callback(...args), delay)
    if (!ref) real.unref() // as Node made it: an unref'd timer keeps no process alive
    moved++
  }
  return moved
}
