/**
 * The options of a new loop: what each one means and defaults to
 * (`EventLoopOptions`), and their one check (`readOptions`), run by the
 * EventLoop constructor before any part of the loop is made. A bad value is
 * a TypeError or RangeError naming the option (internal/validate.ts).
 */
import type { TimeFlow } from './drivers.ts'
import { shared } from './internal/context-state.ts'
import { envDebug, envTraces } from './internal/env.ts'
import { host } from './internal/host.ts'
import { defaultIoProbe } from './internal/io-probe.ts'
import { describeValue, expectDelay, expectFunction, expectInteger, expectOneOf, toEpochMs } from './internal/validate.ts'
import { defaultTraceBudget, toTraceLimit } from './trace.ts'

/** Options of `newEventLoop`, `run` and the EventLoop constructor. */
export interface EventLoopOptions {
  /** Wall clock at loop time 0: epoch milliseconds or a Date. Default: the real time now (in a test: the test's wall clock). */
  now?: number | Date
  /** Time flow; default `'manual'` (a test's loop defaults to `'auto'`). */
  timeFlow?: TimeFlow
  /** Debug mode: slow-callback findings and more logging. Default: `LOOP_DEBUG=1` in the environment. */
  debug?: boolean
  /** Most callbacks one time-travel call may run at one instant (runUntilIdle: in all). Default 100,000. */
  loopLimit?: number
  /** Real milliseconds a callback may run before debug mode reports it. Default 100. */
  slowCallbackDuration?: number
  /** Whether real I/O started by the code under test is in flight; holds the jump of time. */
  ioProbe?: () => boolean
  /** Real milliseconds that I/O in flight may hold time before it jumps anyway. Default 100. */
  autojumpThreshold?: number
  /** A name for reports. */
  name?: string
  /**
   * How many of the loop's creations (handles, tasks, timers) keep a creation
   * trace, counted from the first: a whole number, or `'all'`. Past it a
   * handle carries only its number, and a report about it says how to replay
   * with full traces. Default 1,000; `LOOP_TRACES` (`all` or a number), when
   * set, wins over this option; debug mode traces every creation.
   */
  traces?: number | 'all'
}

/** The options checked, with their defaults and the environment's word (`LOOP_DEBUG`, `LOOP_TRACES`) applied. @internal */
export interface LoopSettings {
  /** Wall clock (epoch ms) at loop time 0. */
  epoch: number
  timeFlow: TimeFlow
  debug: boolean
  loopLimit: number
  slowCallbackDuration: number
  ioProbe: () => boolean
  autojumpThreshold: number
  /** The trace budget: how many creations keep a trace. */
  traces: number
}

const defaultLoopLimit = 100_000

/** Checks `options` (the first bad one throws) and fills in the defaults. @internal */
export function readOptions(options: EventLoopOptions): LoopSettings {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`)
  }
  const { now, timeFlow = 'manual', debug, loopLimit = defaultLoopLimit, slowCallbackDuration = 100 } = options
  const epoch = now === undefined ? (shared.defaultEpoch?.() ?? host.dateNow()) : toEpochMs('now', now)
  expectOneOf('timeFlow', timeFlow, ['auto', 'manual'] as const)
  expectInteger('loopLimit', loopLimit, 1)
  expectDelay('slowCallbackDuration', slowCallbackDuration)
  if (options.ioProbe !== undefined) expectFunction('ioProbe', options.ioProbe)
  const autojumpThreshold = options.autojumpThreshold ?? 100
  expectDelay('autojumpThreshold', autojumpThreshold)
  const ioProbe = options.ioProbe ?? defaultIoProbe()
  const traces = options.traces === undefined ? defaultTraceBudget : toTraceLimit('traces', options.traces)
  const fromEnv = envTraces()
  return {
    epoch,
    timeFlow,
    debug: debug ?? envDebug(),
    loopLimit,
    slowCallbackDuration,
    ioProbe,
    autojumpThreshold,
    traces: fromEnv === undefined ? traces : toTraceLimit('LOOP_TRACES', fromEnv),
  }
}
