/**
 * The sanitizer's eyes: what a test left behind on a loop, read without
 * running anything (as Twisted's trial judges a dirty reactor: a callSoon
 * queued on the test's last line is work that outlived the test).
 */
import type { EventLoop, LoopSnapshot } from '../loop/event-loop.ts'
import { LoopLimitError } from '../loop/errors.ts'
import type { Handle, TimerHandle } from '../loop/handle.ts'
import type { Task } from '../loop/task.ts'
import { formatOrigin, formatSite, traceOf } from '../loop/trace.ts'
import type { Origin, StackFrame, Trace } from '../loop/trace.ts'

/** What kind of leak a finding is; also the order of the report. */
export type FindingKind =
  | 'unclosed-loop'
  | 'never-started'
  | 'pending-task'
  | 'pending-timer'
  | 'pending-callback'
  | 'exception-never-retrieved'
  | 'callback-error'
  | 'slow-callback'
  | 'unhandled-rejection'

/** One thing a test left behind. */
export interface Finding {
  readonly kind: FindingKind
  /** One sentence: what, and how to fix it. */
  readonly message: string
  /** Where it was made: the user's frames, innermost first. */
  readonly frames: readonly StackFrame[]
  /** Frames inside dependencies (node_modules) above the user's line, if any. */
  readonly via: readonly StackFrame[]
  /** The error behind it (a failed task, a throwing callback, a rejection). */
  readonly error?: unknown
  /** The loop it was found on; undefined for rejections outside any loop. */
  readonly loop: EventLoop | undefined
  /** Set for findings matched by an allowlist entry: reported, never failing. */
  readonly allowed?: boolean
  /**
   * Set when what it is about was made past its loop's trace budget (option
   * `traces`, `LOOP_TRACES`): its creation number in that loop. `frames` is
   * then empty; a replay with `LOOP_TRACES=all` names its line.
   */
  readonly untraced?: number
}

/** Whose loop is inspected: the test's own (closed by the fixture) or one the test made. */
export type LoopRole = 'test' | 'user'

export const findingOrder: readonly FindingKind[] = [
  'unclosed-loop',
  'never-started',
  'pending-task',
  'pending-timer',
  'pending-callback',
  'exception-never-retrieved',
  'callback-error',
  'slow-callback',
  'unhandled-rejection',
]

/** Splits a trace into the user's frames and the dependency frames above them. */
export function locate(trace: Trace | undefined): { frames: StackFrame[]; via: StackFrame[] } {
  return splitFrames(trace?.frames ?? [])
}

/** Splits frames (innermost first) into the user's and the dependency frames above them. */
export function splitFrames(all: readonly StackFrame[]): { frames: StackFrame[]; via: StackFrame[] } {
  const first = all.findIndex((frame) => !isDependency(frame.file))
  if (first === -1) return { frames: [], via: [...all] }
  return {
    via: all.slice(0, first),
    frames: all.slice(first).filter((frame) => !isDependency(frame.file)),
  }
}

/** The loop's `formatSite` (one rendering of a source site for every message), under the name src/vitest imports. */
export const siteText = formatSite

function isDependency(file: string): boolean {
  return file.includes('/node_modules/')
}

function ms(value: number): string {
  return `${Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(3)} ms`
}

function fnName(handle: Handle): string {
  const name = handle.callback?.name
  return name ? name : 'anonymous'
}

/** How a handle reads in a report: `setTimeout(tick, 5,000 ms)`. */
export function describeHandle(handle: Handle): string {
  const timer = handle as TimerHandle
  switch (handle.kind) {
    case 'timeout':
      return `setTimeout(${fnName(handle)}, ${ms(timer.delay)})`
    case 'interval':
      return `setInterval(${fnName(handle)}, ${ms(timer.delay)})`
    case 'immediate':
      return `setImmediate(${fnName(handle)})`
    case 'animationFrame':
      return `requestAnimationFrame(${fnName(handle)})`
    case 'timer':
      return `loop.callLater(${ms(timer.delay)}, ${fnName(handle)})`
    case 'callback':
      return `loop.callSoon(${fnName(handle)})`
  }
}

