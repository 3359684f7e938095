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
 * Here too: the hold of time while real I/O is in flight (bounded by the
 * autojump threshold), the move of time under a polling loop (each driver
 * counts its turns, internal/turns.ts), DeadlockError when runUntilComplete
 * waits on what nothing can settle, and LoopLimitError when callbacks never
 * end (in the pump: once, and the pump stays stopped).
 * @internal
 */
import { DeadlockError, LoopLimitError } from './errors.ts'
import { runOnExecutor } from './internal/executor.ts'
import { HopChain, host, hop } from './internal/host.ts'
import { Turns } from './internal/turns.ts'
import type { Handle } from './handle.ts'
import type { ExceptionContext, JumpGate, PassGoal, Scheduler } from './scheduler.ts'
import type { Task } from './task.ts'
import { formatOrigin } from './trace.ts'

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

/** What a driver aims for. */
interface Goal extends PassGoal {
  /** Stop as soon as this answers true (runUntilComplete). */
  until?: () => boolean
  /** runForever: wait for work instead of returning when idle. */
  forever?: boolean
  /** Count of callbacks allowed; undefined: count per instant. */
  limitTotal: boolean
  /** Most passes to run (the sanitizer's last turn); undefined: no bound. */
  passes?: number
  /** Passes of only ready work before time moves to the next timer (internal/turns.ts); default pollTurns. */
  turns?: number
  /** Leave time where the last callback ran, rather than at the target (the sanitizer's last turn). */
  stayPut?: boolean
}

/** Which kind of driver runs the loop. @internal */
export type DriverKind = 'none' | 'explicit' | 'pump'

/** Real milliseconds between two looks at real I/O while it holds the jump of time. */
const ioPollInterval = 1

/** Async drivers running on any loop of this process (the Vitest layer's stall check asks). */
let activeDrivers = 0

/** How many async drivers run right now, on every loop. @internal */
export function _activeDrivers(): number {
  return activeDrivers
}

/** One async driver call, and where its passes stand (`Drivers.#runPasses`). */
class Run {
  /** Passes run, for `goal.passes`. */
  passes = 0
  /** Callbacks run towards loopLimit (per instant unless `goal.limitTotal`), and the instant counted. */
  count = 0
  countAt: number
  /** Handles of the current pass not taken yet. */
  left = 0
  /** The pending `#runPasses` promise. */
  settle: ((end: boolean | undefined) => void) | undefined = undefined
  fail: ((error: unknown) => void) | undefined = undefined
  /** The next step, and the immediates that call it: made on the first pass. */
  step: (() => void) | undefined = undefined
  hops: HopChain | undefined = undefined
  readonly token: number
  readonly goal: Goal
  readonly stoppable: boolean
  readonly turns: Turns

  constructor(token: number, goal: Goal, stoppable: boolean, turns: Turns, time: number) {
    this.token = token
    this.goal = goal
    this.stoppable = stoppable
    this.turns = turns
    this.countAt = time
  }

  /** Hands the driver back to `#loop`, with what it returns (undefined: it decides). */
  end(value: boolean | undefined): void {
    const settle = this.settle!
    this.settle = undefined
    this.fail = undefined
    settle(value)
  }
}

/** Settings of the drivers, checked by the EventLoop constructor. @internal */
export interface DriverOptions {
  timeFlow: TimeFlow
  loopLimit: number
  ioProbe: () => boolean
  autojumpThreshold: number
}

/** The drivers of one loop, and their state. @internal */
export class Drivers implements JumpGate {
  /** Which driver runs the loop now. */
  driver: DriverKind = 'none'
  /** True while runUntilComplete, runForever or a time-travel call drives the loop. */
  running = false
  /** stop() was called: the running loop returns after its pass. */
  stopping = false
  /** The pump is armed on a real immediate and has not started yet. */
  pumpPending = false
  /** Resumes a driver that waits for work (`#waitForWork`). */
  wake: (() => void) | undefined
  timeFlow: TimeFlow
  /** runInExecutor jobs in flight: they hold time without a bound. */
  executorJobs = 0
  /** Called whenever a driver (the pump included) stops: the loop may have gone idle. */
  idleListener: (() => void) | undefined
  /** The LoopLimitError that stopped the auto pump for good (a true runaway): the pump is not started again. */
  runaway: LoopLimitError | undefined
  /** The last callback the runaway ran: where reports point. */
  runawayAt: Handle | undefined
  readonly #owner: DriverOwner
  readonly #s: Scheduler
  #driverToken = 0
  readonly #loopLimit: number
  /**
   * The count of callbacks past which the loop traces every creation, past
   * its trace budget too: a runaway that loopLimit stops has run that many,
   * and the culprit it names was made after them, so its line is known.
   */
  readonly #watchAt: number
  readonly #ioProbe: () => boolean
  readonly #autojumpThreshold: number

