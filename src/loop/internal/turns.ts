/**
 * Time under a polling loop.
 *
 * On Node every turn of the event loop takes real time, so code that polls
 * (a callback that re-queues itself with setImmediate, `await new Promise((r)
 * => setImmediate(r))` in a loop, a callSoon chain) while it waits for a timer
 * sees that timer fire after its delay. On the loop a pass takes no time and
 * time moves only when nothing is ready; a poll always is, so time would
 * stand still and the poll would spin until loopLimit.
 *
 * The rule that keeps time moving, deterministically: after `pollTurns`
 * passes in a row that ran only ready work (no timer came due, time did not
 * move) while a timer waited, the next pass moves time to that timer, as if
 * those turns had taken its delay. The timers due then run first in that
 * pass, before the ready work, as Node's timers phase comes before its check
 * phase. So a timer awaited under a poll fires at exactly its due time (0 ms
 * late); what differs from Node is only how many times the poll ran before
 * it (Node: as many as fit in the delay; the loop: `pollTurns` per timer on
 * the way). A driver bounded by a target (advance, next) whose next timer lies
 * beyond it stops there instead. With no timer waiting there is nothing to
 * move to: that is a true runaway, which loopLimit stops.
 * @internal
 */

/** Passes in a row of only ready work, while a timer waits, after which time moves to that timer. */
export const pollTurns = 1000

/** One driver's count of passes in a row that ran only ready work while a timer waited. @internal */
export class Turns {
  #passes = 0
  readonly #budget: number
  /** Real time at which real I/O in flight first held a jump the spent budget asked for. */
  heldSince: number | undefined

  /** `loopLimit` caps the budget: a poll must move time before it counts as a runaway. */
  constructor(loopLimit: number, budget = pollTurns) {
    this.#budget = Math.min(budget, loopLimit)
  }

  /** The budget is spent: the next pass moves time to the next timer, if the driver may. */
  get spent(): boolean {
    return this.#passes >= this.#budget
  }

  /** A pass ran only ready work while a timer waited. */
  readyOnly(): void {
    this.#passes++
  }

  /** A timer came due, time moved, or no timer waits: the count starts again. */
  reset(): void {
    this.#passes = 0
    this.heldSince = undefined
  }
}
