/** Medians and human-readable numbers for the report. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** `312 ns`, `4.1 µs`, `18.2 ms`, `2.35 s` from nanoseconds. */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return '-'
  if (ns < 1_000) return `${ns.toFixed(0)} ns`
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : 1)} µs`
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(ns < 10_000_000 ? 2 : 1)} ms`
  return `${(ns / 1_000_000_000).toFixed(2)} s`
}

/** `1e5` for 100000. */
export function formatN(n: number): string {
  const e = Math.log10(n)
  return Number.isInteger(e) ? `1e${e}` : String(n)
}

export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return '-'
  return `${r < 10 ? r.toFixed(2) : r.toFixed(1)}×`
}
