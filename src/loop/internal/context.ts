/**
 * Which loop runs this code, typed with the classes: the state of
 * `internal/context-state.ts` as the code above EventLoop (the registry,
 * src/time, src/vitest) reads it. Code below EventLoop imports
 * `context-state.ts` instead, so that no import runs back up.
 * @internal
 */
import type { EventLoop } from '../event-loop.ts'
import type { Task } from '../task.ts'
import { shared as state } from './context-state.ts'
import type { SharedContext } from './context-state.ts'

/** Shared by every copy of the module so that two copies agree on what runs. */
export const shared = state as unknown as SharedContext<EventLoop, Task<unknown>>

/** The loop running this code, if any (closed loops do not count). */
export function currentLoop(): EventLoop | undefined {
  const loop = shared.executing ?? shared.storage.getStore()?.loop
  return loop === undefined || loop.isClosed() ? undefined : loop
}
