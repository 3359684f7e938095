/**
 * The scheduler: what is scheduled on a loop, and the pass that runs it.
 *
 * Work lives in two places: `ready`, a FIFO of handles to call now, and
 * `timers`, a heap of handles due later. A *pass* moves every timer due at
 * the current time to the end of `ready` (`preparePass`), then calls exactly
 * the handles that were in `ready` when the pass began (`runNext`, or
 * `takeNext` and `call` when a driver waits between two callbacks); what they
 * schedule runs in a later pass (asyncio's `BaseEventLoop._run_once`). Time
 * never moves while anything is ready, but under a polling loop (after
 * `pollTurns` passes of only ready work while a timer waits, see
 * internal/turns.ts). When nothing is, and the driver allows it, `preparePass`
 * moves time to the earliest timer: that is the whole of virtual time.
 *
 * A plain data structure: no promises, no real I/O, no Vitest. Whether time
 * may jump is the driver's call (`PassGoal`, `JumpGate`); when passes run at
 * all is the drivers' business (drivers.ts), and the public class owns the
 * arguments (event-loop.ts).
 * @internal
 */
import { CANCELLED, PENDING, STATE, setState } from './handle.ts'
import type { Handle, TimerHandle } from './handle.ts'
import { currentTaskOf, shared } from './internal/context-state.ts'
import type { ContextLoop } from './internal/context-state.ts'
import { Deque } from './internal/deque.ts'
import { host } from './internal/host.ts'
import { log } from './internal/log.ts'
import { noteCallbackTime } from './internal/task-steps.ts'
import type { Task } from './task.ts'
import { recordCancelled, recordFired } from './timeline.ts'
import type { Firing, LightRecord, Timeline } from './timeline.ts'
import { TimerQueue } from './timer-queue.ts'
import type { Turns } from './internal/turns.ts'
import { formatOrigin } from './trace.ts'
import type { Origin } from './trace.ts'

/** What the exception handler receives. */
export interface ExceptionContext {
  message: string
  exception?: unknown
  handle?: Handle
  task?: Task<unknown>
  /** When a custom handler threw: the context it was handling (asyncio's `context` key). */
  context?: ExceptionContext
}

/**
 * A callback, or a step of a task, that ran longer than `slowCallbackDuration`
 * of real time in debug mode.
 */
export interface SlowCallback {
  /** The callback that ran (for a task's first step, the handle that started it); undefined for a later task step. */
  readonly handle: Handle | undefined
  /** The task whose code ran: a task's first step, or a step between two awaits. */
  readonly task: Task<unknown> | undefined
  /** For a later task step: the last handle the step scheduled (it ended awaiting it), if any. */
  readonly endedAt: Handle | undefined
  /** Real milliseconds it ran. */
  readonly duration: number
  /** Loop time at which it ran. */
  readonly time: number
}

/** The loop as its scheduler sees it; EventLoop implements it. @internal */
export interface SchedulerOwner extends ContextLoop {
  readonly name: string
  /** Real milliseconds a callback may run before debug mode reports it. */
  readonly slowCallbackDuration: number
  /** Where an error a callback threw goes. */
  callExceptionHandler(context: ExceptionContext): void
}

/** What a pass may do with time. @internal */
export interface PassGoal {
  /** Loop time the pass must not pass. */
  readonly target: number
  /** Whether time may move to the next timer (false: run only what is due now). */
  readonly jump: boolean
  /** Whether the gate (real I/O in flight) may hold that move. */
  readonly holdForIo: boolean
}

/** Asked before time jumps, when the goal says it may be held; the drivers' hold of time for real work (io-hold.ts) implements it. @internal */
export interface JumpGate {
  /** Real work started by the code under test is in flight: time must not jump. */
  ioInFlight(): boolean
  /** A poll spent its turns: whether real work in flight still holds the move (bounded as an idle hold). */
  holdsPoll(turns: Turns): boolean
}

/** Handles that start a task, and their task: reported as the task, never as a callback. @internal */
export const taskStarts = new WeakMap<Handle, Task<unknown>>()

