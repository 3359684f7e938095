/**
 * A seeded PRNG (mulberry32), so every engine sees the same delays in the
 * same order on every run.
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `n` whole-millisecond delays in `[min, max]`. */
export function delays(n: number, min: number, max: number, seed = 42): number[] {
  const next = rng(seed)
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) out[i] = min + Math.floor(next() * (max - min + 1))
  return out
}
