/**
 * The sampling harness. A *rep* does its own untimed setup, times the work it
 * stands for with the real clock and returns those milliseconds. After a
 * warm-up, reps are repeated until there are at least `runs` of them and they
 * have lasted `runs × minSampleMs`; the result is the median rep. The median
 * (not the mean) because a shared machine stalls a process now and then for
 * longer than a whole small rep, and one stall (or the collection of an
 * earlier rep's garbage) must not move the figure. No GC is forced between
 * reps: a forced full GC drops optimized code that embedded the previous
 * rep's closures, and the next rep would pay for deoptimization instead.
 */
import { gc, realNow } from './real.ts'
import { median } from './stats.ts'

export interface MeasureOptions {
  /** Reps to take at least (the median is reported). */
  runs: number
  /** Reps go on until they have lasted `runs × minSampleMs`. */
  minSampleMs: number
  /** Wall-clock budget for the whole measurement; a slow engine gets fewer reps. */
  budgetMs: number
}

export interface Measured {
  /** Median ms per rep. */
  ms: number
  /** Reps measured. */
  count: number
  /** First and third quartile of the reps, ms. */
  q1: number
  q3: number
  /** True when the budget allowed fewer than `runs` reps. */
  truncated: boolean
}

function summary(samples: number[], runs: number): Measured {
  const s = [...samples].sort((a, b) => a - b)
  return {
    ms: median(s),
    count: s.length,
    q1: s[Math.floor((s.length - 1) / 4)]!,
    q3: s[Math.ceil(((s.length - 1) * 3) / 4)]!,
    truncated: s.length < runs,
  }
}

export async function measure(rep: () => number | Promise<number>, options: MeasureOptions): Promise<Measured> {
  const { runs, minSampleMs, budgetMs } = options
  const start = realNow()
  gc()
  const cold = await rep()
  // A slow rep (an O(n²) engine at large n): every rep counts, no warm-up, fewer reps if need be.
  if (cold * (runs + 1) > budgetMs) {
    const samples = [cold]
    while (samples.length < runs && realNow() - start + cold <= budgetMs) samples.push(await rep())
    return summary(samples, runs)
  }
  const warmStart = realNow()
  do await rep()
  while (realNow() - warmStart < minSampleMs)
  const samples: number[] = []
  const t0 = realNow()
  while (samples.length < runs || (realNow() - t0 < runs * minSampleMs && samples.length < 100_000)) {
    samples.push(await rep())
  }
  return summary(samples, runs)
}

/** heapUsed after a full GC, in bytes. */
export function heapUsed(): number {
  gc()
  return process.memoryUsage().heapUsed
}
