/**
 * The drivers: who runs the scheduler's passes, when, and when time moves.
 *
 * The async drivers (runUntilComplete, runForever, advance, next,
 * runUntilIdle, and the background pump of the `auto` time flow) wait one real
 * macrotask after every callback, so the promise jobs a callback queued run
 * before the next callback, as under Node. The sync twins (`#driveSync`) call
 * back to back. Only one driver runs at a time: each takes a fresh token, and
 * a driver whose token is no longer current leaves at its next step.
 *
 * Each driver counts its turns under a polling loop (internal/turns.ts). When
 * real I/O is in flight, time waits for it (io-hold.ts, which the scheduler
 * asks before a jump). A driver that cannot go on throws: DeadlockError when
 * runUntilComplete waits on what nothing can settle, LoopLimitError when
 * callbacks never end (in the pump: reported once, and the pump stays
 * stopped); their text is stall-errors.ts's.
 * @internal
 */
import { Run } from './driver-run.ts'
import type { Goal } from './driver-run.ts'
import { LoopLimitError } from './errors.ts'
import type { Handle } from './handle.ts'
import { HopChain, host, hop } from './internal/host.ts'
import { Turns } from './internal/turns.ts'
import { IoHold } from './io-hold.ts'
import type { HoldOwner } from './io-hold.ts'
import type { ExceptionContext, Scheduler } from './scheduler.ts'
import { deadlockError, loopLimitError } from './stall-errors.ts'
import type { Task } from './task.ts'

/**
 * How time moves. `auto`: when nothing is ready and no real I/O is in flight,
 * a background pump jumps time to the next timer, so code reads like real-time
 * code and finishes at once. `manual`: nothing runs and time stands still
 * until a run or time-travel call drives the loop (asyncio's behaviour).
 */
export type TimeFlow = 'auto' | 'manual'

/** The loop as its drivers see it; EventLoop implements it. @internal */
export interface DriverOwner {
  readonly name: string
  callExceptionHandler(context: ExceptionContext): void
  /** Tasks not done yet, for a DeadlockError. */
  allTasks(): Task<unknown>[]
  /** A driver came near loopLimit: trace every creation from now on (see `#watchAt`). */
  _traceEverything(): void
}

/** Which kind of driver runs the loop. @internal */
export type DriverKind = 'none' | 'explicit' | 'pump'

/** Async drivers running on any loop of this process (the Vitest layer's stall check asks). */
let activeDrivers = 0

/** How many async drivers run right now, on every loop. @internal */
export function _activeDrivers(): number {
  return activeDrivers
}

/** Settings of the drivers, checked by `readOptions` (loop-options.ts). @internal */
export interface DriverOptions {
  timeFlow: TimeFlow
  loopLimit: number
  ioProbe: () => boolean
  autojumpThreshold: number
}

/** The drivers of one loop, and their state. @internal */
export class Drivers implements HoldOwner {
  /** Which driver runs the loop now. */
  driver: DriverKind = 'none'
  /** True while runUntilComplete, runForever or a time-travel call drives the loop. */
  running = false
  /** stop() was called: the running loop returns after its pass. */
  stopping = false
  /** The pump is armed on a real immediate and has not started yet. */
  pumpPending = false
  /** Resumes a driver that waits for work (`IoHold.waitForWork`). */
  wake: (() => void) | undefined
  timeFlow: TimeFlow
  /** Called whenever a driver (the pump included) stops: the loop may have gone idle. */
  idleListener: (() => void) | undefined
  /** The LoopLimitError that stopped the auto pump for good (a true runaway): the pump is not started again. */
  runaway: LoopLimitError | undefined
  /** The last callback the runaway ran: where reports point. */
  runawayAt: Handle | undefined
  readonly #owner: DriverOwner
  readonly #s: Scheduler
  /** The hold of time for real work in flight: the gate every pass asks before time jumps. */
  readonly #io: IoHold
  #driverToken = 0
  readonly #loopLimit: number
  /**
   * The count of callbacks past which the loop traces every creation, past
   * its trace budget too: a runaway that loopLimit stops has run that many,
   * and the culprit it names was made after them, so its line is known.
   */
  readonly #watchAt: number

  constructor(owner: DriverOwner, scheduler: Scheduler, options: DriverOptions) {
    this.#owner = owner
    this.#s = scheduler
    this.timeFlow = options.timeFlow
    this.#loopLimit = options.loopLimit
    this.#watchAt = options.loopLimit - Math.min(1000, Math.ceil(options.loopLimit / 2))
    this.#io = new IoHold(this, scheduler, options.ioProbe, options.autojumpThreshold)
  }

