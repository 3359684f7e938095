/**
 * Is real work in flight in this worker, work that could still settle what a
 * test awaits? The stall check asks before it calls a test deadlocked, and it
 * must never answer "no" while something real is under way: a false
 * DeadlockError is far worse than a late one. So it looks three ways, and any
 * one of them saying "maybe" is enough:
 *
 * 1. Node's live resources (`process.getActiveResourcesInfo()`: ref'd
 *    handles, requests, timers and immediates), counted by type against the
 *    fewest seen since the setup file loaded (the runner's own pipes and
 *    ports). Every type counts, servers, message ports and real timers too:
 *    unlike the I/O probe, which decides whether time may jump, this one
 *    decides whether a test may be failed. So a file that keeps a socket or
 *    a server open gets no stall detection while it is open, only its
 *    test timeout, as before.
 * 2. Work Node does not list: thread-pool jobs (crypto's pbkdf2, scrypt,
 *    keygen, hashing; zlib; native addons' async work), unref'd real timers
 *    made outside virtual time, worker threads while they start. An async
 *    hook sees them start; a crypto job counts until its callback runs, a
 *    real timer until it fired or was cleared, a zlib handle while a write is
 *    in progress, a worker thread until it exits. Work of other kinds
 *    (a native addon's, an AsyncResource) has no end we can read: it counts
 *    for the rest of each test running when it started, so a test that used
 *    such work gets its timeout, not a DeadlockError, if it then stalls.
 * 3. Vitest's own calls to the main process (loading a module for a dynamic
 *    import, snapshot files, annotations): each call on the worker's RPC
 *    counts until its answer comes.
 *
 * Cost: where Node has `createHook`'s `trackPromises` option (24.21 and
 * later here; not 20 or 22) the hook does not see promises at all. Elsewhere
 * its `init` runs for every promise (it returns at once for them); with
 * AsyncLocalStorage already in use, as there, that is about a tenth more on
 * code that does nothing but await. From Node 24 AsyncLocalStorage needs no
 * promise hook, so without the option this hook would be what turns promise
 * hooks on for the whole worker.
 * @internal
 */
import { createHook } from 'node:async_hooks'
import type { AsyncHook, HookCallbacks } from 'node:async_hooks'
import timers from 'node:timers'
import { Handle } from '../loop/handle.ts'
import { setTraceRealIo } from '../loop/trace.ts'

/**
 * Node's own timers (node:timers), captured before virtual time is installed:
 * they hand out Timeout objects that can be unref'd, even where the global
 * setTimeout is a DOM's (jsdom's window in the vm pools). For vitest-loop's
 * own real timers. @internal
 */
export const nodeTimers: { readonly setTimeout: typeof timers.setTimeout; readonly clearTimeout: typeof timers.clearTimeout } =
  ((globalThis as Record<symbol, unknown>)[Symbol.for('vitest-loop:node-timers')] as typeof nodeTimers | undefined) ??
  Object.freeze({ setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout })
;(globalThis as Record<symbol, unknown>)[Symbol.for('vitest-loop:node-timers')] = nodeTimers

/**
 * Network I/O starting: from then on, for the rest of the worker, loops trace
 * past their budget, so that Node's own plumbing through the globals (fetch's
 * undici) keeps the trace that tells it from the test's work (trace.ts). For
 * the rest of the worker, not of the test: a pooled keep-alive connection
 * serves later tests without a new socket, and its plumbing comes with it.
 */
const networkIo = new Set([
  'TCPWRAP',
  'TCPCONNECTWRAP',
  'TLSWRAP',
  'PIPECONNECTWRAP',
  'UDPWRAP',
  'GETADDRINFOREQWRAP',
  'GETNAMEINFOREQWRAP',
  'QUERYWRAP',
  'HTTPCLIENTREQUEST',
])

/**
 * Resource types the hook leaves to Node's resource list (their liveness
 * shows there), or that are drained before a stall check looks (ticks,
 * microtasks, promises), or that are long-lived bookkeeping.
 */
const listedOrDrained = new Set([
  'PROMISE',
  'TickObject',
  'Microtask',
  'Immediate',
  'TCPWRAP',
  'TCPSERVERWRAP',
  'TCPCONNECTWRAP',
  'PIPEWRAP',
  'PIPESERVERWRAP',
  'PIPECONNECTWRAP',
  'TTYWRAP',
  'UDPWRAP',
  'UDPSENDWRAP',
  'PROCESSWRAP',
  'SIGNALWRAP',
  'FSEVENTWRAP',
  'STATWATCHER',
  'FSREQCALLBACK',
  'FSREQPROMISE',
  'FILEHANDLE',
  'FILEHANDLECLOSEREQ',
  'GETADDRINFOREQWRAP',
  'GETNAMEINFOREQWRAP',
  'QUERYWRAP',
  'DNSCHANNEL',
  'SHUTDOWNWRAP',
  'WRITEWRAP',
  'MESSAGEPORT',
  'JSSTREAM',
  'JSUDPWRAP',
  'TLSWRAP',
  'STREAMPIPE',
  'HTTPINCOMINGMESSAGE',
  'HTTPCLIENTREQUEST',
  'SIGINTWATCHDOG',
  'ELDHISTOGRAM',
  'HEAPSNAPSHOT',
])

