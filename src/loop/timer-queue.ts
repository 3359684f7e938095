/**
 * The loop's timers: a binary min-heap ordered by (when, seq).
 *
 * `seq` is the creation order, so timers due at the same instant fire in the
 * order they were scheduled. The heap is three parallel arrays (when, seq,
 * handle) so that sifting compares packed numbers and never dereferences a
 * handle. Cancelling is O(1): the handle is flagged and its entry stays until
 * it reaches the top or until stale entries are more than half of at least
 * 100, when the heap is compacted (asyncio's rule in `BaseEventLoop._run_once`).
 * An entry is live while its handle is pending and still carries the entry's
 * seq; rescheduling a handle (Node's `timeout.refresh()`) gives it a new seq,
 * which leaves the old entry stale. A handle's seq is 0 while no live entry
 * holds it (never pushed, popped, cancelled): that is its `_inHeap`.
 */
import { PENDING, STATE } from './handle.ts'
import type { TimerHandle } from './handle.ts'

const compactMin = 100

export class TimerQueue {
  #when: number[] = []
  #seq: number[] = []
  #items: TimerHandle[] = []
  #stale = 0
  #nextSeq = 0

  /** Entries in the heap, stale ones included. */
  get size(): number {
    return this.#items.length
  }

  /** Live timers. */
  get liveCount(): number {
    return this.#items.length - this.#stale
  }

  /** Adds `handle` at `handle.when`, stamping it with the next seq. */
  push(handle: TimerHandle): void {
    const seq = ++this.#nextSeq
    handle._seq = seq
    const when = handle.when
    const w = this.#when
    const s = this.#seq
    const it = this.#items
    let i = it.length
    w.push(when)
    s.push(seq)
    it.push(handle)
    // sift up
    while (i > 0) {
      const parent = (i - 1) >> 1
      const pw = w[parent]!
      if (pw < when || (pw === when && s[parent]! < seq)) break
      w[i] = pw
      s[i] = s[parent]!
      it[i] = it[parent]!
      i = parent
    }
    w[i] = when
    s[i] = seq
    it[i] = handle
  }

  /**
   * One entry of the heap became stale (its handle was cancelled, or was
   * rescheduled: call it after that push, which gave the handle its new seq).
   */
  markStale(): void {
    this.#stale++
    if (this.#stale >= compactMin && this.#stale * 2 > this.#items.length) this.#compact()
  }

  /** Due time of the earliest live timer, or undefined when there is none. */
  peekWhen(): number | undefined {
    this.#dropStaleTop()
    return this.#items.length === 0 ? undefined : this.#when[0]
  }

  /** Removes and returns the earliest live timer if it is due at or before `now`; its seq goes back to 0 (off the heap). */
  popDue(now: number): TimerHandle | undefined {
    // A top due after `now` means every entry is, stale or live: no need to
    // look at its handle (the last call of every pass ends here).
    while (this.#items.length > 0 && this.#when[0]! <= now) {
      if (this.#isLive(0)) {
        const handle = this.#popTop()
        handle._seq = 0
        return handle
      }
      this.#popTop()
      this.#stale--
    }
    return undefined
  }

  /** Live timers, in no particular order. */
  *live(): IterableIterator<TimerHandle> {
    const s = this.#seq
    const it = this.#items
    for (let i = 0; i < it.length; i++) {
      const h = it[i]!
      if ((h._flags & STATE) === PENDING && h._seq === s[i]) yield h
    }
  }

  /** Forgets every timer. */
  clear(): void {
    this.#when = []
    this.#seq = []
    this.#items = []
    this.#stale = 0
  }

  #isLive(i: number): boolean {
    const h = this.#items[i]!
    return (h._flags & STATE) === PENDING && h._seq === this.#seq[i]
  }

  #dropStaleTop(): void {
    while (this.#items.length > 0 && !this.#isLive(0)) {
      this.#popTop()
      this.#stale--
    }
  }

  #popTop(): TimerHandle {
    const w = this.#when
    const s = this.#seq
    const it = this.#items
    const top = it[0]!
    const lastW = w.pop()!
    const lastS = s.pop()!
    const lastH = it.pop()!
    const n = it.length
    if (n === 0) return top
    // sift the last entry down from the root
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      const right = child + 1
      if (right < n && (w[right]! < w[child]! || (w[right] === w[child] && s[right]! < s[child]!))) child = right
      const cw = w[child]!
      if (lastW < cw || (lastW === cw && lastS < s[child]!)) break
      w[i] = cw
      s[i] = s[child]!
      it[i] = it[child]!
      i = child
    }
    w[i] = lastW
    s[i] = lastS
    it[i] = lastH
    return top
  }

  #compact(): void {
    const w: number[] = []
    const s: number[] = []
    const it: TimerHandle[] = []
    for (let i = 0; i < this.#items.length; i++) {
      if (!this.#isLive(i)) continue
      w.push(this.#when[i]!)
      s.push(this.#seq[i]!)
      it.push(this.#items[i]!)
    }
    this.#when = w
    this.#seq = s
    this.#items = it
    this.#stale = 0
    // Floyd's heapify: sift down every inner node, last first.
    for (let start = (it.length >> 1) - 1; start >= 0; start--) {
      const hw = w[start]!
      const hs = s[start]!
      const hh = it[start]!
      let i = start
      for (;;) {
        let child = 2 * i + 1
        if (child >= it.length) break
        const right = child + 1
        if (right < it.length && (w[right]! < w[child]! || (w[right] === w[child] && s[right]! < s[child]!))) {
          child = right
        }
        if (hw < w[child]! || (hw === w[child] && hs < s[child]!)) break
        w[i] = w[child]!
        s[i] = s[child]!
        it[i] = it[child]!
        i = child
      }
      w[i] = hw
      s[i] = hs
      it[i] = hh
    }
  }
}
