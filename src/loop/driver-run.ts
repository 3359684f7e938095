/**
 * One call of a driver, as data: what it aims for (`Goal`: a target time,
 * whether time may jump, when to stop) and, for an async driver, where its
 * passes stand (`Run`: the callbacks counted towards loopLimit, the handles
 * of the pass not taken yet, the pending promise of `#runPasses`). The
 * drivers (drivers.ts) read and write these fields on every callback; the
 * only logic here is `Run.end`, which hands the call back to the driver.
 * @internal
 */
import type { HopChain } from './internal/host.ts'
import type { Turns } from './internal/turns.ts'
import type { PassGoal } from './scheduler.ts'

/** What a driver call aims for. @internal */
export interface Goal extends PassGoal {
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

/** One async driver call, and where its passes stand (`Drivers.#runPasses`, `#step`). @internal */
export class Run {
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