interface Tracked {
  readonly type: string
  /** Weak: work whose object was collected is over. */
  readonly resource: WeakRef<object>
  /** Order of creation, to tell work of the current test from older work. */
  readonly seq: number
  /** A kind whose end we can read, so it counts whenever it started. */
  readonly known: boolean
  /** A thread-pool job whose callback ran. */
  done: boolean
}

interface RealWork {
  readonly hook: AsyncHook
  readonly tracked: Map<number, Tracked>
  /**
   * Real timers, made outside virtual time, not yet seen cleared or fired.
   * Kept apart, held strongly and swept as the set grows: Vitest makes a few
   * per test (its hooks' timeouts), and a WeakRef and a map entry each cost
   * every test. A live timer is held by Node's timer list anyway.
   */
  readonly timers: Set<object>
  /** The size of `timers` at which it is swept next. */
  sweepAt: number
  seq: number
  /** Marks of the tests running now (work of unknown kinds older than all of them is dropped). */
  readonly marks: Set<number>
  /** Fewest live resources of each type seen so far. */
  baseline: Map<string, number> | undefined
  rpcCalls: number
  rpcWatched: boolean
  /** Whether the hook is on: from the setup of a test file to its end. */
  watching: boolean
  /** Set while the runner is about to make a test's own timeout timer: not the test's work. */
  runnerTimeout: number | undefined
  /** Set while vitest-loop makes its own real timers. */
  ours: boolean
}

const key = Symbol.for('vitest-loop:real-work')

function makeState(): RealWork {
  const state: RealWork = {
    // `init` only: a `before` hook would make every promise job call into
    // JavaScript (a third more time on await-heavy code); the end of each
    // kind of work is read from its object instead (see `alive`).
    hook: createHook(
      withoutPromises({
        init(asyncId, type, _trigger, resource) {
          if (type === 'PROMISE' || state.ours) return
          if (networkIo.has(type)) setTraceRealIo(true)
          if (listedOrDrained.has(type)) return
          if (type === 'Timeout') {
            // Real timers only: virtual ones are loop handles, run by the loop.
            if (resource instanceof Handle || !isRealTimeout(resource)) return
            if (state.runnerTimeout !== undefined && (resource as { _idleTimeout?: number })._idleTimeout === state.runnerTimeout) {
              state.runnerTimeout = undefined
              return
            }
            addTimer(resource)
            return
          }
          const job = type.endsWith('REQUEST')
          const known = job || type === 'ZLIB' || type === 'WORKER'
          const entry: Tracked = { type, resource: new WeakRef(resource), seq: ++state.seq, known, done: false }
          if (job) watchJobEnd(resource, entry)
          state.tracked.set(asyncId, entry)
        },
      }),
    ),
    tracked: new Map(),
    timers: new Set(),
    sweepAt: minSweep,
    seq: 0,
    marks: new Set(),
    baseline: undefined,
    rpcCalls: 0,
    rpcWatched: false,
    watching: false,
    runnerTimeout: undefined,
    ours: false,
  }
  return state
}

/**
 * The hook's callbacks with `trackPromises: false`: Node 24.21 and later then
 * install no promise hook for it; older Nodes ignore the option (their
 * `@types/node` does not know it).
 * @internal
 */
export function withoutPromises(callbacks: HookCallbacks): HookCallbacks {
  return Object.assign(callbacks, { trackPromises: false })
}

/** `timers` is never swept below this size. */
const minSweep = 64

const state: RealWork = ((globalThis as Record<symbol, unknown>)[key] as RealWork | undefined) ?? makeState()
;(globalThis as Record<symbol, unknown>)[key] = state

function timerDone(timer: object): boolean {
  return (timer as { _destroyed?: boolean })._destroyed === true
}

function addTimer(timer: object): void {
  const timers = state.timers
  timers.add(timer)
  if (timers.size < state.sweepAt) return
  for (const t of timers) if (timerDone(t)) timers.delete(t)
  state.sweepAt = Math.max(minSweep, 2 * timers.size)
}

