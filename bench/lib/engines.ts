/**
 * The engines under test, behind two small interfaces so every workload runs
 * the same code on each. A cell process measures one engine only, so the
 * calls through these interfaces stay monomorphic and cost the same for all.
 */
import { createRequire } from 'node:module'
import FakeTimers from '@sinonjs/fake-timers'
import { EventLoop, setTraceCapture } from '../../src/core.ts'
import { HeapClock, batchedHop, hop } from './heap.ts'
import { enterTest, globalSetTimeout } from './in-test.ts'

/** A clock driven by hand: schedule, then advance. */
export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown
  /** Fires what is due up to now + ms, back to back. */
  advanceSync(ms: number): void
  /** Fires what is due up to now + ms, draining promise jobs after each callback. */
  advance(ms: number): Promise<void>
  dispose(): void
}

/** A clock whose time jumps by itself when nothing else can run (auto time flow). */
export interface AutoClock {
  sleep(ms: number): Promise<void>
  spawn(fn: () => Promise<void>): PromiseLike<void>
  /** Resolves when every task is done. */
  run(tasks: PromiseLike<void>[]): Promise<void>
  dispose(): void
}

export interface Engine {
  readonly id: string
  /** Row label in the report. */
  readonly label: string
  readonly kind: 'baseline' | 'subject' | 'other'
  clock?(): Clock
  auto?(): AutoClock
}

const require = createRequire(import.meta.url)
const sinonVersion = (require('@sinonjs/fake-timers/package.json') as { version: string }).version

function heapEngine(id: string, label: string, yieldFn: () => Promise<void>): Engine {
  return {
    id,
    label,
    kind: 'baseline',
    clock() {
      const c = new HeapClock()
      return {
        setTimeout: (fn, ms) => c.setTimeout(fn, ms),
        advanceSync: (ms) => c.advanceSync(ms),
        advance: (ms) => c.advance(ms, yieldFn),
        dispose() {},
      }
    },
    auto() {
      const c = new HeapClock()
      return {
        sleep: (ms) => new Promise<void>((resolve) => c.setTimeout(resolve, ms)),
        spawn: (fn) => fn(),
        async run(tasks) {
          await c.runAuto(yieldFn)
          await Promise.all(tasks)
        },
        dispose() {},
      }
    },
  }
}

function loopEngine(id: string, label: string, traces: boolean): Engine {
  return {
    id,
    label,
    kind: 'subject',
    clock() {
      setTraceCapture(traces)
      const loop = new EventLoop()
      return {
        setTimeout: (fn, ms) => loop.callLater(ms, fn),
        advanceSync: (ms) => void loop.advanceSync(ms),
        advance: async (ms) => void (await loop.advance(ms)),
        dispose: () => loop.close(),
      }
    },
    auto() {
      setTraceCapture(traces)
      const loop = new EventLoop({ timeFlow: 'auto' })
      return {
        sleep: (ms) => loop.sleep(ms),
        spawn: (fn) => loop.createTask(fn),
        run: async (tasks) => void (await Promise.all(tasks)),
        dispose: () => loop.close(),
      }
    },
  }
}

/**
 * vitest-loop as a test sees it: the workload calls the global setTimeout (a
 * Node Timeout on the loop) inside a test's context (in-test.ts). Clock
 * workloads put the test's loop in the manual flow and advance it; C keeps
 * the auto flow a test has by default.
 */
function globalsEngine(id: string, label: string, traces: boolean): Engine {
  return {
    id,
    label,
    kind: 'subject',
    clock() {
      const test = enterTest(traces)
      const loop = test.loop
      loop.setTimeFlow('manual')
      const setTimeout = globalSetTimeout()
      return {
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        advanceSync: (ms) => void loop.advanceSync(ms),
        advance: async (ms) => void (await loop.advance(ms)),
        dispose: () => test.dispose(),
      }
    },
    auto() {
      const test = enterTest(traces)
      const setTimeout = globalSetTimeout()
      return {
        sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
        spawn: (fn) => fn(),
        run: async (tasks) => void (await Promise.all(tasks)),
        dispose: () => test.dispose(),
      }
    },
  }
}

