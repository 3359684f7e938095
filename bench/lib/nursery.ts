/**
 * Where in V8's young generation a rep starts, made random.
 *
 * A rep that leaves its timers pending until the advance (A, B) pays for a
 * scavenge by what is alive when it comes: early in the scheduling, little;
 * late, every pending timer is copied and promoted. Back to back, reps start
 * wherever the last one left the nursery, so a rep that allocates about one
 * nursery's worth locks its scavenges to the same point rep after rep: eight
 * bytes more per Timeout (a test's store on Node 20) moved the global
 * setTimeout at 1e5 from 0.78 to 1.55 µs a timer (README, under the A
 * table), though at 1e4 the two were equal. A user's test
 * starts at no particular point. Before each rep (untimed) this allocates
 * garbage so that the next scavenge comes after a seeded uniform share of
 * the nursery: every engine meets the same spread of phases, and the median
 * rep is what a test sees in the middle case, not the luck of a constant.
 */
import { getHeapSpaceStatistics } from 'node:v8'
import { rng } from './rng.ts'

/** Cells at least this big get a random phase; smaller reps fill a small share of the nursery. */
export const jitterFrom = 100_000

let sink: unknown

/** A function to call before each rep: it moves the next scavenge to a random point of the rep's allocation. */
export function nurseryJitter(seed = 7): () => void {
  const next = rng(seed)
  return () => {
    const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
    if (space === undefined) return
    const free = space.space_available_size
    const capacity = space.space_used_size + free
    // The rep's next scavenge after `at` bytes of its own allocation.
    const at = Math.floor(next() * capacity)
    let bytes = free >= at ? free - at : free + capacity - at
    // ~1 KB apiece (a 126-slot array), each kept until the next so none is optimized away.
    while (bytes > 0) {
      sink = new Array(126)
      bytes -= 1056
    }
    sink = undefined
  }
}
