/**
 * Which loop a patched global talks to.
 *
 * The globals are patched once per process (a `Symbol.for` flag on
 * globalThis guards it, shared by every copy of this module) and every call
 * is routed when it is made:
 *
 * 1. code running inside a loop's callback, or inside one of its tasks after
 *    an `await` (`currentLoop()`), gets that loop: a timer set by loop B's
 *    callback belongs to B even when A is the loop of the test;
 * 2. otherwise the installations are asked, the most recent first, each
 *    through its `resolve(api)`; the first loop one names wins (a closed loop
 *    counts as none);
 * 3. otherwise the call goes to the original host function (the real clock).
 *
 * An installation is only asked about the APIs it fakes (`toFake`); rule 1
 * applies to an API as soon as one active installation fakes it.
 * @internal
 */
import type { EventLoop } from '../loop/event-loop.ts'
import { currentLoop } from '../loop/internal/context.ts'

/** A global, or a builtin module's export, that virtual time can take over. */
export type Fakeable =
  | 'setTimeout'
  | 'clearTimeout'
  | 'setInterval'
  | 'clearInterval'
  | 'setImmediate'
  | 'clearImmediate'
  | 'Date'
  | 'performance'
  | 'hrtime'
  | 'AbortSignal.timeout'
  | 'node:timers'
  | 'node:timers/promises'
  | 'requestAnimationFrame'
  | 'cancelAnimationFrame'

/** Every Fakeable, in a stable order. */
export const allFakeables: readonly Fakeable[] = [
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
  'Date',
  'performance',
  'hrtime',
  'AbortSignal.timeout',
  'node:timers',
  'node:timers/promises',
  'requestAnimationFrame',
  'cancelAnimationFrame',
]

/**
 * Names the loop a call should run on (`api` says which global is calling),
 * or undefined for the real host function. Must be cheap: `Date.now()` asks it.
 */
export type LoopResolver = (api?: Fakeable) => EventLoop | undefined

/** One active installTime(). @internal */
export interface Installation {
  readonly resolve: LoopResolver
  readonly fakes: ReadonlySet<Fakeable>
}

/** One replaced property: where, and what was there before (undefined: it was inherited). @internal */
export interface PatchRecord {
  readonly target: object
  readonly key: PropertyKey
  readonly original: PropertyDescriptor | undefined
  /** The function we put there: uninstall checks nobody replaced it since. */
  readonly value: unknown
}

/** Process-wide state of the time patch, shared by every copy of vitest-loop. @internal */
export interface TimeState {
  /** Active installations, oldest first. */
  readonly installs: Installation[]
  /** Patched properties by name (`globalThis.setTimeout`, `node:timers.setTimeout`, ...). */
  readonly patches: Map<string, PatchRecord>
  /** The original value of each patched property, by the same name: the real host function. */
  readonly originals: Map<string, any>
  /** Virtual Timeouts that were turned into a number (Symbol.toPrimitive), as Node's knownTimersById. */
  readonly byId: Record<string, { _clear(): void } | undefined>
  nextId: number
}

const key = Symbol.for('vitest-loop:time')

/** @internal */
export const timeState: TimeState = ((globalThis as Record<symbol, unknown>)[key] as TimeState | undefined) ?? {
  installs: [],
  patches: new Map(),
  originals: new Map(),
  byId: Object.create(null) as TimeState['byId'],
  // Far above the async ids Node hands out, so a number from a real timer is never taken for ours.
  nextId: 1_000_000_000_000,
}
;(globalThis as Record<symbol, unknown>)[key] = timeState

/**
 * The loop a call to `api` runs on, or undefined for the real one.
 * @internal
 */
export function loopFor(api: Fakeable): EventLoop | undefined {
  const installs = timeState.installs
  for (let i = installs.length - 1; i >= 0; i--) {
    if (!installs[i]!.fakes.has(api)) continue
    const running = currentLoop()
    if (running !== undefined) return running
    for (; i >= 0; i--) {
      const install = installs[i]!
      if (!install.fakes.has(api)) continue
      const loop = install.resolve(api)
      if (loop !== undefined && !loop.isClosed()) return loop
    }
    return undefined
  }
  return undefined
}

/** The real host function that `name` (`globalThis.setTimeout`, ...) had before it was patched. @internal */
export function original<T>(name: string): T {
  return timeState.originals.get(name) as T
}
