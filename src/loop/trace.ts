/**
 * Creation traces: where a handle, task or loop was made.
 *
 * Capturing is the hot part (every setTimeout pays it), so it records V8's raw
 * frames with `Error.captureStackTrace` and formats nothing; the text is built
 * the first time a report reads it. Frames of vitest-loop itself and of Node's
 * internals are dropped when read, so the first frame left is the user's line.
 *
 * Even raw, a capture costs about 0.7 µs with no frame and 2 to 7 µs with a
 * test's stack under it: more than the rest of a timer's life. So each loop
 * traces its first `traces` creations (its trace budget, 1,000 by default;
 * debug mode and `LOOP_TRACES=all` trace every one) and numbers the ones past
 * it instead: a report about such a handle gives its number and the command
 * that replays the test with full traces (virtual time makes the replay exact),
 * where the same report names its line.
 */
import { dirname, isAbsolute, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeValue } from './internal/validate.ts'

/** One parsed stack frame. */
export interface StackFrame {
  /** Function name as V8 printed it, or `''` for anonymous code. */
  readonly fn: string
  /** File path (a `file://` URL is turned into a path). */
  readonly file: string
  readonly line: number
  readonly column: number
  /** The frame line as printed, without its leading `at`. */
  readonly text: string
}

/** Where the files of this package live: frames inside are ours and dropped. */
// Not `new URL('..', import.meta.url)`: Vite rewrites that pattern as an asset
// URL when it transforms this file for a DOM environment (jsdom, happy-dom),
// and the result is no file: URL.
const ownDir = join(dirname(fileURLToPath(import.meta.url)), '..', sep)

/**
 * How many frames a trace keeps; deep enough to get past a library into the
 * test. Each costs about 0.6 µs to capture, and under a sync test's line
 * sit about 20 frames of the runner that no report reads. But in the test
 * suite, the examples and the compat corpus, the deepest frame a report used
 * was the 15th: a test's line under async's series, eachOfLimit and awaitify.
 * Shallower, such a report would lose the test's line and name the library's
 * (`made inside a dependency at`), its stack the library's frames only.
 */
const captureDepth = 24

/** A trace captured at creation, formatted when read. */
export class Trace {
  /** V8 installs a lazy `stack` accessor on this object: reading it formats. */
  readonly #holder: { stack?: string }
  /** Every frame, ours included: parsed once, on first read. */
  #all: readonly StackFrame[] | undefined
  #frames: readonly StackFrame[] | undefined
  /** Its creation number in its loop (1-based); 0 for a trace made outside a budget (a loop's own). @internal */
  readonly _n: number

  /** @internal */
  constructor(holder: { stack?: string }, n = 0) {
    this.#holder = holder
    this._n = n
  }

  /** Every frame V8 recorded, ours included, as `    at ...` lines. */
  get raw(): string {
    const stack = this.#holder.stack ?? ''
    const nl = stack.indexOf('\n')
    return nl === -1 ? '' : stack.slice(nl + 1)
  }

  /** The frames outside vitest-loop and Node's internals, outermost last. */
  get frames(): readonly StackFrame[] {
    this.#frames ??= this.#parsed().filter((frame) => !isHiddenFile(frame.file))
    return this.#frames
  }

  /**
   * True when the innermost frame outside vitest-loop is Node's own code
   * (`node:internal/...`, such as the undici behind `fetch`): the work is
   * Node's plumbing scheduled through the globals, not the test's.
   */
  get byNode(): boolean {
    for (const frame of this.#parsed()) {
      if (frame.file.startsWith(ownDir)) continue
      return frame.file.startsWith('node:')
    }
    return false
  }

  #parsed(): readonly StackFrame[] {
    this.#all ??= parseFrames(this.raw)
    return this.#all
  }

  /** The first frame left: normally the user's line. */
  get site(): StackFrame | undefined {
    return this.frames[0]
  }

  /** The kept frames as a stack body (`    at ...` lines), ready to append to an error message. */
  toString(): string {
    return this.frames.map((frame) => `    at ${frame.text}`).join('\n')
  }
}

let enabled = true

/** Turn capture of creation traces on or off for every loop (on by default). */
export function setTraceCapture(on: boolean): void {
  enabled = on
}

/** Whether creation traces are captured. */
export function getTraceCapture(): boolean {
  return enabled
}

/** Creations a loop traces by default before it only numbers them (`traces` option, `LOOP_TRACES`). */
export const defaultTraceBudget = 1000

/**
 * What a handle or task keeps of its creation: its Trace; or, made past its
 * loop's trace budget, its creation number in that loop (1-based); or
 * undefined when capture was off. @internal
 */
export type Origin = Trace | number | undefined

/** The loop side of the budget: how many creations it made, how many it traces. @internal */
export interface TraceBudget {
  /** Creations counted so far (with capture on). */
  _creations: number
  /** Creations traced: the budget, or Infinity (debug mode, `'all'`). */
  _traceLimit: number
}