/** One loop's queues, its time and the pass over them. @internal */
export class Scheduler {
  /** Loop time in ms: starts at 0, never goes back. */
  time = 0
  readonly ready = new Deque<Handle>()
  readonly timers = new TimerQueue()
  closed = false
  /** Whether a pass ever ran a callback (or a run was started). */
  everRan = false
  /** Where the first work was scheduled, while nothing ran yet (the sanitizer's "never started"). */
  firstScheduled: Origin
  /** The last handle taken to run: the culprit a LoopLimitError names. */
  lastRun: Handle | undefined
  /** True while a callback of this loop runs. */
  executing = false
  /** Handles queued since the sanitizer's last turn began; undefined before it. */
  queuedInLastTurn: WeakSet<Handle> | undefined
  debug = false
  /** Debug mode's record of events; made when debug mode first turns on, kept after. */
  timeline: Timeline | undefined
  /**
   * The light record (see "the light record" in timeline.ts): kept whenever it is on, debug
   * mode or not, so a failing test can draw its loop. One call per event, bounded.
   */
  record: LightRecord | undefined = undefined
  /** Debug mode's slow callbacks and slow task steps. */
  readonly slow: SlowCallback[] = []
  readonly #owner: SchedulerOwner

  constructor(owner: SchedulerOwner) {
    this.#owner = owner
  }

  /**
   * Starts a pass: returns how many handles it runs, after moving time to the
   * next timer if nothing is ready and the goal allows it. 0: nothing to run
   * at or before the goal's target (or I/O holds the jump).
   */
  preparePass(goal: PassGoal, gate: JumpGate, turns?: Turns): number {
    if (this.ready.length === 0) {
      const next = this.timers.peekWhen()
      if (next === undefined || next > goal.target) return 0
      if (next > this.time) {
        if (!goal.jump) return 0
        if (goal.holdForIo && gate.ioInFlight()) return 0
        this.time = next
      }
    } else if (turns?.spent) {
      const step = this.#pollStep(goal, gate, turns)
      if (step === 'stop') return 0
      if (step === 'jump') return this.#pollJump(turns)
    }
    const now = this.time
    let timer: TimerHandle | undefined
    let due = 0
    while ((timer = this.timers.popDue(now)) !== undefined) {
      this.ready.push(timer)
      due++
    }
    if (turns !== undefined) {
      if (due === 0 && this.timers.peekWhen() !== undefined) turns.readyOnly()
      else turns.reset()
    }
    return this.ready.length
  }