const sinon: Engine = {
  id: 'sinon',
  label: `@sinonjs/fake-timers ${sinonVersion}`,
  kind: 'other',
  clock() {
    const clock = FakeTimers.createClock(0)
    return {
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      advanceSync: (ms) => void clock.tick(ms),
      advance: async (ms) => void (await clock.tickAsync(ms)),
      dispose: () => clock.reset(),
    }
  },
  auto() {
    const clock = FakeTimers.createClock(0)
    return {
      sleep: (ms) => new Promise<void>((resolve) => clock.setTimeout(resolve as () => void, ms)),
      spawn: (fn) => fn(),
      async run(tasks) {
        // sinon's auto mode: a macrotask, then clock.next(), until the mode changes
        clock.setTickMode({ mode: 'nextAsync' })
        await Promise.all(tasks)
        clock.setTickMode({ mode: 'manual' })
      },
      dispose: () => clock.reset(),
    }
  },
}

async function viEngine(): Promise<Engine> {
  const { vi, vitestVersion, vitestSinonVersion } = await import('./vitest-vi.ts')
  return {
    id: 'vi',
    label: `vitest ${vitestVersion} vi (bundles fake-timers ${vitestSinonVersion})`,
    kind: 'other',
    clock() {
      vi.useFakeTimers()
      const set = globalThis.setTimeout as unknown as (fn: () => void, ms: number) => unknown
      return {
        setTimeout: (fn, ms) => set(fn, ms),
        advanceSync: (ms) => void vi.advanceTimersByTime(ms),
        advance: async (ms) => void (await vi.advanceTimersByTimeAsync(ms)),
        dispose: () => void vi.useRealTimers(),
      }
    },
    auto() {
      vi.useFakeTimers()
      const set = globalThis.setTimeout as unknown as (fn: () => void, ms: number) => unknown
      return {
        sleep: (ms) => new Promise<void>((resolve) => set(resolve, ms)),
        spawn: (fn) => fn(),
        async run(tasks) {
          vi.setTimerTickMode('nextTimerAsync')
          await Promise.all(tasks)
          vi.setTimerTickMode('manual')
        },
        dispose: () => void vi.useRealTimers(),
      }
    },
  }
}

/** vi.advanceTimersByTime(Async) served by the plugin's loop (vi-loop.ts). */
async function viLoopEngine(id: string, label: string, traces: boolean): Promise<Engine> {
  const { viLoopClock } = await import('./vi-loop.ts')
  return { id, label, kind: 'subject', clock: () => viLoopClock(traces) }
}

/** Every engine id, in report order. */
export const engineIds = [
  'heap',
  'heap+hop',
  'heap+batch',
  'loop',
  'loop+traces',
  'globals',
  'globals+traces',
  'vi+loop',
  'vi+loop+traces',
  'sinon',
  'vi',
] as const
export type EngineId = (typeof engineIds)[number]

export async function engine(id: string): Promise<Engine> {
  switch (id) {
    case 'heap':
      return heapEngine(id, 'baseline: binary heap', hop)
    case 'heap+hop':
      return heapEngine(id, 'baseline: heap + setImmediate hop per callback', hop)
    case 'heap+batch':
      return heapEngine(id, 'floor: heap + batched immediates', batchedHop)
    case 'loop':
      return loopEngine(id, 'vitest-loop (traces off)', false)
    case 'loop+traces':
      return loopEngine(id, 'vitest-loop (traces on, default)', true)
    case 'globals':
      return globalsEngine(id, 'vitest-loop via global setTimeout in a test (traces off)', false)
    case 'globals+traces':
      return globalsEngine(id, 'vitest-loop via global setTimeout in a test (traces on, default)', true)
    case 'vi+loop':
      return viLoopEngine(id, 'vi.advanceTimersByTime on the plugin\'s loop (traces off)', false)
    case 'vi+loop+traces':
      return viLoopEngine(id, 'vi.advanceTimersByTime on the plugin\'s loop (traces on, default)', true)
    case 'sinon':
      return sinon
    case 'vi':
      return viEngine()
    default:
      throw new Error(`unknown engine ${id}`)
  }
}
