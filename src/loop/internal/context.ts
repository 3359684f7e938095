/**
 * Which loop, and which task, the running code belongs to.
 *
 * While the loop calls a callback, `executing` names it (a plain variable: no
 * cost per callback). Code that continues after an `await` is found through
 * an AsyncLocalStorage store entered once per task and once per run, since
 * promise continuations keep the async context they were created in.
 * @internal
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { EventLoop } from '../event-loop.ts'
import type { Task } from '../task.ts'

export interface LoopContext {
  readonly loop: EventLoop
  readonly task: Task<unknown> | undefined
}

const key = Symbol.for('vitest-loop:context')
interface Shared {
  storage: AsyncLocalStorage<LoopContext>
  executing: EventLoop | undefined
  executingTask: Task<unknown> | undefined
  /** Told of every new loop: the Vitest layer tracks the loops a test makes. */
  onLoopCreated: ((loop: EventLoop) => void) | undefined
  /** The wall clock a new loop starts at when not given `now`; undefined: the real time. */
  defaultEpoch: (() => number | undefined) | undefined
}
/** Shared by every copy of the module so that two copies agree on what runs. */
export const shared: Shared = ((globalThis as Record<symbol, unknown>)[key] as Shared | undefined) ?? {
  storage: new AsyncLocalStorage<LoopContext>(),
  executing: undefined,
  executingTask: undefined,
  onLoopCreated: undefined,
  defaultEpoch: undefined,
}
shared.onLoopCreated ??= undefined
shared.defaultEpoch ??= undefined
;(globalThis as Record<symbol, unknown>)[key] = shared

/** The loop running this code, if any (closed loops do not count). */
export function currentLoop(): EventLoop | undefined {
  const loop = shared.executing ?? shared.storage.getStore()?.loop
  return loop === undefined || loop.isClosed() ? undefined : loop
}

/** The task running this code, if any. */
export function currentTaskOf(loop: EventLoop): Task<unknown> | undefined {
  if (shared.executing === loop && shared.executingTask !== undefined) return shared.executingTask
  const store = shared.storage.getStore()
  return store?.loop === loop ? store.task : undefined
}
