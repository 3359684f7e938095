// @vitest-environment happy-dom
// vi.advanceTimersToNextFrame on the loop: requestAnimationFrame exists in
// browser-like environments (Vitest's timers suite, advanceTimersToNextFrame).
import 'vitest-loop/setup'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useLoop } from 'vitest-loop'

// The environment's globals (tsconfig has no DOM library).
declare function requestAnimationFrame(callback: (time: number) => void): number
declare function cancelAnimationFrame(id: number): void

describe('advanceTimersToNextFrame', () => {
  // In the describe block: jsdom.test.ts imports this file beside others.
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('runs the requested frame callbacks in order', () => {
    const order: string[] = []
    requestAnimationFrame(() => order.push('one'))
    requestAnimationFrame(() => order.push('two'))
    requestAnimationFrame(() => order.push('three'))
    vi.advanceTimersToNextFrame()
    expect(order).toEqual(['one', 'two', 'three'])
  })

  it('runs only the frames requested before it, one frame per call', () => {
    const order: string[] = []
    requestAnimationFrame(() => {
      order.push('first')
      requestAnimationFrame(() => order.push('second'))
    })
    vi.advanceTimersToNextFrame()
    expect(order).toEqual(['first'])
    vi.advanceTimersToNextFrame()
    expect(order).toEqual(['first', 'second'])
  })

  it('skips a cancelled frame callback', () => {
    const callback = vi.fn()
    cancelAnimationFrame(requestAnimationFrame(callback))
    vi.advanceTimersToNextFrame()
    expect(callback).not.toHaveBeenCalled()
  })

  it('moves time only to the next frame (16 ms)', () => {
    const order: string[] = []
    const start = Date.now()
    requestAnimationFrame(() => order.push('frame'))
    vi.advanceTimersByTime(6)
    expect(Date.now()).toBe(start + 6)
    expect(order).toEqual([])
    vi.advanceTimersToNextFrame()
    expect(order).toEqual(['frame'])
    expect(Date.now()).toBe(start + 16)
  })

  it('runs the timers due on the way first', () => {
    const order: string[] = []
    requestAnimationFrame(() => order.push('frame'))
    setTimeout(() => order.push('timeout'), 10)
    vi.advanceTimersToNextFrame()
    expect(order).toEqual(['timeout', 'frame'])
  })

  it('does not run a timer set by a frame callback', () => {
    const order: string[] = []
    requestAnimationFrame(() => {
      order.push('frame')
      setTimeout(() => order.push('timeout'), 1)
    })
    vi.advanceTimersToNextFrame()
    expect(order).toEqual(['frame'])
    vi.advanceTimersByTime(1)
    expect(order).toEqual(['frame', 'timeout'])
  })

  it('passes the frame time, on the clock of performance.now()', () => {
    const callback = vi.fn()
    requestAnimationFrame(callback)
    vi.advanceTimersToNextFrame()
    expect(callback).toHaveBeenCalledWith(performance.now())
    expect(useLoop().time()).toBe(16)
  })
})