  // ------------------------------------------------- what EventLoop calls

  /** runUntilComplete: runs until `until` answers true; true if stop() ended it first. */
  runUntil(until: () => boolean): Promise<boolean> {
    return this.#drive({ target: Infinity, jump: true, holdForIo: true, limitTotal: false, until }, true)
  }

  /** runForever: runs until stop(). */
  runForever(): Promise<boolean> {
    return this.#drive({ target: Infinity, jump: true, holdForIo: true, limitTotal: false, forever: true }, true)
  }

  /** advance / advanceTo (and next's second step): runs what is due up to `target`, then sets time to it. */
  advanceTo(target: number): Promise<boolean> {
    return this.#drive({ target, jump: true, holdForIo: false, limitTotal: false }, false)
  }

  /** Runs what is ready at this instant, without moving time (next's first step; shutdown). */
  runDue(): Promise<boolean> {
    return this.#drive({ target: this.#s.time, jump: false, holdForIo: false, limitTotal: false }, false)
  }

  /** runUntilIdle: until nothing is scheduled; loopLimit counts every callback. */
  runUntilIdle(): Promise<boolean> {
    return this.#drive({ target: Infinity, jump: true, holdForIo: false, limitTotal: true }, false)
  }

  /** advanceToSync: the sync twin of advanceTo. */
  advanceToSync(target: number): void {
    const s = this.#s
    if (s.ready.length === 0 && this.driver === 'none' && !s.closed) {
      // Nothing due by the target (a tick among far timers): the pass would run nothing, so only time moves.
      const next = s.timers.peekWhen()
      if (next === undefined || next > target) {
        s.time = Math.max(s.time, target)
        this.kick()
        return
      }
    }
    this.#driveSync({ target, jump: true, holdForIo: false, limitTotal: false })
  }

  /** The sync twin of runDue. */
  runDueSync(): void {
    this.#driveSync({ target: this.#s.time, jump: false, holdForIo: false, limitTotal: false })
  }

