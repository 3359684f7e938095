/**
 * The hold of time while real work is in flight.
 *
 * Virtual time jumps to the next timer when nothing is ready; but while real
 * I/O started by the code under test is in flight (a socket, a file read, a
 * fetch: the loop's `ioProbe`) or a runInExecutor job runs, its answer may be
 * on its way, and a jump would fire the timeout around it first. So the auto
 * pump and runUntilComplete wait for it, in real time, before they jump; a
 * poll that spent its turns (internal/turns.ts) waits the same way before time
 * moves under it. Real I/O holds time for at most `autojumpThreshold` real
 * milliseconds, so a request to a server that never answers still times out,
 * at its virtual deadline; runInExecutor jobs hold it without that bound.
 *
 * The scheduler asks this room whether a jump may happen (`JumpGate`); the
 * drivers (drivers.ts) wait here in real time: for new work when nothing is
 * ready (`waitForWork`; scheduling wakes them through `HoldOwner.wake`), and
 * for real work in flight before time jumps (`hold`).
 * @internal
 */
import { runOnExecutor } from './internal/executor.ts'
import { host } from './internal/host.ts'
import type { Turns } from './internal/turns.ts'
import type { JumpGate, Scheduler } from './scheduler.ts'

/** Real milliseconds between two looks at real I/O while it holds the jump of time. */
const ioPollInterval = 1

/** What the hold needs of the drivers; Drivers implements it. @internal */
export interface HoldOwner {
  /** Resumes the driver that waits for work; set by `waitForWork`, called (once) by `wakeUp`. */
  wake: (() => void) | undefined
  /** Calls `wake`, if a driver waits. */
  wakeUp(): void
  /** Whether the driver that took `token` still drives the loop. */
  isCurrent(token: number): boolean
}

/** One loop's hold of time for real work in flight. @internal */
export class IoHold implements JumpGate {
  /** runInExecutor jobs in flight: they hold time without a bound. */
  executorJobs = 0
  /** Real milliseconds that real I/O in flight may hold time before it jumps anyway. */
  readonly threshold: number
  readonly #probe: () => boolean
  readonly #owner: HoldOwner
  readonly #s: Scheduler

  constructor(owner: HoldOwner, scheduler: Scheduler, probe: () => boolean, threshold: number) {
    this.#owner = owner
    this.#s = scheduler
    this.#probe = probe
    this.threshold = threshold
  }

  /** Real work started by the code under test is in flight: I/O, or runInExecutor jobs. */
  ioInFlight(): boolean {
    return this.executorJobs > 0 || this.#probe()
  }

  /**
   * A poll spent its turns while real work is in flight: the work holds the
   * move of time as it holds an idle jump, for `threshold` of real time from
   * the first time it held it (runInExecutor jobs: unbounded).
   */
  holdsPoll(turns: Turns): boolean {
    if (!this.ioInFlight()) return false
    turns.heldSince ??= host.now()
    return this.executorJobs > 0 || host.now() - turns.heldSince < this.threshold
  }

  /** Runs `fn` on a worker thread; while it runs, time does not jump. */
  runInExecutor<R>(fn: (...args: unknown[]) => unknown, args: unknown[]): Promise<Awaited<R>> {
    this.executorJobs++
    const done = (): void => {
      this.executorJobs--
      this.#owner.wakeUp()
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

  /** Waits for new work or a settled goal; false when `ms` of real time passed first. */
  waitForWork(ms: number): Promise<boolean> {
    const owner = this.#owner
    return new Promise<boolean>((resolve) => {
      const wake = (): void => {
        if (timer !== undefined) host.clearTimeout(timer)
        // Resume after a real macrotask: the promise jobs queued along with the
        // new work run before the driver looks at it, and before time can move.
        host.setImmediate(resolve, true)
      }
      const timer = ms === Infinity ? undefined : host.setTimeout(() => {
        if (owner.wake === wake) owner.wake = undefined
        resolve(false)
      }, ms)
      owner.wake = wake
    })
  }

  /**
   * Real work is in flight and the next timer lies ahead: the driver that
   * took `token` waits for new work, for the work to end (probed every
   * `ioPollInterval` ms of real time), or for `threshold` ms of real time
   * with neither; then time jumps to the next timer anyway. runInExecutor
   * jobs hold time without that bound: they finish by themselves, and a 5 s
   * virtual timeout around a computation that takes 200 ms of real time must
   * not fire. The bound is also `threshold / ioPollInterval` turns of Node's
   * event loop: a process short of CPU (a loaded machine) can find the
   * deadline passed when it next runs, before its poll phase has read the
   * answer waiting for it.
   */
  async hold(token: number): Promise<void> {
    const s = this.#s
    const owner = this.#owner
    const deadline = host.now() + this.threshold
    let turns = Math.ceil(this.threshold / ioPollInterval)
    for (;;) {
      const left = deadline - host.now()
      if (left <= 0 && turns <= 0 && this.executorJobs === 0) break
      turns--
      if (await this.waitForWork(left > 0 ? Math.min(ioPollInterval, left) : ioPollInterval)) return
      if (!owner.isCurrent(token) || s.closed || s.ready.length > 0 || !this.ioInFlight()) return
    }
    const when = s.timers.peekWhen()
    if (when !== undefined && when > s.time && s.ready.length === 0) s.time = when
  }
}
