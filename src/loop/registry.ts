/**
 * The current loop, asyncio's module functions: getEventLoop, newEventLoop,
 * setEventLoop, getRunningLoop, run.
 */
import { LoopRunningError, NoCurrentLoopError } from './errors.ts'
import { EventLoop } from './event-loop.ts'
import type { EventLoopOptions } from './event-loop.ts'
import { currentLoop } from './internal/context.ts'
import type { Task, TaskSource } from './task.ts'
import { describeValue } from './internal/validate.ts'

interface RegistryState {
  /** undefined: never set (getEventLoop makes one); null: unset on purpose. */
  current: EventLoop | null | undefined
  /** Lets a test framework answer "which loop is current" per test (concurrent tests). */
  resolver: (() => EventLoop | undefined) | undefined
}

const key = Symbol.for('vitest-loop:registry')
const state: RegistryState = ((globalThis as Record<symbol, unknown>)[key] as RegistryState | undefined) ?? {
  current: undefined,
  resolver: undefined,
}
;(globalThis as Record<symbol, unknown>)[key] = state

/**
 * The loop running this code; throws NoCurrentLoopError if none is.
 *
 * @example
 * loop.callSoon(() => getRunningLoop() === loop) // true
 */
export function getRunningLoop(): EventLoop {
  const loop = currentLoop()
  if (loop === undefined) throw new NoCurrentLoopError('no running event loop')
  return loop
}

/**
 * The running loop if there is one; else, inside a test, that test's loop;
 * else the loop set with setEventLoop (made on first use if none was ever
 * set). After `setEventLoop(null)` it throws NoCurrentLoopError.
 *
 * @example
 * const loop = getEventLoop()
 */
export function getEventLoop(): EventLoop {
  const running = currentLoop()
  if (running !== undefined) return running
  const resolved = state.resolver?.()
  if (resolved !== undefined) return resolved
  if (state.current === null) throw new NoCurrentLoopError('There is no current event loop')
  state.current ??= new EventLoop()
  return state.current
}

/**
 * Makes `loop` the current loop (`null`: none). It does not start it.
 */
export function setEventLoop(loop: EventLoop | null): void {
  if (loop !== null && !(loop instanceof EventLoop)) {
    throw new TypeError(`Expected \`loop\` to be an EventLoop or null, got ${describeValue(loop)}`)
  }
  state.current = loop
}

/**
 * A new loop, not made current.
 *
 * @example
 * using loop = newEventLoop({ now: new Date('2030-01-01') })
 */
export function newEventLoop(options?: EventLoopOptions): EventLoop {
  return new EventLoop(options)
}

/**
 * Runs `main` on a new loop (current for the duration), then cancels what is
 * left, lets it settle and closes the loop. Returns what `main` returned.
 *
 * @example
 * const answer = await run(async () => {
 *   await getRunningLoop().sleep(1000)
 *   return 42
 * })
 */
export async function run<T>(main: TaskSource<T> | Task<T>, options?: EventLoopOptions): Promise<T> {
  if (currentLoop() !== undefined) {
    throw new LoopRunningError('run() cannot be called from a running event loop')
  }
  if (typeof main !== 'function' && typeof (main as PromiseLike<T> | null)?.then !== 'function') {
    throw new TypeError(`Expected \`main\` to be a function or a promise, got ${describeValue(main)}`)
  }
  const loop = new EventLoop(options)
  const previous = state.current
  state.current = loop
  try {
    return await loop.runUntilComplete(main)
  } finally {
    try {
      await loop._shutdown()
    } finally {
      loop.close()
      state.current = previous
    }
  }
}

/**
 * Lets a test framework say which loop is current for the code running now.
 * @internal
 */
export function _setLoopResolver(resolver: (() => EventLoop | undefined) | undefined): void {
  state.resolver = resolver
}