/**
 * Real network I/O started by a test (a socket, a DNS lookup, an HTTP
 * request): while it is set, loops trace past their budget. Node's own
 * plumbing that goes through the patched globals (the undici behind `fetch`
 * queues a setImmediate to release a connection) is told from the test's
 * work by its trace only, and must never be reported or cancelled as the
 * test's. Shared by every copy of this module. @internal
 */
const realIo: { on: boolean } = ((globalThis as Record<symbol, unknown>)[Symbol.for('vitest-loop:trace-real-io')] ??= {
  on: false,
}) as { on: boolean }

/**
 * The Vitest layer's switch for `realIo`: on when it sees network I/O start
 * in the worker. @internal
 */
export function setTraceRealIo(on: boolean): void {
  realIo.on = on
}

/**
 * Captures the current stack, dropping `skip` and everything it called, as
 * creation number `++budget._creations` of the loop: past `budget._traceLimit`
 * it returns that number and captures nothing (unless real network I/O is
 * under way: `setTraceRealIo`). Returns undefined when capture
 * is off (nothing is counted then). Without a budget (a loop's own trace) it
 * always captures.
 * @internal
 */
export function captureTrace(skip: Function, budget?: TraceBudget): Trace | number | undefined {
  if (!enabled) return undefined
  let n = 0
  if (budget !== undefined) {
    n = ++budget._creations
    if (n > budget._traceLimit && !realIo.on) return n
  }
  return captureFrames(skip, captureDepth, n)
}

/**
 * The stack above `skip`, `depth` frames of it, raw: whether or not capture is
 * on (`captureTrace` is the switch and the budget). @internal
 */
export function captureFrames(skip: Function, depth: number, n = 0): Trace {
  const holder: { stack?: string } = {}
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = depth
  Error.captureStackTrace(holder, skip)
  Error.stackTraceLimit = limit
  return new Trace(holder, n)
}

/** The Trace of an origin; undefined for a numbered or untraced one. @internal */
export function traceOf(origin: Origin): Trace | undefined {
  return typeof origin === 'object' ? origin : undefined
}

/**
 * What `traces` (option) or `LOOP_TRACES` asks for, as a trace limit:
 * `'all'` is Infinity, a whole number of at least 0 is itself; anything else
 * is a RangeError naming `name` and the value (a TypeError when it is neither
 * a string nor a number).
 * @internal
 */
export function toTraceLimit(name: string, value: unknown): number {
  if (value === 'all' || value === Infinity) return Infinity
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  const message = `Expected \`${name}\` to be 'all' or a whole number of traced creations per loop (default ${defaultTraceBudget}), got ${describeValue(value)}`
  throw typeof value === 'string' || typeof value === 'number' ? new RangeError(message) : new TypeError(message)
}

/**
 * Where an origin points, for a message: `file:line:column` of its trace's
 * site; for a creation made past its loop's trace budget, its number and how
 * to get its line.
 * @internal
 */
export function formatOrigin(origin: Origin): string {
  if (typeof origin !== 'number') return formatSite(origin?.site)
  return `an untraced place (creation #${origin.toLocaleString('en-US')} of its loop, past the ones it traces; LOOP_TRACES=all traces every one)`
}

/**
 * `file:line:column` of a frame, the file relative to the working directory as
 * Vitest prints paths: the one way every message of vitest-loop names a source
 * site (leak reports, DeadlockError, LoopLimitError, Task.toString, the Chrome
 * trace, debug logs).
 */
export function formatSite(frame: StackFrame | undefined): string {
  if (frame === undefined) return 'an unknown place (trace capture was off)'
  const file = isAbsolute(frame.file) ? relative(process.cwd(), frame.file) : frame.file
  return `${file}:${frame.line}:${frame.column}`
}

const frameWithFn = /^\s*at (?:async )?(.*?) \((.*):(\d+):(\d+)\)$/
const frameBare = /^\s*at (?:async )?(.*):(\d+):(\d+)$/

/** Parses V8 `    at fn (file:line:col)` lines; lines without a location are skipped. @internal */
export function parseFrames(stack: string): StackFrame[] {
  const frames: StackFrame[] = []
  for (const line of stack.split('\n')) {
    let fn = ''
    let file: string
    let lineNo: string
    let col: string
    const named = frameWithFn.exec(line)
    if (named) {
      ;[, fn, file, lineNo, col] = named as unknown as [string, string, string, string, string]
    } else {
      const bare = frameBare.exec(line)
      if (!bare) continue
      ;[, file, lineNo, col] = bare as unknown as [string, string, string, string]
    }
    if (file.startsWith('file://')) file = fileURLToPath(file)
    frames.push({ fn, file, line: Number(lineNo), column: Number(col), text: line.trim().replace(/^at /, '') })
  }
  return frames
}

/** Frames in these files are never the user's line. @internal */
export function isHiddenFile(file: string): boolean {
  // A path has a separator: `/`, or `\` on Windows. What has none is `<anonymous>`, `native` and the like.
  return file.startsWith(ownDir) || file.startsWith('node:') || !(file.includes('/') || file.includes('\\'))
}