  /**
   * The sanitizer's last turn: what is ready, and the timers due within
   * `withinMs`, for at most `passes` passes; time stays where the last
   * callback ran. A poll still running holds the window's timers back for
   * one pass only (a budget of one turn).
   */
  lastTurn(withinMs: number, passes: number): Promise<boolean> {
    const s = this.#s
    return this.#drive(
      { target: s.time + withinMs, jump: withinMs > 0, holdForIo: false, limitTotal: false, passes, stayPut: true, turns: 1 },
      false,
    )
  }

  /** runUntilIdleSync: the sync twin of runUntilIdle. */
  runUntilIdleSync(): void {
    this.#driveSync({ target: Infinity, jump: true, holdForIo: false, limitTotal: true })
  }

  /** Switches the time flow; switching to `'auto'` starts the pump if work is waiting. */
  setTimeFlow(flow: TimeFlow): void {
    this.timeFlow = flow
    if (flow === 'manual' && this.driver === 'pump') {
      // The pump leaves at its next step: nothing more runs on its own.
      this.#driverToken++
      this.driver = 'none'
    }
    this.kick()
  }

  stop(): void {
    this.stopping = true
    this.wakeUp()
  }

  /** The loop closed: every driver leaves at its next step. */
  close(): void {
    this.#driverToken++
    this.driver = 'none'
    this.wakeUp()
  }

  /** Runs `fn` on a worker thread; while it runs, time does not jump. */
  runInExecutor<R>(fn: (...args: unknown[]) => unknown, args: unknown[]): Promise<Awaited<R>> {
    return this.#io.runInExecutor<R>(fn, args)
  }

  /** Whether anything drives the loop or is about to. */
  get busy(): boolean {
    return this.driver !== 'none' || this.pumpPending || this.running || this.#s.executing || this.#io.executorJobs > 0
  }

  settle(mark: () => void): void {
    mark()
    this.wakeUp()
  }

  wakeUp(): void {
    const wake = this.wake
    if (wake !== undefined) {
      this.wake = undefined
      wake()
    }
  }

  // -------------------------------------------------------------- drivers

  /** Starts the background pump of the auto time flow on the next real macrotask. */
  kick(): void {
    const s = this.#s
    if (this.timeFlow !== 'auto' || s.closed || this.driver !== 'none' || this.pumpPending) return
    if (this.runaway !== undefined) return
    if (s.ready.length === 0 && s.timers.liveCount === 0) return
    this.pumpPending = true
    host.setImmediate(() => {
      this.pumpPending = false
      if (this.driver === 'none' && !s.closed && this.timeFlow === 'auto') void this.#pump()
    })
  }

  /** The auto time flow: run what is ready, jump time when idle, stop when nothing is left. */
  async #pump(): Promise<void> {
    const token = ++this.#driverToken
    this.driver = 'pump'
    activeDrivers++
    try {
      await this.#loop(token, { target: Infinity, jump: true, holdForIo: true, limitTotal: false })
    } catch (error) {
      if (error instanceof LoopLimitError) {
        // A true runaway (internal/turns.ts): nothing else could ever happen. Reported once,
        // at the culprit, and the pump stays stopped: restarting it would only report it again.
        this.runaway = error
        this.runawayAt = this.#s.lastRun
        this.#owner.callExceptionHandler({ message: 'Runaway stopped by loopLimit', exception: error, handle: this.#s.lastRun })
      } else {
        this.#owner.callExceptionHandler({ message: 'Error in the loop pump', exception: error })
      }
    } finally {
      activeDrivers--
      if (this.#driverToken === token) {
        this.driver = 'none'
        this.idleListener?.()
      }
    }
  }

  /** Runs an explicit async driver; returns true if stop() ended it. */
  async #drive(goal: Goal, isRun: boolean): Promise<boolean> {
    const token = ++this.#driverToken // a pump in flight sees the new token and leaves
    this.driver = 'explicit'
    this.running = true
    if (isRun) this.#s.everRan = true
    activeDrivers++
    try {
      return await this.#loop(token, goal, isRun)
    } finally {
      activeDrivers--
      if (this.#driverToken === token) {
        this.driver = 'none'
        this.running = false
        this.kick()
        this.idleListener?.()
      }
    }
  }

  /**
   * The async driver. Returns true when stop() ended it. Leaves early when
   * another driver took over (`token` changed) or the loop closed. The passes
   * themselves run from real immediates (`#runPasses`); this function decides
   * what happens when a pass finds nothing to run.
   */
  async #loop(token: number, goal: Goal, stoppable = false): Promise<boolean> {
    const s = this.#s
    const run = new Run(token, goal, stoppable, new Turns(this.#loopLimit, goal.turns), s.time)
    let first = true
    for (;;) {
      if (this.#driverToken !== token || s.closed) return false
      if (goal.until?.()) return false
      if (first) {
        // Promise jobs the caller queued before calling the driver run before
        // it looks at the clock, as under Node (nothing fires in the middle of
        // synchronous code and its microtasks): work they schedule is seen, at
        // the time it was scheduled. One hop per driver call.
        first = false
        await hop()
        if (this.#driverToken !== token || s.closed) return false
      }
      // After stop() (called before the run, or while it waited) one more pass
      // runs, of what is due now, without jumping time: asyncio's run_forever
      // polls with timeout 0 when stopping.
      const stopping = stoppable && this.stopping
      const n = s.preparePass(stopping ? { ...goal, jump: false } : goal, this.#io, run.turns)
      if (n === 0) {
        if (stopping) {
          this.stopping = false
          return true
        }
        if (s.ready.length === 0 && s.timers.peekWhen() === undefined && !goal.until && !goal.forever) {
          if (goal.target !== Infinity && goal.target > s.time && !goal.stayPut) s.time = goal.target
          return false
        }
        if (!goal.until && !goal.forever) {
          if (goal.holdForIo && s.timers.peekWhen() !== undefined) {
            // The auto pump, held by real I/O in flight: wait for it (bounded), then go on.
            await this.#io.hold(token)
            continue
          }
          // nothing more before the target
          if (goal.target !== Infinity && !goal.stayPut) s.time = Math.max(s.time, goal.target)
          return false
        }
        await this.#idle(goal, token)
        continue
      }
      const end = await this.#runPasses(run, n)
      if (end !== undefined) return end
    }
  }

  /**
   * Runs the pass `preparePass` just began (`n` handles), and the passes after
   * it while each finds work, one callback per real macrotask (`HopChain`):
   * no promise per callback. Settles with what the driver returns (true:
   * stop() ended it; false: leave), or undefined when a pass finds nothing to
   * run: `#loop` decides what then.
   */
  #runPasses(run: Run, n: number): Promise<boolean | undefined> {
    return new Promise<boolean | undefined>((resolve, reject) => {
      run.left = n
      run.settle = resolve
      run.fail = reject
      if (run.hops === undefined) {
        const step = (): void => this.#step(run)
        run.step = step
        run.hops = new HopChain(step)
      }
      // The first callback is called from a process.nextTick callback, not
      // from this promise job: then, as after a callback of Node's, the
      // nextTick callbacks it queues run before the promise jobs it queues.
      // It runs as soon as this job ends (nothing else is queued: the driver
      // resumed after a hop). Later ones are called at the top of an immediate.
      host.nextTick(run.step!)
    })
  }

  /**
   * One step of `#runPasses`, called with nothing else on the stack: calls the
   * next handle of the pass (at the end of a pass, begins the next one), then
   * asks for the next step after one real macrotask. Never throws: an error
   * (LoopLimitError) rejects the run.
   */
  #step(run: Run): void {
    const s = this.#s
    const goal = run.goal
    try {
      for (;;) {
        if (run.left === 0) {
          // A pass ended, and the promise jobs its last callback queued ran.
          if (run.stoppable && this.stopping) {
            this.stopping = false
            return run.end(true)
          }
          if (goal.passes !== undefined && ++run.passes >= goal.passes) return run.end(false)
          if (this.#driverToken !== run.token || s.closed) return run.end(false)
          if (goal.until?.()) return run.end(false)
          const n = s.preparePass(goal, this.#io, run.turns)
          if (n === 0) return run.end(undefined)
          run.left = n
        }
        if (this.#driverToken !== run.token || s.closed) return run.end(false)
        run.left--
        const handle = s.takeNext()
        if (handle === undefined) continue
        if (s.time !== run.countAt) {
          run.countAt = s.time
          if (!goal.limitTotal) run.count = 0
        }
        if (++run.count > this.#watchAt) {
          // Past loopLimit, the culprit runs after the error has reached
          // whoever handles it (promise jobs), as it did when callbacks ran
          // from the driver's job: the report still reads its callback.
          if (run.count > this.#loopLimit) host.setImmediate(s.callFromTick, handle)
          this.#nearLimit(run.count)
        }
        s.call(handle)
        run.hops!.next()
        return
      }
    } catch (error) {
      const fail = run.fail!
      run.settle = undefined
      run.fail = undefined
      fail(error)
    }
  }

  /**
   * Nothing to run now (runUntilComplete / runForever). Waits for whatever
   * can change that: the awaited promise, new work, the end of real I/O.
   * With nothing scheduled, no I/O and a promise awaited, that is a deadlock.
   */
  async #idle(goal: Goal, token: number): Promise<void> {
    const s = this.#s
    // Let pending promise jobs run first: they may settle the goal or schedule work.
    await hop()
    if (goal.until?.() || s.ready.length > 0 || this.stopping || s.closed) return
    const next = s.timers.peekWhen()
    const io = this.#io.ioInFlight()
    if (next !== undefined && io) {
      await this.#io.hold(token)
      return
    }
    if (next !== undefined) {
      // Held by nothing: preparePass would have jumped; reaching here means
      // the goal does not allow jumping. Treat as idle.
      return
    }
    if (io || goal.forever) {
      await this.#io.waitForWork(io ? this.#io.threshold : Infinity)
      return
    }
    throw deadlockError(this.#owner.name, this.#owner.allTasks())
  }

  /** Whether the driver that took `token` still drives the loop (IoHold.hold asks). */
  isCurrent(token: number): boolean {
    return this.#driverToken === token
  }

  /** Past `#watchAt`: traces every creation from now on; past loopLimit, throws. */
  #nearLimit(count: number): void {
    if (count > this.#loopLimit) throw loopLimitError(this.#loopLimit, this.#s.lastRun)
    this.#owner._traceEverything()
  }

  /** The sync driver: the same passes, without waiting for promise jobs. */
  #driveSync(goal: Goal): void {
    const s = this.#s
    this.running = true
    const token = ++this.#driverToken
    const previous = this.driver
    this.driver = 'explicit'
    const turns = new Turns(this.#loopLimit, goal.turns)
    let count = 0
    let countAt = s.time
    try {
      for (;;) {
        if (s.closed) return
        const n = s.preparePass(goal, this.#io, turns)
        if (n === 0) {
          if (goal.target !== Infinity) s.time = Math.max(s.time, goal.target)
          return
        }
        for (let i = 0; i < n; i++) {
          if (!s.runNext()) continue
          if (s.time !== countAt) {
            countAt = s.time
            if (!goal.limitTotal) count = 0
          }
          if (++count > this.#watchAt) this.#nearLimit(count)
        }
      }
    } finally {
      this.running = false
      if (this.#driverToken === token) this.driver = previous === 'pump' ? 'none' : previous
      this.kick()
    }
  }
}
