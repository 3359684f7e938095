/**
 * The baselines: a plain binary min-heap of timer entries on (when, seq), the
 * least a virtual clock must do, and the two ways of yielding to promise jobs
 * between callbacks.
 */
import { realSetImmediate } from './real.ts'

export interface Entry {
  when: number
  seq: number
  fn: () => void
}

function less(a: Entry, b: Entry): boolean {
  return a.when < b.when || (a.when === b.when && a.seq < b.seq)
}

/** A textbook binary heap of entry objects. */
export class BinaryHeap {
  readonly #a: Entry[] = []
  #seq = 0

  get size(): number {
    return this.#a.length
  }

  peek(): Entry | undefined {
    return this.#a[0]
  }

  push(when: number, fn: () => void): Entry {
    const a = this.#a
    const entry: Entry = { when, seq: ++this.#seq, fn }
    let i = a.length
    a.push(entry)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!less(entry, a[p]!)) break
      a[i] = a[p]!
      i = p
    }
    a[i] = entry
    return entry
  }

  pop(): Entry | undefined {
    const a = this.#a
    const top = a[0]
    const last = a.pop()
    if (top === undefined || last === undefined || a.length === 0) return top
    const n = a.length
    let i = 0
    for (;;) {
      let c = 2 * i + 1
      if (c >= n) break
      if (c + 1 < n && less(a[c + 1]!, a[c]!)) c++
      if (!less(a[c]!, last)) break
      a[i] = a[c]!
      i = c
    }
    a[i] = last
    return top
  }
}

/** One real macrotask: every promise job queued before it has run. */
export function hop(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve))
}

/**
 * The same guarantee for less: immediates queued together run in one check
 * phase, and Node drains process.nextTick and promise jobs between any two of
 * them, so a batch of pre-queued immediates gives a full drain per callback
 * without a trip round the event loop each. The floor for "one macrotask
 * boundary per callback".
 */
const waiting: (() => void)[] = []
let waitHead = 0
let armed = 0
let batch = 1

function release(): void {
  armed--
  if (waitHead < waiting.length) {
    const resolve = waiting[waitHead]!
    waiting[waitHead++] = undefined as never
    if (waitHead === waiting.length) {
      waiting.length = 0
      waitHead = 0
    }
    resolve()
  } else {
    batch = 1
  }
}

export function batchedHop(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve)
    if (armed < waiting.length - waitHead) {
      for (let i = 0; i < batch; i++) realSetImmediate(release)
      armed += batch
      if (batch < 256) batch *= 2
    }
  })
}

/** A virtual clock on the plain heap: the baseline engine. */
export class HeapClock {
  now = 0
  readonly heap = new BinaryHeap()

  setTimeout(fn: () => void, ms: number): Entry {
    return this.heap.push(this.now + ms, fn)
  }

  /** Fires every entry due up to `now + ms`, back to back. */
  advanceSync(ms: number): void {
    const until = this.now + ms
    const heap = this.heap
    let top: Entry | undefined
    while ((top = heap.peek()) !== undefined && top.when <= until) {
      heap.pop()
      this.now = top.when
      top.fn()
    }
    this.now = until
  }

  /** Fires every entry due up to `now + ms`, with `yieldFn` after each callback. */
  async advance(ms: number, yieldFn: () => Promise<void>): Promise<void> {
    const until = this.now + ms
    const heap = this.heap
    let top: Entry | undefined
    while ((top = heap.peek()) !== undefined && top.when <= until) {
      heap.pop()
      this.now = top.when
      top.fn()
      await yieldFn()
    }
    this.now = until
  }

  /** Auto time flow: after each drain, jump to the next entry; done when none is left. */
  async runAuto(yieldFn: () => Promise<void>): Promise<void> {
    const heap = this.heap
    for (;;) {
      await yieldFn()
      const top = heap.pop()
      if (top === undefined) return
      this.now = top.when
      top.fn()
    }
  }
}
