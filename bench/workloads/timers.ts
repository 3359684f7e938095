/**
 * Workloads on a clock driven by hand.
 *
 * A: N timers with seeded random delays (1 ms to 1,000 s), then one sync
 *    advance to the end. Timed: scheduling and firing.
 * B: the same with an async advance: each callback queues a promise job, and
 *    the next callback checks that it ran (promise jobs drained in between).
 * D: one 1 ms tick while N far-future timers (11.6 to 23 days) are pending:
 *    a clock that scans its timers pays N per tick.
 * M: heapUsed per pending timer.
 */
import type { Engine } from '../lib/engines.ts'
import { delays } from '../lib/rng.ts'
import { realNow } from '../lib/real.ts'
import { heapUsed } from '../lib/measure.ts'
import { median } from '../lib/stats.ts'
import { jitterFrom, nurseryJitter } from '../lib/nursery.ts'

export const horizon = 1_000_000

function clockOf(engine: Engine) {
  if (!engine.clock) throw new Error(`${engine.id} has no hand-driven clock`)
  return engine.clock.bind(engine)
}

export function syncAdvance(engine: Engine, n: number): () => number {
  const make = clockOf(engine)
  const ds = delays(n, 1, horizon)
  const jitter = n >= jitterFrom ? nurseryJitter() : undefined
  return () => {
    const clock = make()
    let fired = 0
    const cb = (): void => {
      fired++
    }
    jitter?.()
    const t0 = realNow()
    for (let i = 0; i < n; i++) clock.setTimeout(cb, ds[i]!)
    clock.advanceSync(horizon)
    const ms = realNow() - t0
    clock.dispose()
    if (fired !== n) throw new Error(`${engine.id}: fired ${fired} of ${n}`)
    return ms
  }
}

export function asyncAdvance(engine: Engine, n: number): () => Promise<number> {
  const make = clockOf(engine)
  const ds = delays(n, 1, horizon)
  const jitter = n >= jitterFrom ? nurseryJitter() : undefined
  return async () => {
    const clock = make()
    let fired = 0
    let jobs = 0
    let undrained = 0
    const resolved = Promise.resolve()
    const job = (): void => {
      jobs++
    }
    const cb = (): void => {
      if (jobs !== fired) undrained++
      fired++
      void resolved.then(job)
    }
    jitter?.()
    const t0 = realNow()
    for (let i = 0; i < n; i++) clock.setTimeout(cb, ds[i]!)
    await clock.advance(horizon)
    const ms = realNow() - t0
    clock.dispose()
    if (fired !== n || jobs !== n) throw new Error(`${engine.id}: fired ${fired}, jobs ${jobs} of ${n}`)
    if (undrained !== 0) throw new Error(`${engine.id}: ${undrained} callbacks ran before the previous one's promise job`)
    return ms
  }
}

/**
 * Returns ms per tick. The clock and its `n` far timers are set up once, on
 * the first rep (untimed), and every rep times `ticks` more ticks on it: the
 * warm-up reps absorb the collection that promotes the fresh timers.
 */
export function farTick(engine: Engine, n: number, ticksOf: number | (() => number)): () => number {
  const make = clockOf(engine)
  const ds = delays(n, 1_000_000_000, 2_000_000_000)
  const cb = (): void => {
    throw new Error('a far-future timer fired')
  }
  let clock: ReturnType<typeof make> | undefined
  return () => {
    if (clock === undefined) {
      clock = make()
      for (let i = 0; i < n; i++) clock.setTimeout(cb, ds[i]!)
    }
    const ticks = typeof ticksOf === 'number' ? ticksOf : ticksOf()
    const t0 = realNow()
    for (let i = 0; i < ticks; i++) clock.advanceSync(1)
    return (realNow() - t0) / ticks
  }
}

/**
 * How many ticks make a D rep last about `targetMs`. The probe runs growing
 * batches of ticks on its own clock until one lasts half the target: a
 * figure from a few cold ticks (interpreter, first collection of the fresh
 * timers) is 100× the warm one, and reps sized from it lasted 0.1 ms, so
 * that one pause of the process decided the median.
 */
export function calibrateTicks(engine: Engine, n: number, targetMs: number): number {
  const maxTicks = 2_000_000
  let ticks = 100
  let perTick = Infinity
  const probe = farTick(engine, n, () => ticks)
  for (;;) {
    perTick = probe()
    if (perTick * ticks >= targetMs / 2 || ticks >= maxTicks) break
    ticks = Math.min(maxTicks, ticks * 4)
  }
  return Math.max(10, Math.min(maxTicks, Math.round(targetMs / Math.max(perTick, 1e-6))))
}

/** Bytes of heap per pending timer (median of 3 fills). */
export function bytesPerTimer(engine: Engine, n: number): number {
  const make = clockOf(engine)
  const ds = delays(n, 1, horizon)
  const cb = (): void => {}
  const out: number[] = []
  for (let r = 0; r < 3; r++) {
    const clock = make()
    const before = heapUsed()
    for (let i = 0; i < n; i++) clock.setTimeout(cb, ds[i]!)
    const after = heapUsed()
    out.push((after - before) / n)
    clock.dispose()
  }
  return median(out)
}
