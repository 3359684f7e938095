// The ready queue (src/loop/internal/deque.ts): a FIFO that trims its array
// as it goes; whatever the mix of push and shift, it behaves like an array.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Deque } from '../../src/loop/internal/deque.ts'

describe('Deque', () => {
  it('keeps FIFO order, length and iteration through any push/shift sequence, across trims', () => {
    fc.assert(
      fc.property(
        // Runs of pushes and shifts long enough to cross the 1024-entry trim.
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 1500 })), { minLength: 1, maxLength: 12 }),
        (runs) => {
          const deque = new Deque<number>()
          const model: number[] = []
          let next = 0
          for (const [isPush, count] of runs) {
            for (let i = 0; i < count; i++) {
              if (isPush) {
                deque.push(next)
                model.push(next++)
              } else if (deque.shift() !== model.shift()) {
                throw new Error('shift out of FIFO order')
              }
            }
            if (deque.length !== model.length) throw new Error(`length ${deque.length}, expected ${model.length}`)
            const listed = [...deque]
            if (listed.length !== model.length || listed.some((x, i) => x !== model[i])) {
              throw new Error('iteration differs from the queue')
            }
          }
        },
      ),
      { seed: 20261121, numRuns: 200 },
    )
  })

  it('returns undefined when empty and forgets everything on clear()', () => {
    const deque = new Deque<string>()
    expect(deque.shift()).toBeUndefined()
    deque.push('a')
    deque.push('b')
    deque.clear()
    expect(deque.length).toBe(0)
    expect([...deque]).toEqual([])
    deque.push('c')
    expect(deque.shift()).toBe('c')
  })
})
