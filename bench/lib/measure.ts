/**
 * The sampling harness. A *rep* does its own untimed setup, times the work it
 * stands for with the real clock and returns those milliseconds. A *sample*
 * is the mean of enough reps to last `minSampleMs`, taken after a full GC;
 * the result is the median of `runs` samples, after one warm-up rep.
 */
import { gc, realNow } from './real.ts'
import { median } from './stats.ts'

export interface MeasureOptions {
  /** Samples to take (the median is reported). */
  runs: number
  /** Reps are repeated inside a sample until it lasts this long. */
  minSampleMs: number
  /** Wall-clock budget for the whole measurement; a slow engine gets fewer samples. */
  budgetMs: number
}

export interface Measured {
  /** Median over samples of the mean ms per rep. */
  ms: number
  samples: number[]
  repsPerSample: number
  /** True when the budget forced fewer samples than asked for. */
  truncated: boolean
}

export async function measure(rep: () => number | Promise<number>, options: MeasureOptions): Promise<Measured> {
  const { runs, minSampleMs, budgetMs } = options
  const start = realNow()
  gc()
  const cold = await rep()
  // A slow rep (an O(n²) engine at large n): every rep counts, no warm-up, fewer samples if need be.
  if (cold * (runs + 1) > budgetMs) {
    const samples = [cold]
    while (samples.length < runs && realNow() - start + cold <= budgetMs) {
      gc()
      samples.push(await rep())
    }
    return { ms: median(samples), samples, repsPerSample: 1, truncated: samples.length < runs }
  }
  gc()
  const warm = await rep()
  const reps = Math.max(1, Math.min(10_000, Math.ceil(minSampleMs / Math.max(warm, 1e-3))))
  const samples: number[] = []
  for (let s = 0; s < runs; s++) {
    gc()
    let total = 0
    for (let r = 0; r < reps; r++) total += await rep()
    samples.push(total / reps)
  }
  return { ms: median(samples), samples, repsPerSample: reps, truncated: false }
}

/** heapUsed after a full GC, in bytes. */
export function heapUsed(): number {
  gc()
  return process.memoryUsage().heapUsed
}
