/**
 * Vitest's fake-timer API (`vi.useFakeTimers()`, `vi.advanceTimersByTime()`,
 * ...) served by each test's loop.
 *
 * `vi` is a plain object: each of its timer methods is replaced, once per
 * worker, by a wrapper that asks where the call comes from:
 * - a test on virtual time: the test's loop serves it, with vi's semantics
 *   (in vi mode time moves only when the test says so: the loop's `manual`
 *   flow) and the loop's order of callbacks (Node's);
 * - no test (a file's top level, beforeAll, afterAll) while vitest-loop is
 *   installed: vi mode is switched for the tests that follow, as in Vitest;
 * - anything else (a test on real time, vitest-loop not installed): vi's own.
 *
 * vi mode lasts, as in Vitest, from useFakeTimers() until useRealTimers(),
 * across the tests of a file; each test still runs on its own loop. Where
 * vi's answer is what a user's assertion reads, it is kept: getTimerCount(),
 * the runAllTimers loop-limit error, advanceTimersByTime() not draining
 * promise jobs while its Async form does (test/vi-compat pins each).
 * @internal
 */
import type { vi as viObject } from 'vitest'
import { InvalidStateError } from '../loop/errors.ts'
import type { EventLoop } from '../loop/event-loop.ts'
import { TimerHandle } from '../loop/handle.ts'
import { host } from '../loop/internal/host.ts'
import { allFakeables } from '../time/route.ts'
import type { Fakeable } from '../time/route.ts'
import { FRAME_MS } from '../time/animation-frame.ts'
import { currentTestState } from './test-state.ts'
import type { TestState } from './test-state.ts'

type Vi = typeof viObject
type FakeTimerConfig = NonNullable<Parameters<Vi['useFakeTimers']>[0]>

/** vi mode as the tests of this worker inherit it (Vitest's mode lasts across tests). */
interface WorkerViMode {
  on: boolean
  config: FakeTimerConfig
  /** vi.setSystemTime() outside a test: the wall clock every following test starts at. */
  systemTime: number | undefined
}

/** vi mode in one test. */
interface TestViMode {
  faking: boolean
  config: FakeTimerConfig
  /** vi.setSystemTime() without fake timers: what getMockedSystemTime() answers. */
  mocked: Date | undefined
  /** The test's toFake before vi changed it, put back by useRealTimers(). */
  toFake: ReadonlySet<Fakeable> | undefined
  /**
   * The loop's wall clock at loop time 0 before vi first moved it (setSystemTime,
   * `now`): useRealTimers() puts it back, as vi gives the real Date back.
   */
  unmockedEpoch: number | undefined
}

const modeKey = Symbol.for('vitest-loop:vi-mode')
const workerMode: WorkerViMode = ((globalThis as Record<symbol, unknown>)[modeKey] as WorkerViMode | undefined) ?? {
  on: false,
  config: {},
  systemTime: undefined,
}
;(globalThis as Record<symbol, unknown>)[modeKey] = workerMode

const testModes = new WeakMap<TestState, TestViMode>()

/** vi's message when an advancing method is called without fake timers (kept: users assert it). */
const notMocked =
  'A function to advance timers was called but the timers APIs are not mocked. Call `vi.useFakeTimers()` in the test file first.'

/** vi's own methods, as found before the wrapping (the setup file reads isFakeTimers through them). */
const ownKey = Symbol.for('vitest-loop:vi-own')

/** vi's own fake-timer methods, unwrapped. @internal */
export function viOwn(vi: Vi): Vi {
  return ((vi as unknown as Record<symbol, Vi | undefined>)[ownKey] ?? vi) as Vi
}

/** vi's names in `toFake` mapped to the globals vitest-loop runs on virtual time. */
const fakeablesOf: Record<string, readonly Fakeable[]> = {
  setTimeout: ['setTimeout', 'node:timers', 'node:timers/promises', 'AbortSignal.timeout'],
  clearTimeout: ['clearTimeout'],
  setInterval: ['setInterval'],
  clearInterval: ['clearInterval'],
  setImmediate: ['setImmediate'],
  clearImmediate: ['clearImmediate'],
  Date: ['Date'],
  performance: ['performance'],
  hrtime: ['hrtime'],
  requestAnimationFrame: ['requestAnimationFrame'],
  cancelAnimationFrame: ['cancelAnimationFrame'],
  // Not in vitest-loop's globals: nothing to route (Node has no idle callbacks; Temporal and
  // Intl read the host's clock).
  requestIdleCallback: [],
  cancelIdleCallback: [],
  Temporal: [],
  Intl: [],
}

