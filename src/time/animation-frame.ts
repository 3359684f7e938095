/**
 * `requestAnimationFrame` / `cancelAnimationFrame` on a loop, where the
 * environment has them (Vitest's jsdom and happy-dom environments; not
 * node). Patched only when the global exists, and restored as found.
 *
 * Frames come every 16 ms of loop time, at multiples of 16 (as
 * @sinonjs/fake-timers): a callback requested at time t runs at the next
 * multiple of 16 after t, so every callback requested before a frame runs in
 * it, in request order, and one requested during a frame runs in the next,
 * as the HTML spec's list of animation frame callbacks. Each gets the frame's
 * time as its DOMHighResTimeStamp, on the clock of the virtual
 * `performance.now()`. Ids are numbers, as in a browser.
 * @internal
 */
import { AsyncResource } from 'node:async_hooks'
import type { EventLoop } from '../loop/event-loop.ts'
import { DONE, TimerHandle, setState } from '../loop/handle.ts'
import type { HandleKind } from '../loop/handle.ts'
import type { Origin } from '../loop/trace.ts'
import { timeState } from './route.ts'

/** Milliseconds between two frames. */
export const FRAME_MS = 16

type FrameCallback = (time: number) => unknown

/** Pending frames by id, shared by every copy of vitest-loop in this realm. */
const frames: Map<number, AnimationFrameHandle> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('vitest-loop:frames')
] as Map<number, AnimationFrameHandle> | undefined) ?? new Map()
;(globalThis as Record<symbol, unknown>)[Symbol.for('vitest-loop:frames')] = frames

/** One requested frame callback: a timer due at the next frame. @internal */
export class AnimationFrameHandle extends TimerHandle {
  readonly _id: number
  readonly #context: AsyncResource

  constructor(loop: EventLoop, id: number, when: number, callback: FrameCallback, trace: Origin) {
    super(loop, when, when - loop.time(), callback, undefined, trace)
    this._id = id
    this.#context = new AsyncResource('AnimationFrame')
  }

  override get kind(): HandleKind {
    return 'animationFrame'
  }

  override _run(): void {
    const callback = this._callback!
    setState(this, DONE)
    this._callback = undefined
    frames.delete(this._id)
    this.#context.runInAsyncScope(callback, undefined, this.when)
  }

  override cancel(): void {
    super.cancel()
    frames.delete(this._id)
  }
}

/** `requestAnimationFrame(callback)` on `loop`: the id of the request. @internal */
export function requestFrameOn(loop: EventLoop, callback: FrameCallback, trace: Origin): number {
  loop._checkOpen()
  const id = timeState.nextId++
  const when = (Math.floor(loop.time() / FRAME_MS) + 1) * FRAME_MS
  const handle = new AnimationFrameHandle(loop, id, when, callback, trace)
  frames.set(id, handle)
  loop._schedule(handle)
  return id
}

/** `cancelAnimationFrame(id)` for an id of ours: false when the id is not one. @internal */
export function cancelFrame(id: unknown): boolean {
  const handle = typeof id === 'number' ? frames.get(id) : undefined
  if (handle === undefined) return false
  handle.cancel()
  return true
}
