/**
 * Debug mode: slow task steps. A task's first step runs as a callback of the
 * loop and is timed where callbacks are called; every later step (the code
 * between one `await` and the next) runs as a promise job, outside the loop.
 * An async hook times those jobs: `before` and `after` bracket each one, and
 * the job belongs to the task whose async context it runs in (the store the
 * task entered when it started, which follows it across awaits). Only
 * top-level jobs are timed (nested scopes belong to the job around them), and
 * time spent in callbacks the loop called from inside a job (a driver resumed
 * in a task's context) is left out, since those are timed as callbacks.
 *
 * The hook is on only while a loop is in debug mode: async hooks make every
 * promise job call into JavaScript, a cost debug mode may pay and the default
 * mode must not. Its clock is the host's real monotonic clock, never a loop's.
 * @internal
 */
import { createHook } from 'node:async_hooks'
import type { AsyncHook } from 'node:async_hooks'
import type { Handle } from '../handle.ts'
import type { Task } from '../task.ts'
import { shared } from './context-state.ts'
import { host } from './host.ts'

/** What a loop in debug mode offers the hook. @internal */
export interface StepOwner {
  readonly slowCallbackDuration: number
  getDebug(): boolean
  /** A step of `task` ran `duration` real ms; `endedAt` is the handle it scheduled last, if it scheduled one. */
  _slowStep(task: Task<unknown>, duration: number, endedAt: Handle | undefined): void
}

interface Open {
  readonly id: number
  readonly start: number
  readonly inCallbacks: number
  readonly task: Task<unknown>
  readonly owner: StepOwner
  readonly waitingOn: Handle | undefined
}

interface StepState {
  readonly hook: AsyncHook
  readonly watched: WeakSet<object>
  watchers: number
  depth: number
  open: Open | undefined
  /** Real ms spent in callbacks the loop timed itself. */
  inCallbacks: number
}

const key = Symbol.for('vitest-loop:task-steps')

function makeState(): StepState {
  const state: StepState = {
    hook: createHook({
      before(id) {
        if (state.depth++ !== 0 || shared.executing !== undefined) return
        const context = shared.storage.getStore()
        const task = context?.task as Task<unknown> | undefined
        const owner = context?.loop as unknown as StepOwner | undefined
        if (task === undefined || owner === undefined || !owner.getDebug()) return
        state.open = { id, start: host.now(), inCallbacks: state.inCallbacks, task, owner, waitingOn: task._waitingOn }
      },
      after(id) {
        // Turned on inside a scope: its `after` comes without a `before`.
        if (state.depth > 0) state.depth--
        const open = state.open
        if (state.depth !== 0 || open === undefined || open.id !== id) return
        state.open = undefined
        const duration = host.now() - open.start - (state.inCallbacks - open.inCallbacks)
        if (duration < open.owner.slowCallbackDuration) return
        const last = open.task._waitingOn
        open.owner._slowStep(open.task, duration, last !== open.waitingOn ? last : undefined)
      },
    }),
    watched: new WeakSet(),
    watchers: 0,
    depth: 0,
    open: undefined,
    inCallbacks: 0,
  }
  return state
}

const state: StepState = ((globalThis as Record<symbol, unknown>)[key] as StepState | undefined) ?? makeState()
;(globalThis as Record<symbol, unknown>)[key] = state

/** Times the steps of `owner`'s tasks (on: debug mode turned on) or stops (off, or the loop closed). @internal */
export function watchTaskSteps(owner: StepOwner, on: boolean): void {
  if (on === state.watched.has(owner)) return
  if (on) {
    state.watched.add(owner)
    if (state.watchers++ === 0) {
      state.depth = 0
      state.open = undefined
      state.hook.enable()
    }
  } else {
    state.watched.delete(owner)
    if (--state.watchers === 0) state.hook.disable()
  }
}

/** The loop timed a callback itself: `ms` real milliseconds not to count again as a task step. @internal */
export function noteCallbackTime(ms: number): void {
  state.inCallbacks += ms
}
