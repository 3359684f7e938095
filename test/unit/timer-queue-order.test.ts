// The timer heap (src/loop/timer-queue.ts): whatever the mix of push, cancel
// and reschedule, timers come out in (when, seq) order, the live count is
// exact, and compaction (stale entries over half of at least 100) keeps both.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { newEventLoop, TimerHandle } from 'vitest-loop'
import { DONE, PENDING, setState } from '../../src/loop/handle.ts'
import { TimerQueue } from '../../src/loop/timer-queue.ts'

/** Fixed seed: the same cases every run (fast-check prints the seed of a failure anyway). */
const runs = { seed: 20261121, numRuns: 300 } as const

const noop = (): void => {}

/**
 * A queue driven the way the loop drives it: a handle in the heap has
 * `_inHeap` (a seq), cancelling it tells the owner, which marks one entry stale.
 */
function harness() {
  const queue = new TimerQueue()
  const owner = { _timerCancelled: () => queue.markStale() }
  return {
    queue,
    push(when: number): TimerHandle {
      const handle = new TimerHandle(owner, when, 0, noop, undefined, undefined)
      queue.push(handle)
      expect(handle._inHeap).toBe(true)
      return handle
    },
    /** Node's `timeout.refresh()`: a new entry with a new seq; the old one goes stale once replaced. */
    reschedule(handle: TimerHandle, when: number): void {
      const wasInHeap = handle._inHeap
      handle.when = when
      setState(handle, PENDING)
      queue.push(handle)
      if (wasInHeap) queue.markStale()
    },
    /** Pops what is due, as a pass does: the popped handle is out of the heap and runs. */
    popDue(now: number): TimerHandle[] {
      const out: TimerHandle[] = []
      let handle: TimerHandle | undefined
      while ((handle = queue.popDue(now)) !== undefined) {
        expect(handle._inHeap).toBe(false)
        setState(handle, DONE)
        out.push(handle)
      }
      return out
    },
  }
}

type Op =
  | { op: 'push'; when: number }
  | { op: 'cancel'; pick: number }
  | { op: 'reschedule'; pick: number; when: number }
  | { op: 'pop'; now: number }

// Few distinct times, so that ties (broken by seq) are common.
const when = fc.integer({ min: 0, max: 40 })
const pick = fc.nat()
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: when.map((w) => ({ op: 'push', when: w }) as const) },
  { weight: 4, arbitrary: pick.map((p) => ({ op: 'cancel', pick: p }) as const) },
  { weight: 2, arbitrary: fc.tuple(pick, when).map(([p, w]) => ({ op: 'reschedule', pick: p, when: w }) as const) },
  { weight: 1, arbitrary: when.map((n) => ({ op: 'pop', now: n }) as const) },
)
// A heap filled first, then churned by cancels and reschedules: stale entries
// pile up past the compaction threshold, often in the middle of a reschedule.
const churnArb: fc.Arbitrary<Op[]> = fc
  .tuple(
    fc.array(when.map((w) => ({ op: 'push', when: w }) as const), { minLength: 100, maxLength: 300 }),
    fc.array(
      fc.oneof(
        { weight: 3, arbitrary: pick.map((p) => ({ op: 'cancel', pick: p }) as const) },
        { weight: 3, arbitrary: fc.tuple(pick, when).map(([p, w]) => ({ op: 'reschedule', pick: p, when: w }) as const) },
        { weight: 1, arbitrary: when.map((w) => ({ op: 'push', when: w }) as const) },
      ),
      { minLength: 100, maxLength: 400 },
    ),
  )
  .map(([fill, churn]): Op[] => [...fill, ...churn])

/** (when, seq) order: the order the queue promises. */
function byWhenThenSeq(a: TimerHandle, b: TimerHandle): number {
  return a.when - b.when || a._seq - b._seq
}

/** Cheap checks for the inner loop of a property (deep equality on handles is slow to shrink with). */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what)
}

function sameHandles(actual: readonly TimerHandle[], expected: readonly TimerHandle[]): boolean {
  return actual.length === expected.length && actual.every((handle, i) => handle === expected[i])
}

