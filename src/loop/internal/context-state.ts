/**
 * Which loop, and which task, the running code belongs to: the state itself.
 *
 * While the loop calls a callback, `executing` names it (a plain variable: no
 * cost per callback). Code that continues after an `await` is found through
 * an AsyncLocalStorage store each task enters when it starts, since promise
 * continuations keep the async context they were created in.
 *
 * This file sits below everything else in src/loop (the scheduler, tasks and
 * the timing of task steps read it), so it knows a loop and a task only as
 * the small interfaces below. `internal/context.ts` hands the same object to
 * the code above EventLoop typed with the real classes.
 * @internal
 */
import { AsyncLocalStorage } from 'node:async_hooks'

/** A loop as the context state sees it; EventLoop implements it. @internal */
export interface ContextLoop {
  isClosed(): boolean
}

/** What a task's (or a run's) async context records. @internal */
export interface LoopContext<L extends ContextLoop = ContextLoop, T extends object = object> {
  readonly loop: L
  readonly task: T | undefined
}

/** The shared state; `L` and `T` are the loop and task classes of the code that reads it. @internal */
export interface SharedContext<L extends ContextLoop = ContextLoop, T extends object = object> {
  storage: AsyncLocalStorage<LoopContext<L, T>>
  executing: L | undefined
  executingTask: T | undefined
  /** Told of every new loop: the Vitest layer tracks the loops a test makes. */
  onLoopCreated: ((loop: L) => void) | undefined
  /** The wall clock a new loop starts at when not given `now`; undefined: the real time. */
  defaultEpoch: (() => number | undefined) | undefined
}

const key = Symbol.for('vitest-loop:context')
/** Shared by every copy of the module so that two copies agree on what runs. @internal */
export const shared: SharedContext = ((globalThis as Record<symbol, unknown>)[key] as SharedContext | undefined) ?? {
  storage: new AsyncLocalStorage<LoopContext>(),
  executing: undefined,
  executingTask: undefined,
  onLoopCreated: undefined,
  defaultEpoch: undefined,
}
shared.onLoopCreated ??= undefined
shared.defaultEpoch ??= undefined
;(globalThis as Record<symbol, unknown>)[key] = shared

/** The task running this code on `loop`, if any (an object of the task class). @internal */
export function currentTaskOf(loop: ContextLoop): object | undefined {
  if (shared.executing === loop && shared.executingTask !== undefined) return shared.executingTask
  const store = shared.storage.getStore()
  return store?.loop === loop ? store.task : undefined
}