/** The globals a `toFake` (or, on Vitest 5, a `toNotFake`) config runs on the loop; undefined: all of them. */
function toFakeOf(config: FakeTimerConfig): Set<Fakeable> | undefined {
  const names = config.toFake as readonly string[] | undefined
  const notNames = (config as { toNotFake?: readonly string[] }).toNotFake
  // Vitest 5's message (from @sinonjs/fake-timers), kept: users assert it.
  if (names !== undefined && notNames !== undefined) throw new TypeError('config.toFake and config.toNotFake cannot be used together')
  if (names === undefined && notNames !== undefined) {
    const set = new Set<Fakeable>(allFakeables)
    for (const name of notNames) {
      const fakeables = fakeablesOf[name]
      if (fakeables === undefined && name !== 'nextTick' && name !== 'queueMicrotask') {
        throw new TypeError(`Expected \`toNotFake[]\` to be a timer vi can fake, got \`${name}\``)
      }
      for (const fakeable of fakeables ?? []) set.delete(fakeable)
    }
    return set
  }
  if (names === undefined) return undefined
  const set = new Set<Fakeable>()
  for (const name of names) {
    if (name === 'nextTick' || name === 'queueMicrotask') {
      throw new InvalidStateError(
        `vi.useFakeTimers({ toFake: [..., '${name}'] }): vitest-loop keeps process.nextTick and queueMicrotask real ` +
          `(they run between callbacks as under Node). Remove '${name}' from toFake, or run this test on real time with useRealTime().`,
      )
    }
    const fakeables = fakeablesOf[name]
    if (fakeables === undefined) throw new TypeError(`Expected \`toFake[]\` to be a timer vi can fake, got \`${name}\``)
    for (const fakeable of fakeables) set.add(fakeable)
  }
  return set
}

/** Vitest's `fakeTimers` config of this run (loopLimit 10,000 by default). */
function configured(): FakeTimerConfig {
  const state = (globalThis as { __vitest_worker__?: { config?: { fakeTimers?: FakeTimerConfig } } }).__vitest_worker__
  return { loopLimit: 10_000, ...state?.config?.fakeTimers }
}

/** Epoch ms of a vi time: a Date, a number, a date string, or (Vitest 5) a Temporal Instant or ZonedDateTime. */
function epochOf(time: number | string | Date | { epochMilliseconds: number }): number {
  if (time instanceof Date) return time.getTime()
  if (typeof time === 'object' && time !== null && 'epochMilliseconds' in time) return time.epochMilliseconds
  return new Date(time).getTime()
}

/** Where a vi call lands. */
type Target = { state: TestState; mode: TestViMode } | 'file' | 'vi'

/**
 * Puts a test in vi mode when the tests before it left vi mode on. Called
 * when the test starts, before anything of it runs. @internal
 */
export function beginViTest(state: TestState): void {
  if (!workerMode.on || state.realTime) return
  const mode = modeOf(state)
  enterViMode(state, mode, workerMode.config)
  if (workerMode.systemTime !== undefined) moveWallClock(state.ensureLoop(), mode, workerMode.systemTime)
}

/** A file ended: the next file starts without vi mode (each file has its own vi in Vitest). @internal */
export function endViFile(): void {
  workerMode.on = false
  workerMode.config = {}
  workerMode.systemTime = undefined
}

function modeOf(state: TestState): TestViMode {
  let mode = testModes.get(state)
  if (mode === undefined) {
    mode = { faking: false, config: {}, mocked: undefined, toFake: state.toFake, unmockedEpoch: undefined }
    testModes.set(state, mode)
  }
  return mode
}

function enterViMode(state: TestState, mode: TestViMode, config: FakeTimerConfig): void {
  const toFake = toFakeOf(config) // checked before anything changes
  const loop = state.ensureLoop()
  if (!mode.faking) mode.toFake = state.toFake
  mode.faking = true
  mode.config = config
  mode.mocked = undefined
  state.toFake = toFake ?? mode.toFake
  if (config.now !== undefined) moveWallClock(loop, mode, epochOf(config.now))
  if (!state.bodyDone) loop.setTimeFlow(config.shouldAdvanceTime === true ? 'auto' : 'manual')
}

/** vi sets the wall clock: the first time, what it was is kept for useRealTimers(). */
function moveWallClock(loop: EventLoop, mode: TestViMode, epoch: number): void {
  mode.unmockedEpoch ??= loop.now() - loop.time()
  loop.setSystemTime(epoch)
}