function isRealTimeout(resource: object): boolean {
  return typeof (resource as { hasRef?: unknown }).hasRef === 'function' && '_idleTimeout' in resource
}

/**
 * A crypto job (PBKDF2Job, HashJob, ...) ends one of three ways, all read
 * from the object its caller makes and then `run()`s: an async job calls the
 * `ondone` its caller assigns before run(); a WebCrypto job's run() returns a
 * promise (Node 24: `subtle.digest` assigns no ondone); a sync job
 * (pbkdf2Sync) is over when run() returns. If Node ever did it differently,
 * the job would just count until its object is collected (late, never wrong).
 */
function watchJobEnd(resource: object, entry: Tracked): void {
  let ondone: unknown
  const end = (): void => {
    entry.done = true
  }
  try {
    Object.defineProperty(resource, 'ondone', {
      configurable: true,
      enumerable: true,
      get: () => ondone,
      set(callback: unknown) {
        ondone =
          typeof callback === 'function'
            ? function (this: unknown, ...args: unknown[]): unknown {
                end()
                return (callback as (...a: unknown[]) => unknown).apply(this, args)
              }
            : callback
      },
    })
    const run = (resource as { run?: unknown }).run
    if (typeof run !== 'function') return
    Object.defineProperty(resource, 'run', {
      configurable: true,
      writable: true,
      value: function (this: unknown, ...args: unknown[]): unknown {
        const result: unknown = run.apply(this, args)
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
          // A new promise for the caller, so a rejection nobody handles is still reported as unhandled.
          return (result as PromiseLike<unknown>).then(
            (value) => (end(), value),
            (error: unknown) => {
              end()
              throw error
            },
          )
        }
        if (ondone === undefined) end()
        return result
      },
    })
  } catch {
    // not ours to watch: it counts until collected
  }
}

/** Whether tracked work may still be under way; false: drop it. */
function alive(entry: Tracked, oldest: number): boolean {
  const resource = entry.resource.deref()
  if (resource === undefined) return false
  switch (entry.type) {
    case 'ZLIB':
      return true // kept while the stream lives; busy only while a write is in progress (see `busy`)
    case 'WORKER':
      // A worker thread, until it exits (or is unref'd). Node lists nothing for it while the thread starts.
      return (resource as { hasRef?: () => unknown }).hasRef?.() === true
    default:
      // A job until its callback ran; work of unknown kinds has no end we can read: it counts for the tests that started it.
      return entry.known ? !entry.done : entry.seq > oldest
  }
}

/** Whether live tracked work is under way right now. */
function busy(entry: Tracked): boolean {
  return entry.type !== 'ZLIB' || (entry.resource.deref() as { buffer?: unknown } | undefined)?.buffer != null
}

/**
 * Starts watching for a test file: the baseline of live resources (once per
 * worker), the hook, and Vitest's RPC. Returns false if Vitest's RPC could
 * not be watched: then nothing may be called stalled.
 * @internal
 */
export function watchRealWork(): boolean {
  if (state.baseline === undefined) {
    // Node makes the standard streams on first use: make them now, into the baseline.
    void process.stdout
    void process.stderr
    state.baseline = countResources()
  }
  if (!state.watching) {
    state.watching = true
    state.hook.enable()
  }
  watchRpc()
  return state.rpcWatched
}

/**
 * The test file ended (its last afterAll): no test can stall until the next
 * file of the worker watches again, so the hook is off. Where Node gives any
 * hook every promise (before 24.21), this spares Vitest's end of the file,
 * its reports and calls to the main process, that cost.
 * @internal
 */
export function pauseRealWork(): void {
  if (!state.watching) return
  state.watching = false
  state.hook.disable()
}

/**
 * A test begins: returns its mark (work started after it is the test's).
 * Pass it to realWorkInFlight, and to endTestWork when the test ends.
 * @internal
 */
export function beginTestWork(): number {
  const mark = state.seq
  state.marks.add(mark)
  return mark
}

/** The test that got `mark` ended. @internal */
export function endTestWork(mark: number): void {
  state.marks.delete(mark)
}

/** A number that orders tracked work: work started after it is newer. @internal */
export function realWorkMark(): number {
  return state.seq
}

/**
 * The real work in flight, in a few words, or undefined when there is none.
 * `since`: a mark from realWorkMark(); work of unknown kinds older than it is
 * not counted.
 * @internal
 */
export function realWorkInFlight(since: number): string | undefined {
  if (!state.rpcWatched) return 'Vitest RPC not watched'
  const calls = rpcCallsInFlight()
  if (calls > 0) return `${calls} Vitest RPC call(s)`
  return resourcesAboveBaseline() ?? trackedWorkInFlight(since)
}