  /**
   * A poll spent its budget of turns (internal/turns.ts): whether the next
   * pass moves time to the next timer, runs the ready work at this instant
   * again (a timer is due now, or real work in flight holds the move), or
   * ends the driver (its next timer lies beyond its target).
   */
  #pollStep(goal: PassGoal, gate: JumpGate, turns: Turns): 'jump' | 'run' | 'stop' {
    const next = this.timers.peekWhen()
    if (next === undefined) {
      turns.reset()
      return 'run'
    }
    if (next <= this.time) return 'run'
    if (next > goal.target || !goal.jump) return 'stop'
    if (goal.holdForIo && gate.holdsPoll(turns)) return 'run'
    return 'jump'
  }

  /** Moves time to the next timer and puts the timers due then before the ready work (Node: timers phase, then check phase). */
  #pollJump(turns: Turns): number {
    turns.reset()
    const now = this.timers.peekWhen()!
    this.time = now
    const waiting = [...this.ready]
    this.ready.clear()
    let timer: TimerHandle | undefined
    while ((timer = this.timers.popDue(now)) !== undefined) {
      this.ready.push(timer)
    }
    for (const handle of waiting) this.ready.push(handle)
    return this.ready.length
  }

  /** Pops the next ready handle and calls it; false if it was cancelled meanwhile. */
  runNext(): boolean {
    const handle = this.takeNext()
    if (handle === undefined) return false
    this.call(handle)
    return true
  }

  /** Pops the next ready handle; undefined if it was cancelled meanwhile. */
  takeNext(): Handle | undefined {
    const handle = this.ready.shift()!
    const state = handle._flags & STATE
    if (state !== PENDING) {
      if (state === CANCELLED) {
        if (this.debug) this.timeline!.cancelled(this.time, handle)
        this.record?.handle(recordCancelled, this.time, handle)
      }
      return undefined
    }
    this.everRan = true
    this.lastRun = handle
    return handle
  }

  /** `call`, for `process.nextTick` (the async drivers): unless the handle was cancelled or the loop closed meanwhile. */
  readonly callFromTick = (handle: Handle): void => {
    if ((handle._flags & STATE) === PENDING && !this.closed) this.call(handle)
  }

  call(handle: Handle): void {
    const previous = shared.executing
    shared.executing = this.#owner
    this.executing = true
    // Debug mode notes the callback on the timeline before it runs (what it
    // schedules comes after it) and times it on the real clock.
    const firing = this.debug ? this.timeline!.firing(this.time, handle, taskStarts.get(handle), host.now()) : undefined
    const record = this.record
    if (record !== undefined) record.handle(recordFired, this.time, handle)
    // The one place where callbacks are called.
    try {
      handle._run()
    } catch (error) {
      this.#owner.callExceptionHandler({ message: `Exception in ${handle.kind}`, exception: error, handle })
    } finally {
      shared.executing = previous
      this.executing = false
    }
    if (firing !== undefined) this.#fired(handle, firing)
  }

  /** Debug mode: a callback ran; record how long, and report it if slow. */
  #fired(handle: Handle, firing: Firing): void {
    const duration = host.now() - firing.start
    firing.event.duration = duration
    noteCallbackTime(duration)
    const owner = this.#owner
    if (duration < owner.slowCallbackDuration) return
    const task = firing.event.task
    const starts = firing.event.startsTask === true ? task : undefined
    this.slow.push({ handle, task: starts, endedAt: undefined, duration, time: this.time })
    const what = starts === undefined ? handle.kind : `the first step of Task '${starts.name}'`
    log('%s: executing %s created at %s took %d ms', owner.name, what, formatOrigin(handle._origin), duration)
  }

  /** Debug mode: remember the last handle each task scheduled (for stall reports) and note it on the timeline. */
  noteWaiting(handle: Handle): void {
    const task = currentTaskOf(this.#owner) as Task<unknown> | undefined
    if (task !== undefined) task._waitingOn = handle
    if (!taskStarts.has(handle)) this.timeline!.scheduled(this.time, handle, task)
  }

  /** Drops everything scheduled: what was pending is cancelled. */
  close(): void {
    this.closed = true
    // Most loops close with nothing left (every test's loop): then nothing to walk or make anew.
    if (this.ready.length > 0) {
      for (const handle of this.ready) if (handle.pending) setState(handle, CANCELLED)
      this.ready.clear()
    }
    if (this.timers.size > 0) {
      for (const handle of this.timers.live()) setState(handle, CANCELLED)
      this.timers.clear()
    }
  }

  /** Pending handles, in scheduling order (task starts excluded): ready ones first, then timers. */
  pendingHandles(): Handle[] {
    if (this.ready.length === 0 && this.timers.liveCount === 0) return [] // what a passing test leaves
    const handles: Handle[] = []
    for (const handle of this.ready) if (handle.pending && !taskStarts.has(handle)) handles.push(handle)
    const timers = [...this.timers.live()].sort((a, b) => a._seq - b._seq)
    return [...handles, ...timers]
  }

  /** Pending ready handles, and the live timer that fires first. */
  waiting(): { ready: number; next: TimerHandle | undefined } {
    let ready = 0
    for (const handle of this.ready) if (handle.pending) ready++
    let next: TimerHandle | undefined
    for (const timer of this.timers.live()) {
      if (next === undefined || timer.when < next.when || (timer.when === next.when && timer._seq < next._seq)) next = timer
    }
    return { ready, next }
  }
}
