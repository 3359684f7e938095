/**
 * A FIFO queue on a ring buffer: push and shift are O(1), touch no array
 * builtin and never move the items. The capacity is a power of two that
 * doubles when full and falls back to the minimum once a large queue drains.
 * @internal
 */
const minCapacity = 16
const shrinkAbove = 1024

export class Deque<T> {
  #items: (T | undefined)[] = new Array<T | undefined>(minCapacity).fill(undefined)
  #head = 0
  #size = 0
  #mask = minCapacity - 1

  get length(): number {
    return this.#size
  }

  push(item: T): void {
    if (this.#size > this.#mask) this.#grow()
    this.#items[(this.#head + this.#size) & this.#mask] = item
    this.#size++
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined
    const head = this.#head
    const item = this.#items[head]
    this.#items[head] = undefined
    this.#head = (head + 1) & this.#mask
    if (--this.#size === 0 && this.#mask >= shrinkAbove) this.clear()
    return item
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#size; i++) yield this.#items[(this.#head + i) & this.#mask] as T
  }

  clear(): void {
    this.#items = new Array<T | undefined>(minCapacity).fill(undefined)
    this.#head = 0
    this.#size = 0
    this.#mask = minCapacity - 1
  }

  /** Doubles the capacity, laying the items out from index 0. */
  #grow(): void {
    const old = this.#items
    const capacity = old.length * 2
    const items = new Array<T | undefined>(capacity).fill(undefined)
    for (let i = 0; i < this.#size; i++) items[i] = old[(this.#head + i) & this.#mask]
    this.#items = items
    this.#head = 0
    this.#mask = capacity - 1
  }
}