/** Calls on Vitest's RPC waiting for their answer. @internal */
export function rpcCallsInFlight(): number {
  return state.rpcCalls
}

/** The first type of live resource above the baseline, as `2 TCPSocketWrap`; lowers the baseline to what it sees. @internal */
export function resourcesAboveBaseline(): string | undefined {
  const baseline = state.baseline
  if (baseline === undefined) return 'not watching'
  const counts = countResources()
  let above: string | undefined
  for (const [type, count] of counts) {
    const base = baseline.get(type) ?? 0
    if (count > base) above ??= `${count - base} ${type}`
    else if (count < base) baseline.set(type, count)
  }
  for (const [type, base] of baseline) if (!counts.has(type) && base > 0) baseline.set(type, 0)
  return above
}

/** Work the hook saw start and not end (see the top of this file), as `a PBKDF2REQUEST in flight`. @internal */
export function trackedWorkInFlight(since: number): string | undefined {
  return trackedWork(since)[0]
}

/** Every piece of work trackedWorkInFlight counts. @internal */
export function trackedWork(since: number): string[] {
  const found: string[] = []
  const oldest = state.marks.size === 0 ? state.seq : Math.min(...state.marks)
  for (const [id, entry] of state.tracked) {
    if (!alive(entry, Math.min(oldest, since))) {
      state.tracked.delete(id)
      continue
    }
    if ((entry.known || entry.seq > since) && busy(entry)) found.push(`a ${entry.type} in flight`)
  }
  for (const timer of state.timers) {
    if (timerDone(timer)) state.timers.delete(timer)
    else found.push('a Timeout in flight')
  }
  return found
}

/** Real timers held by the tracking now, cleared or fired ones not yet swept included. @internal */
export function heldTimers(): number {
  return state.timers.size
}

/** Calls `fn` (which makes the runner's timeout timer for a test of `timeout` ms) with that timer left out. @internal */
export function withRunnerTimer<T>(timeout: number | undefined, fn: () => T): T {
  const valid = typeof timeout === 'number' && timeout >= 1 && timeout <= 2 ** 31 - 1
  state.runnerTimeout = valid ? Math.trunc(timeout) : undefined
  try {
    return fn()
  } finally {
    state.runnerTimeout = undefined
  }
}

/** Calls `fn` with the real timers it makes left out (vitest-loop's own). @internal */
export function ours<T>(fn: () => T): T {
  const previous = state.ours
  state.ours = true
  try {
    return fn()
  } finally {
    state.ours = previous
  }
}

function countResources(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1)
  return counts
}

// ------------------------------------------------------------ Vitest RPC

interface WorkerState {
  rpc?: object
}

const watchedRpcs = new WeakSet<object>()

/**
 * Counts Vitest's calls to the main process still waiting for an answer, by
 * wrapping the worker's RPC object (`__vitest_worker__.rpc`, which Vitest
 * reads on every call). Vitest internals: if their shape is not what we know,
 * stall detection stays off.
 */
function watchRpc(): void {
  const worker = (globalThis as { __vitest_worker__?: WorkerState }).__vitest_worker__
  const rpc = worker?.rpc
  if (worker === undefined || typeof rpc !== 'object' || rpc === null) return
  if (watchedRpcs.has(rpc)) {
    state.rpcWatched = true
    return
  }
  // One wrapper per method, made on its first read: Vitest reads the method
  // on every call (several per test), and the RPC makes a new function on each
  // read, which the wrapper reads again when called.
  const wrappers = new Map<string, unknown>()
  const counted = new Proxy(rpc, {
    get(target, property, receiver) {
      const known = typeof property === 'string' ? wrappers.get(property) : undefined
      if (known !== undefined) return known
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || typeof property !== 'string' || property.startsWith('$') || property === 'then') return value
      const method = (): ((...args: unknown[]) => unknown) & { asEvent?: (...args: unknown[]) => unknown } =>
        Reflect.get(target, property, receiver) as ((...args: unknown[]) => unknown) & { asEvent?: (...args: unknown[]) => unknown }
      const wrapped = Object.assign(
        (...args: unknown[]): unknown => {
          const result = method()(...args)
          if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
            state.rpcCalls++
            const done = (): void => {
              state.rpcCalls--
            }
            ;(result as PromiseLike<unknown>).then(done, done)
          }
          return result
        },
        // An event expects no answer: nothing to count.
        { asEvent: (...args: unknown[]): unknown => method().asEvent?.(...args) },
      )
      wrappers.set(property, wrapped)
      return wrapped
    },
  })
  try {
    worker.rpc = counted
  } catch {
    return
  }
  if (worker.rpc !== counted) return
  watchedRpcs.add(counted)
  state.rpcWatched = true
}