/** Installs the wrappers on `vi` (once per vi object). @internal */
export function wrapViTimers(vi: Vi, pluginActive: () => boolean): void {
  const record = vi as unknown as Record<PropertyKey, unknown>
  if (record[ownKey] !== undefined) return
  const own = { ...vi } as Vi
  Object.defineProperty(record, ownKey, { value: own, enumerable: false })

  const target = (): Target => {
    const state = currentTestState()
    if (state !== undefined && !state.finished) return state.realTime ? 'vi' : { state, mode: modeOf(state) }
    return pluginActive() ? 'file' : 'vi'
  }

  /** The loop a call in fake mode drives, or throws vi's error when not in fake mode. */
  const fakeLoop = (where: { state: TestState; mode: TestViMode }, caller: Function): EventLoop | undefined => {
    if (!where.mode.faking) {
      const error = new Error(notMocked)
      Error.captureStackTrace(error, caller)
      throw error
    }
    const loop = where.state.loop
    return loop === undefined || loop.isClosed() ? undefined : loop
  }
  const fileFaking = (caller: Function): void => {
    if (workerMode.on) return
    const error = new Error(notMocked)
    Error.captureStackTrace(error, caller)
    throw error
  }

  // Each wrapper: a test's loop, the file level, or vi's own.
  const sync = <K extends keyof Vi>(name: K, onLoop: (loop: EventLoop, mode: TestViMode, args: any[]) => void): void => {
    const original = vi[name] as (...args: unknown[]) => unknown
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      const where = target()
      if (where === 'vi') return original.apply(this, args)
      if (where === 'file') {
        fileFaking(wrapper)
        return vi
      }
      const loop = fakeLoop(where, wrapper)
      if (loop !== undefined) onLoop(loop, where.mode, args)
      return vi
    }
    record[name] = wrapper
  }
  const async = <K extends keyof Vi>(name: K, onLoop: (loop: EventLoop, mode: TestViMode, args: any[]) => Promise<void>): void => {
    const original = vi[name] as (...args: unknown[]) => unknown
    const wrapper = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
      const where = target()
      if (where === 'vi') return original.apply(this, args)
      if (where === 'file') {
        fileFaking(wrapper)
        return vi
      }
      const loop = fakeLoop(where, wrapper)
      if (loop !== undefined) await onLoop(loop, where.mode, args)
      return vi
    }
    record[name] = wrapper
  }

  const limitOf = (mode: TestViMode): number => mode.config.loopLimit ?? 10_000
  const hasWork = (loop: EventLoop): boolean => loop.timerCount > 0 || loop.readyCount > 0
  const limitError = (limit: number): Error => new Error(`Aborting after running ${limit} timers, assuming an infinite loop!`)

  sync('advanceTimersByTime', (loop, _mode, [ms]) => void loop.advanceSync(ms))
  async('advanceTimersByTimeAsync', async (loop, _mode, [ms]) => void (await loop.advance(ms)))
  sync('advanceTimersToNextTimer', (loop, _mode, [steps = 1]) => {
    for (let i = 0; i < steps && hasWork(loop); i++) loop.nextSync()
  })
  async('advanceTimersToNextTimerAsync', async (loop, _mode, [steps = 1]) => {
    for (let i = 0; i < steps && hasWork(loop); i++) await loop.next()
  })
  sync('runAllTimers', (loop, mode) => {
    const limit = limitOf(mode)
    for (let i = 0; i < limit; i++) {
      if (!hasWork(loop)) return
      loop.nextSync()
    }
    if (hasWork(loop)) throw limitError(limit)
  })
  async('runAllTimersAsync', async (loop, mode) => {
    const limit = limitOf(mode)
    for (let i = 0; i < limit; i++) {
      if (!hasWork(loop)) return
      await loop.next()
    }
    if (hasWork(loop)) throw limitError(limit)
  })
  sync('runOnlyPendingTimers', (loop) => void loop.advanceToSync(lastTimerWhen(loop)))
  async('runOnlyPendingTimersAsync', async (loop) => void (await loop.advanceTo(lastTimerWhen(loop))))
  sync('advanceTimersToNextFrame', (loop) => void loop.advanceSync(FRAME_MS - (loop.time() % FRAME_MS)))
  // Promise jobs and nextTick stay real: there are no faked ticks to run.
  sync('runAllTicks', () => {})
  sync('setTimerTickMode', (loop, _mode, [mode]) => {
    if (mode !== 'manual' && mode !== 'nextTimerAsync' && mode !== 'interval') throw new Error(`Invalid tick mode: ${mode}`)
    const state = currentTestState()
    // 'nextTimerAsync' and 'interval' move time by themselves: the loop's auto flow (at once, not at the real pace).
    if (state !== undefined && !state.bodyDone) loop.setTimeFlow(mode === 'manual' ? 'manual' : 'auto')
  })

  record.clearAllTimers = function clearAllTimers(this: unknown, ...args: unknown[]): unknown {
    const where = target()
    if (where === 'vi') return own.clearAllTimers.apply(this, args as [])
    if (where !== 'file' && where.mode.faking) {
      const loop = where.state.loop
      if (loop !== undefined && !loop.isClosed()) for (const handle of loop._pendingHandles()) handle.cancel()
    }
    return vi
  }

  record.getTimerCount = function getTimerCount(this: unknown, ...args: unknown[]): unknown {
    const where = target()
    if (where === 'vi') return own.getTimerCount.apply(this, args as [])
    if (where === 'file') {
      fileFaking(getTimerCount)
      return 0
    }
    const loop = fakeLoop(where, getTimerCount)
    if (loop === undefined) return 0
    const { ready, timers } = loop._stallState()
    return ready + timers
  }

  record.isFakeTimers = function isFakeTimers(this: unknown, ...args: unknown[]): unknown {
    const where = target()
    if (where === 'vi') return own.isFakeTimers.apply(this, args as [])
    return where === 'file' ? workerMode.on : where.mode.faking
  }

  record.useFakeTimers = function useFakeTimers(this: unknown, ...args: unknown[]): unknown {
    const where = target()
    if (where === 'vi') return own.useFakeTimers.apply(this, args as [])
    const given = args[0] as FakeTimerConfig | undefined
    const config = { ...configured(), ...given }
    try {
      toFakeOf(config) // a bad toFake (from the call or the config) fails here, before anything changes
    } catch (error) {
      if (error instanceof Error) Error.captureStackTrace(error, useFakeTimers) // at the user's call
      throw error
    }
    if (where === 'file') {
      workerMode.on = true
      workerMode.config = config
      return vi
    }
    enterViMode(where.state, where.mode, config)
    workerMode.on = true
    workerMode.config = config
    return vi
  }

  record.useRealTimers = function useRealTimers(this: unknown, ...args: unknown[]): unknown {
    const where = target()
    if (where === 'vi') return own.useRealTimers.apply(this, args as [])
    workerMode.on = false
    workerMode.systemTime = undefined
    if (where === 'file') return vi
    const { state, mode } = where
    const loop = state.loop
    const open = loop !== undefined && !loop.isClosed()
    if (mode.faking) {
      mode.faking = false
      state.toFake = mode.toFake
      // What is pending stays, for the sanitizer; time moves by itself again.
      if (open && !state.bodyDone) loop.setTimeFlow('auto')
    }
    // A wall clock vi moved runs on from where it would be without vi (vi gives the real Date back).
    if (open && mode.unmockedEpoch !== undefined) loop.setSystemTime(mode.unmockedEpoch + loop.time())
    mode.unmockedEpoch = undefined
    mode.mocked = undefined
    return vi
  }

  record.setSystemTime = function setSystemTime(this: unknown, ...args: unknown[]): unknown {
    const where = target()
    if (where === 'vi') return own.setSystemTime.apply(this, args as [number])
    const time = args[0] as number | string | Date | { epochMilliseconds: number } | undefined
    if (where === 'file') {
      workerMode.systemTime = time === undefined ? (workerMode.on ? 0 : host.dateNow()) : epochOf(time)
      return vi
    }
    const { state, mode } = where
    // With fake timers on, no time is the epoch (vi's clock); without, the real time.
    const epoch = time === undefined ? (mode.faking ? 0 : host.dateNow()) : epochOf(time)
    const loop = state.ensureLoop()
    if (!loop.isClosed()) moveWallClock(loop, mode, epoch)
    if (!mode.faking) mode.mocked = new Date(epoch)
    return vi
  }

  record.getMockedSystemTime = function getMockedSystemTime(this: unknown, ...args: unknown[]): unknown {
    const where = target()
    if (where === 'vi') return own.getMockedSystemTime.apply(this, args as [])
    if (where === 'file') {
      if (workerMode.systemTime !== undefined) return new Date(workerMode.systemTime)
      return null
    }
    const loop = where.state.loop
    if (where.mode.faking && loop !== undefined) return new Date(loop.now())
    return where.mode.mocked ?? null
  }

  record.getRealSystemTime = function getRealSystemTime(this: unknown, ...args: unknown[]): unknown {
    const where = target()
    if (where === 'vi') return own.getRealSystemTime.apply(this, args as [])
    return host.dateNow()
  }
}

/** The time of the last timer pending now (runOnlyPendingTimers runs up to it), or now. */
function lastTimerWhen(loop: EventLoop): number {
  let last = loop.time()
  for (const handle of loop._pendingHandles()) {
    if (handle instanceof TimerHandle && handle.when > last) last = handle.when
  }
  return last
}