  constructor(owner: DriverOwner, scheduler: Scheduler, options: DriverOptions) {
    this.#owner = owner
    this.#s = scheduler
    this.timeFlow = options.timeFlow
    this.#loopLimit = options.loopLimit
    this.#watchAt = options.loopLimit - Math.min(1000, Math.ceil(options.loopLimit / 2))
    this.#ioProbe = options.ioProbe
    this.#autojumpThreshold = options.autojumpThreshold
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
    this.executorJobs++
    const done = (): void => {
      this.executorJobs--
      this.wakeUp()
    }
    return runOnExecutor(fn, args).then(
      (value) => {
        done()
        return value as Awaited<R>
      },
      (error: unknown) => {
        done()
        throw error
      },
    )
  }

  /** Whether anything drives the loop or is about to. */
  get busy(): boolean {
    return this.driver !== 'none' || this.pumpPending || this.running || this.#s.executing || this.executorJobs > 0
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
      const n = s.preparePass(stopping ? { ...goal, jump: false } : goal, this, run.turns)
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
            await this.#holdForIo(token)
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
          const n = s.preparePass(goal, this, run.turns)
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
    const io = this.ioInFlight()
    if (next !== undefined && io) {
      await this.#holdForIo(token)
      return
    }
    if (next !== undefined) {
      // Held by nothing: preparePass would have jumped; reaching here means
      // the goal does not allow jumping. Treat as idle.
      return
    }
    if (io || goal.forever) {
      await this.#waitForWork(io ? this.#autojumpThreshold : Infinity)
      return
    }
    throw this.#deadlock()
  }

  /** Waits for new work or a settled goal; false when `ms` of real time passed first. */
  #waitForWork(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const wake = (): void => {
        if (timer !== undefined) host.clearTimeout(timer)
        // Resume after a real macrotask: the promise jobs queued along with the
        // new work run before the driver looks at it, and before time can move.
        host.setImmediate(resolve, true)
      }
      const timer = ms === Infinity ? undefined : host.setTimeout(() => {
        if (this.wake === wake) this.wake = undefined
        resolve(false)
      }, ms)
      this.wake = wake
    })
  }

  /** Real work started by the code under test is in flight: I/O, or runInExecutor jobs. */
  ioInFlight(): boolean {
    return this.executorJobs > 0 || this.#ioProbe()
  }

  /**
   * A poll spent its turns while real work is in flight: the work holds the
   * move of time as it holds an idle jump, for `autojumpThreshold` of real
   * time from the first time it held it (runInExecutor jobs: unbounded).
   */
  holdsPoll(turns: Turns): boolean {
    if (!this.ioInFlight()) return false
    turns.heldSince ??= host.now()
    return this.executorJobs > 0 || host.now() - turns.heldSince < this.#autojumpThreshold
  }

  /**
   * Real work is in flight and the next timer lies ahead. Waits for new work,
   * for the work to end (probed every `ioPollInterval` ms of real time), or
   * for `autojumpThreshold` ms of real time with neither; then time jumps to
   * the next timer anyway, so a request to a server that never answers still
   * times out, at its virtual deadline. runInExecutor jobs hold time without
   * that bound: they finish by themselves, and a 5 s virtual timeout around a
   * computation that takes 200 ms of real time must not fire. The bound is
   * also `autojumpThreshold / ioPollInterval` turns of Node's event loop: a
   * process short of CPU (a loaded machine) can find the deadline passed
   * when it next runs, before its poll phase has read the answer waiting for it.
   */
  async #holdForIo(token: number): Promise<void> {
    const s = this.#s
    const deadline = host.now() + this.#autojumpThreshold
    let turns = Math.ceil(this.#autojumpThreshold / ioPollInterval)
    for (;;) {
      const left = deadline - host.now()
      if (left <= 0 && turns <= 0 && this.executorJobs === 0) break
      turns--
      if (await this.#waitForWork(left > 0 ? Math.min(ioPollInterval, left) : ioPollInterval)) return
      if (this.#driverToken !== token || s.closed || s.ready.length > 0 || !this.ioInFlight()) return
    }
    const when = s.timers.peekWhen()
    if (when !== undefined && when > s.time && s.ready.length === 0) s.time = when
  }

  #deadlock(): DeadlockError {
    const tasks = this.#owner.allTasks()
    const lines = tasks.map((task) => {
      // Debug mode remembers the last handle each task scheduled. In a deadlock
      // nothing is pending, so say what became of it rather than "waiting on".
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
      `runUntilComplete() waits on a promise that can never settle: nothing is scheduled on ${this.#owner.name} and no real I/O is in flight.\n${body}`,
    )
  }

  /** Past `#watchAt`: traces every creation from now on; past loopLimit, throws. */
  #nearLimit(count: number): void {
    if (count > this.#loopLimit) this.#limitExceeded()
    this.#owner._traceEverything()
  }

  #limitExceeded(): never {
    const last = this.#s.lastRun
    const kind = last?.kind ?? 'callback'
    throw new LoopLimitError(
      `Aborting after running ${this.#loopLimit} callbacks (loopLimit), assuming an infinite loop; ` +
        `the last was ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} created at ${formatOrigin(last?._origin)}`,
    )
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
        const n = s.preparePass(goal, this, turns)
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
