/**
 * What a driver says when it cannot go on: the text of DeadlockError (an
 * awaited promise that nothing left on the loop can settle) and of
 * LoopLimitError (callbacks that never end), each naming the creation sites
 * that explain it. The drivers (drivers.ts) decide when; this room only
 * words it, from what it is given, so it knows no driver.
 * @internal
 */
import { DeadlockError, LoopLimitError } from './errors.ts'
import type { Handle } from './handle.ts'
import type { Task } from './task.ts'
import { formatOrigin } from './trace.ts'

/**
 * runUntilComplete waits on a promise while `loopName` has nothing scheduled
 * and no real I/O in flight: names every pending task, and what each
 * scheduled last (debug mode remembers it).
 */
export function deadlockError(loopName: string, tasks: readonly Task<unknown>[]): DeadlockError {
  const lines = tasks.map((task) => {
    // In a deadlock nothing is pending, so say what became of the task's last
    // handle rather than "waiting on".
    const last = task._waitingOn
    const at = last === undefined ? '' : `${last.kind} created at ${formatOrigin(last._origin)}`
    const on =
      last === undefined
        ? ''
        : last.pending
          ? `; waiting on ${at}`
          : `; the last thing it scheduled, a ${at}, ${last.cancelled ? 'was cancelled' : 'has run'}`
    return `  - Task '${task.name}' created at ${formatOrigin(task._origin)}${on}`
  })
  const body =
    tasks.length === 0
      ? 'No task is pending: the promise waits on something outside the loop that will never happen.'
      : `Pending tasks:\n${lines.join('\n')}`
  return new DeadlockError(
    `runUntilComplete() waits on a promise that can never settle: nothing is scheduled on ${loopName} and no real I/O is in flight.\n${body}`,
  )
}

/** A driver ran `loopLimit` callbacks (at one instant, or in all): names the creation site of `last`, the culprit. */
export function loopLimitError(loopLimit: number, last: Handle | undefined): LoopLimitError {
  const kind = last?.kind ?? 'callback'
  return new LoopLimitError(
    `Aborting after running ${loopLimit} callbacks (loopLimit), assuming an infinite loop; ` +
      `the last was ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} created at ${formatOrigin(last?._origin)}`,
  )
}