describe('TimerQueue', () => {
  it('pops in (when, seq) order with an exact live count, through any push/cancel/reschedule/pop sequence', () => {
    let compactions = 0
    let compactionsInReschedule = 0
    fc.assert(
      fc.property(fc.oneof(fc.array(opArb, { minLength: 1, maxLength: 600 }), churnArb), (ops) => {
        const h = harness()
        const live = new Set<TimerHandle>()
        for (const step of ops) {
          const pending = [...live]
          const sizeBefore = h.queue.size
          switch (step.op) {
            case 'push':
              live.add(h.push(step.when))
              break
            case 'cancel':
              if (pending.length === 0) break
              {
                const handle = pending[step.pick % pending.length]!
                handle.cancel()
                live.delete(handle)
              }
              break
            case 'reschedule':
              if (pending.length === 0) break
              h.reschedule(pending[step.pick % pending.length]!, step.when)
              if (h.queue.size <= sizeBefore) compactionsInReschedule++
              break
            case 'pop': {
              const expected = pending.filter((x) => x.when <= step.now).sort(byWhenThenSeq)
              const popped = h.popDue(step.now)
              check(sameHandles(popped, expected), `popDue(${step.now}) out of (when, seq) order`)
              for (const x of popped) live.delete(x)
              break
            }
          }
          if (step.op !== 'pop' && h.queue.size < sizeBefore + (step.op === 'cancel' ? 0 : 1)) compactions++
          check(h.queue.liveCount === live.size, `liveCount ${h.queue.liveCount}, expected ${live.size}`)
          let earliest: number | undefined
          for (const x of live) if (earliest === undefined || x.when < earliest) earliest = x.when
          check(h.queue.peekWhen() === earliest, `peekWhen() ${h.queue.peekWhen()}, expected ${earliest}`)
          const listed = [...h.queue.live()]
          check(listed.length === live.size && listed.every((x) => live.has(x)), 'live() lists other handles')
        }
        const rest = [...live].sort(byWhenThenSeq)
        check(sameHandles(h.popDue(Infinity), rest), 'draining is out of (when, seq) order')
        expect(h.queue.liveCount).toBe(0)
        expect(h.queue.peekWhen()).toBeUndefined()
      }),
      runs,
    )
    // The cases did reach the compaction rule, also in the middle of a reschedule.
    expect(compactions).toBeGreaterThan(50)
    expect(compactionsInReschedule).toBeGreaterThan(10)
  })

  it('compacts when stale entries are over half of at least 100, keeping the order', () => {
    fc.assert(
      fc.property(
        fc.array(when, { minLength: 200, maxLength: 400 }),
        fc.array(fc.boolean(), { minLength: 400, maxLength: 400 }),
        (whens, cancelMask) => {
          const h = harness()
          const handles = whens.map((w) => h.push(w))
          let cancelled = 0
          handles.forEach((handle, i) => {
            if (cancelMask[i]) {
              handle.cancel()
              cancelled++
            }
          })
          const kept = handles.filter((_, i) => !cancelMask[i])
          expect(h.queue.liveCount).toBe(kept.length)
          // Compaction leaves no more stale entries than its rule allows.
          const stale = h.queue.size - kept.length
          expect(stale < 100 || stale * 2 <= h.queue.size).toBe(true)
          if (cancelled * 2 > handles.length && cancelled >= 100) expect(h.queue.size).toBeLessThan(handles.length)
          check(sameHandles(h.popDue(Infinity), [...kept].sort(byWhenThenSeq)), 'out of (when, seq) order after compaction')
        },
      ),
      { ...runs, numRuns: 100 },
    )
  })

  it('compacts exactly at the threshold: 100 stale entries out of 199, not out of 200', () => {
    const h = harness()
    const a = Array.from({ length: 199 }, (_, i) => h.push(i))
    for (let i = 0; i < 99; i++) a[i]!.cancel()
    expect(h.queue.size).toBe(199)
    a[99]!.cancel()
    expect(h.queue.size).toBe(99)
    expect(h.popDue(Infinity).map((x) => x.when)).toEqual(a.slice(100).map((x) => x.when))

    const g = harness()
    const b = Array.from({ length: 200 }, (_, i) => g.push(i))
    for (let i = 0; i < 100; i++) b[i]!.cancel()
    expect(g.queue.size).toBe(200)
    b[100]!.cancel()
    expect(g.queue.size).toBe(99)
    expect(g.popDue(Infinity).map((x) => x.when)).toEqual(b.slice(101).map((x) => x.when))
  })

  it('breaks ties by seq: a rescheduled handle goes after the others due then', () => {
    const h = harness()
    const first = h.push(10)
    const second = h.push(10)
    h.reschedule(first, 10)
    const popped = h.popDue(10)
    expect(popped).toHaveLength(2)
    expect(popped[0]).toBe(second)
    expect(popped[1]).toBe(first)
  })
})

describe('EventLoop timers (heap through the loop)', () => {
  it('fires in (when, creation) order and counts live timers exactly, across compactions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(when, fc.boolean()), { minLength: 1, maxLength: 400 }),
        (specs) => {
          const loop = newEventLoop()
          const fired: number[] = []
          const handles = specs.map(([w], i) => loop.callAt(w, () => fired.push(i)))
          specs.forEach(([, cancel], i) => cancel && handles[i]!.cancel())
          const expected = specs
            .map(([w, cancel], i) => ({ w, cancel, i }))
            .filter((x) => !x.cancel)
            .sort((a, b) => a.w - b.w || a.i - b.i)
            .map((x) => x.i)
          expect(loop.timerCount).toBe(expected.length)
          loop.runUntilIdleSync()
          expect(fired).toEqual(expected)
          expect(loop.timerCount).toBe(0)
          loop.close()
        },
      ),
      { ...runs, numRuns: 100 },
    )
  })

  it('keeps an exact count when handles are rescheduled in the heap (what refresh() does)', () => {
    const loop = newEventLoop()
    const fired: number[] = []
    const handles = Array.from({ length: 150 }, (_, i) => loop.callLater(1000 + i, () => fired.push(i)))
    // Move every timer earlier, in reverse: each leaves a stale entry behind,
    // and the stale entries end up over half of the heap, which compacts it.
    handles.forEach((handle, i) => {
      handle.when = 500 - i
      loop._schedule(handle)
      expect(loop.timerCount).toBe(150)
    })
    loop.runUntilIdleSync()
    expect(fired).toEqual(handles.map((_, i) => 149 - i))
    expect(loop.time()).toBe(500)
    expect(loop.timerCount).toBe(0)
    loop.close()
  })
})