function isTimer(handle: Handle): handle is TimerHandle {
  return typeof (handle as TimerHandle).when === 'number'
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

/**
 * Reads a loop as the test left it and lists what is wrong, in report order.
 * Runs nothing and changes nothing.
 */
export function inspectLoop(snapshot: LoopSnapshot, role: LoopRole): Finding[] {
  const { loop } = snapshot
  const findings: Finding[] = []
  const add = (kind: FindingKind, message: string, origin: Origin, error?: unknown): void => {
    const untraced = typeof origin === 'number' ? { untraced: origin } : {}
    findings.push({ kind, message, ...locate(traceOf(origin)), error, loop, ...untraced })
  }

  if (role === 'user' && !snapshot.closed) {
    add(
      'unclosed-loop',
      `${loop.name} was created in this test and never closed: call loop.close() when done, or create it with \`using loop = newEventLoop()\``,
      snapshot.created,
    )
  }
  if (role === 'user' && !snapshot.everRan && snapshot.firstScheduled !== undefined) {
    add(
      'never-started',
      `${loop.name} had work scheduled but never ran (first scheduled at ${originSite(snapshot.firstScheduled)}): run it with loop.runUntilComplete(), loop.runForever() or a time-travel call`,
      snapshot.created,
    )
  }
  for (const task of snapshot.tasks) {
    add('pending-task', pendingTaskMessage(task), task._origin)
  }
  // A closed loop dropped its handles; an unclosed one still holds them.
  for (const handle of snapshot.handles) {
    // Unref'd work is exempt (Node would not wait for it); so is Node's own
    // plumbing scheduled through the globals (fetch's undici), which the
    // Vitest layer hands back to the real event loop.
    if (!handle.hasRef() || handle.trace?.byNode === true) continue
    if (isTimer(handle)) {
      add(
        'pending-timer',
        `pending ${describeHandle(handle)} due at ${ms(handle.when)} of loop time (now ${ms(loop.time())}) on ${loop.name}: ` +
          (handle.kind === 'animationFrame'
            ? 'cancel it with cancelAnimationFrame() before the test ends'
            : `clear it before the test ends, or unref() it if it may outlive the test`),
        handle._origin,
      )
    } else if (loop._queuedInLastTurn(handle)) {
      add(
        'pending-callback',
        `pending ${describeHandle(handle)} was queued again during the loop's last turn after the test: it keeps re-queueing itself; give it an end, or cancel it before the test ends`,
        handle._origin,
      )
    } else {
      add(
        'pending-callback',
        `pending ${describeHandle(handle)} never ran on ${loop.name}: it was queued after the test's last await; await the work it belongs to, or cancel it`,
        handle._origin,
      )
    }
  }
  for (const task of snapshot.unretrieved) {
    add(
      'exception-never-retrieved',
      `Task '${task.name}' failed and its exception was never retrieved (${errorText(task.exception())}): await the task, or read task.exception()`,
      task._origin,
      task.exception(),
    )
  }
  for (const context of snapshot.errors) {
    const handle = context.handle
    if (context.exception instanceof LoopLimitError && handle !== undefined) {
      add(
        'callback-error',
        `the auto time flow stopped a runaway: ${describeHandle(handle)} keeps re-queueing itself with no timer to wait for (${errorText(context.exception)}); give the loop an end, or a timer to wait on`,
        handle._origin,
        context.exception,
      )
      continue
    }
    const what = handle ? `${describeHandle(handle)} callback` : context.message
    add(
      'callback-error',
      `${what} threw ${errorText(context.exception)}: a callback's error has no one to catch it; handle it inside the callback`,
      handle?._origin ?? context.task?._origin,
      context.exception,
    )
  }
  for (const slow of snapshot.slow) {
    const took = `took ${Math.round(slow.duration)} ms of real time (slowCallbackDuration is ${loop.slowCallbackDuration} ms)`
    const { handle, task, endedAt } = slow
    if (task === undefined && handle !== undefined) {
      add('slow-callback', `Executing ${describeHandle(handle)} (created at ${originSite(handle._origin)}) ${took}`, handle._origin)
    } else if (task !== undefined && handle !== undefined) {
      add('slow-callback', `Executing the first step of Task '${task.name}' (created at ${originSite(task._origin)}) ${took}`, task._origin)
    } else if (task !== undefined) {
      // A step between two awaits. What it scheduled last is inside that step: the code frame goes there.
      const scheduled = endedAt === undefined ? '' : `; in that step it scheduled ${describeHandle(endedAt)} at ${originSite(endedAt._origin)}`
      add(
        'slow-callback',
        `Executing a step of Task '${task.name}' (created at ${originSite(task._origin)}) after an await ${took}${scheduled}`,
        endedAt?._origin ?? task._origin,
      )
    }
  }
  return findings
}

/** `file:line:column` of an origin's first user frame (or what it says instead, see formatOrigin). */
export function originSite(origin: Origin): string {
  const trace = traceOf(origin)
  return trace === undefined ? formatOrigin(origin) : formatSite(locate(trace).frames[0] ?? trace.site)
}

function pendingTaskMessage(task: Task<unknown>): string {
  const waiting = task._waitingOn
  const on =
    waiting && waiting.pending ? `; it waits on ${describeHandle(waiting)} scheduled at ${originSite(waiting._origin)}` : ''
  return `pending Task '${task.name}' is not done${on}: await it, or cancel it with task.cancel()`
}
