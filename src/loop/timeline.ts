/**
 * The loop's timeline in debug mode: what it scheduled, fired and cancelled,
 * the tasks it made and how they ended, and how loop time jumped, each event
 * stamped with loop time. A bounded ring buffer: the newest `capacity` events
 * are kept, older ones dropped, so a long test costs no more memory than a
 * short one. A failing test prints the last events; `loop.exportTrace(path)`
 * turns them into a Chrome trace.
 *
 * Recording costs nothing outside debug mode: the loop calls in here only
 * behind the `#debug` checks it already makes. Nothing is formatted while
 * recording (events hold the handle or task; traces are read when reported).
 */
import type { Handle, HandleKind } from './handle.ts'
import type { Task } from './task.ts'
import type { Origin, Trace } from './trace.ts'

/** What happened. */
export type TimelineEventType =
  | 'scheduled'
  | 'fired'
  | 'cancelled'
  | 'task-created'
  | 'task-done'
  | 'task-failed'
  | 'task-cancelled'
  | 'slow-step'
  | 'time-jump'

/** One event of the timeline. */
export interface TimelineEvent {
  readonly type: TimelineEventType
  /** Loop time (ms) at which it happened; for a time jump, the time jumped to. */
  readonly time: number
  /** The handle scheduled, fired or cancelled. */
  readonly handle?: Handle
  /** The callback's name when it was scheduled (`''` for an anonymous one). */
  readonly callbackName?: string
  /** The task created or ended; for a handle, the task that scheduled it (or that it starts). */
  readonly task?: Task<unknown>
  /** Real milliseconds a fired callback or a slow task step ran. */
  readonly duration?: number
  /** For a time jump: the loop time it left. */
  readonly from?: number
  /** For a failed task: its error. */
  readonly error?: unknown
  /** For a scheduled timer: the loop time it is due at. */
  readonly due?: number
  /** For a fired handle: it started its task (the task's first step). */
  readonly startsTask?: boolean
}

/** A fired event, whose duration is filled in once its callback returns. @internal */
export interface FiredEvent extends TimelineEvent {
  duration: number
}

/** A callback being timed. @internal */
export interface Firing {
  readonly event: FiredEvent
  /** Real monotonic ms when it started. */
  readonly start: number
}

/** Events kept by default: enough for a trace of a busy test, bounded for a runaway one. */
export const defaultTimelineCapacity = 10_000

interface HandleInfo {
  readonly name: string
  readonly task: Task<unknown> | undefined
}

/** A bounded, ordered record of a loop's events. @internal */
export class Timeline {
  readonly capacity: number
  readonly #ring: TimelineEvent[] = []
  #next = 0
  #total = 0
  #lastTime: number
  /** What a handle was when it was scheduled (its callback is dropped once it runs). */
  readonly #handles = new WeakMap<Handle, HandleInfo>()

  constructor(now: number, capacity = defaultTimelineCapacity) {
    this.#lastTime = now
    this.capacity = capacity
  }

  /** Events recorded since the timeline started, dropped ones included. */
  get total(): number {
    return this.#total
  }

  /** The kept events, oldest first. */
  events(): TimelineEvent[] {
    const ring = this.#ring
    return ring.length < this.capacity ? [...ring] : [...ring.slice(this.#next), ...ring.slice(0, this.#next)]
  }

  /** A handle was queued or put on the heap by `task` (undefined: outside any task). */
  scheduled(time: number, handle: Handle, task: Task<unknown> | undefined): void {
    const name = handle.callback?.name ?? ''
    this.#handles.set(handle, { name, task })
    const due = (handle as { when?: number }).when
    this.#push({ type: 'scheduled', time, handle, callbackName: name, task, ...(due === undefined ? {} : { due }) })
  }

  /**
   * A handle's callback is about to run (real clock: `start`); `starts` is the
   * task it starts, if any. The loop fills in the duration when it returns.
   */
  firing(time: number, handle: Handle, starts: Task<unknown> | undefined, start: number): Firing {
    const info = this.#handles.get(handle)
    const event: FiredEvent = {
      type: 'fired',
      time,
      handle,
      callbackName: info?.name ?? '',
      task: starts ?? info?.task,
      duration: 0,
      ...(starts === undefined ? {} : { startsTask: true }),
    }
    this.#push(event)
    return { event, start }
  }

  cancelled(time: number, handle: Handle): void {
    const info = this.#handles.get(handle)
    this.#push({ type: 'cancelled', time, handle, callbackName: info?.name ?? '', task: info?.task })
  }

  taskCreated(time: number, task: Task<unknown>): void {
    this.#push({ type: 'task-created', time, task })
  }

  taskFinished(time: number, task: Task<unknown>): void {
    const type = task.state === 'fulfilled' ? 'task-done' : task.state === 'rejected' ? 'task-failed' : 'task-cancelled'
    const error = task.state === 'rejected' ? task._peekException() : undefined
    this.#push({ type, time, task, ...(error === undefined ? {} : { error }) })
  }

  slowStep(time: number, task: Task<unknown>, duration: number): void {
    this.#push({ type: 'slow-step', time, task, duration })
  }

  /** Records the jump to `now` if time moved since the last event (so a trace ends at the loop's time). */
  catchUp(now: number): void {
    if (now !== this.#lastTime) this.#push({ type: 'time-jump', time: now, from: this.#lastTime })
  }

  #push(event: TimelineEvent): void {
    // Time only moves by jumps: note one before the first event at a new time.
    if (event.time !== this.#lastTime && event.type !== 'time-jump') {
      this.#store({ type: 'time-jump', time: event.time, from: this.#lastTime })
    }
    this.#lastTime = event.time
    this.#store(event)
  }

  #store(event: TimelineEvent): void {
    this.#total++
    if (this.#ring.length < this.capacity) {
      this.#ring.push(event)
      return
    }
    this.#ring[this.#next] = event
    this.#next = (this.#next + 1) % this.capacity
  }
}

const apiOf: Partial<Record<HandleKind | 'animationFrame', string>> = {
  timeout: 'setTimeout',
  interval: 'setInterval',
  immediate: 'setImmediate',
  animationFrame: 'requestAnimationFrame',
  timer: 'loop.callLater',
  callback: 'loop.callSoon',
}

/**
 * How an event's handle reads: `setTimeout(tick, 1,000 ms)`, `loop.callSoon(anonymous)`,
 * or `start of Task 'name'`. @internal
 */
export function handleLabel(event: TimelineEvent): string {
  const handle = event.handle
  if (handle === undefined) return ''
  if (event.startsTask && event.task !== undefined) return `start of Task '${event.task.name}'`
  const name = event.callbackName || 'anonymous'
  const delay = (handle as { delay?: number }).delay
  const api = apiOf[handle.kind] ?? handle.kind
  if (delay === undefined || handle.kind === 'animationFrame') return `${api}(${name})`
  return handle.kind === 'timer' ? `loop.callLater(${ms(delay)}, ${name})` : `${api}(${name}, ${ms(delay)})`
}

/** `1,500 ms`, `0.25 ms`. @internal */
export function ms(value: number): string {
  return `${Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2)} ms`
}

// ------------------------------------------------------------ the light record

/*
 * Outside debug mode a loop can still keep a light record of what happened,
 * so that a failing test can draw its loop (src/check/timeline-svg.ts):
 * `code, loop time, origin or task, kind`, written by the
 * scheduler and the loop with one call and no object per event, into a ring
 * of chunks that keeps the newest `recordCapacity` events. A chunk is
 * taken when the one being written fills (the oldest chunk once the ring is
 * full), so a loop's record never copies an event once its chunk is full, and
 * never trims; a new chunk starts empty and grows as it is written, so a
 * short test pays for its few events only. Names, durations and the
 * scheduling task are debug mode's: the record holds only what costs nothing
 * to note.
 *
 * A handle's event keeps the handle's origin and kind, never the handle: the
 * record must not keep alive the callbacks a test is done with. Holding
 * 10,000 fired handles (and what their closures hold) made every young
 * collection copy them and promote them to the old generation; a test of
 * 10,000 timers through the plugin spent 25 ms of every third run on it. An
 * origin is one per creation (a Trace, or the creation's number past the
 * trace budget), so the picture still tells handles apart by it.
 *
 * For the same reason only the scheduling event holds a traced handle's
 * Trace; its firing or cancelling holds `-n`, n its creation number, which
 * readRecord turns back into the Trace of the scheduling event still kept.
 * A trace is two dozen frames V8 keeps alive with it: held by every firing
 * to the test's end, the first 1,000 traces of a test of 10,000 timers were
 * copied by the young collections that the handles alone would not have
 * survived (B at 1e4 through vi: 2,080 -> 1,690 ns a timer). What is lost:
 * the lane of a handle whose scheduling fell out of the newest 10,000
 * events (a test of thousands of timers); it is drawn in a lane that says so.
 */

/** @internal */ export const recordScheduled = 0
/** @internal */ export const recordFired = 1
/** @internal */ export const recordCancelled = 2
/** @internal */ export const recordTaskCreated = 3
/** @internal */ export const recordTaskFinished = 4

/** Events the light record keeps (the newest), like the timeline. @internal */
export const recordCapacity = defaultTimelineCapacity
/** Events in one chunk of the ring. */
const chunkEvents = 1024
/** Chunks in a full ring: the newest `recordCapacity` events, and the chunk being written. */
const ringChunks = Math.ceil(recordCapacity / chunkEvents) + 1

/** A handle kind's number in the record (an event's code holds it above its own three bits). */
const kinds: readonly (HandleKind | undefined)[] = [undefined, 'callback', 'timer', 'timeout', 'interval', 'immediate', 'animationFrame']
const kindNumber = new Map(kinds.map((kind, i) => [kind, i]))

/**
 * One chunk: an event's code and kind in a byte, its time in a double, its
 * subject (an origin or a task) in a plain array. The typed arrays' contents
 * are no work for the garbage collector, which scans only the subjects.
 */
interface Chunk {
  codes: Uint8Array
  times: Float64Array
  readonly subjects: unknown[]
}

/** Events the first chunk has room for at first: it doubles as it fills, so a test that notes ten events pays for sixteen. */
const firstRoom = 8

function newChunk(room: number): Chunk {
  // A whole chunk's subjects are made whole too: grown by the writes, an array of 1,024 leaves twice its size behind.
  return { codes: new Uint8Array(room), times: new Float64Array(room), subjects: room === chunkEvents ? new Array<unknown>(chunkEvents) : [] }
}

/** The light record of one loop: a ring of chunks of events. @internal */
export class LightRecord {
  /** The chunks, in the order they were first taken; a ring once there are `ringChunks`. */
  readonly #chunks: Chunk[] = []
  /** The chunk being written (undefined before the first event). */
  #chunk: Chunk | undefined = undefined
  /** Index in #chunks of the chunk being written; -1 before the first event. */
  #current = -1
  /** The event the next one goes to in the current chunk. */
  #pos = 0
  /** Events the current chunk has room for (0 before the first event): at #pos, grow it or take the next. */
  #room = 0
  /** Chunks filled so far, recycled ones included. */
  #filled = 0

  /**
   * Notes a handle's event (scheduled, fired, cancelled): its origin and kind,
   * not the handle; after its scheduling, a traced origin by number (`-n`).
   */
  handle(code: number, time: number, handle: Handle): void {
    const origin = handle._origin
    this.add(code, time, code !== recordScheduled && typeof origin === 'object' && origin._n !== 0 ? -origin._n : origin, handle.kind)
  }

  /** Notes a task's event (created, finished). */
  task(code: number, time: number, task: Task<unknown>): void {
    this.add(code, time, task, undefined)
  }

  /** Notes one event. The only call per event; the chunk change is out of line. */
  add(code: number, time: number, subject: unknown, kind: HandleKind | undefined): void {
    let pos = this.#pos
    if (pos === this.#room) pos = this.#makeRoom()
    const chunk = this.#chunk!
    chunk.codes[pos] = code | (kindNumber.get(kind)! << 3)
    chunk.times[pos] = time
    chunk.subjects[pos] = subject
    this.#pos = pos + 1
  }

  /** The current chunk is full up to its room: the first chunk doubles up to a whole one; a whole one is followed by the next. */
  #makeRoom(): number {
    const pos = this.#pos
    const chunk = this.#chunk
    if (chunk !== undefined && pos < chunkEvents) {
      const room = Math.min(2 * pos, chunkEvents)
      const codes = new Uint8Array(room)
      const times = new Float64Array(room)
      codes.set(chunk.codes)
      times.set(chunk.times)
      chunk.codes = codes
      chunk.times = times
      this.#room = room
      return pos
    }
    const chunks = this.#chunks
    if (chunk !== undefined) this.#filled++
    if (chunks.length === 0) {
      chunks.push(newChunk(firstRoom))
      this.#current = 0
    } else if (chunks.length < ringChunks) {
      // Every test's first chunk starts small; a loop this busy takes whole chunks.
      chunks.push(newChunk(chunkEvents))
      this.#current = chunks.length - 1
    } else {
      // The oldest chunk, overwritten from its start: its events are dropped.
      this.#current = (this.#current + 1) % ringChunks
    }
    this.#chunk = chunks[this.#current]
    this.#room = this.#chunk!.codes.length
    return 0
  }

  /** Events noted since the record started, dropped ones included. */
  get total(): number {
    return this.#current < 0 ? 0 : this.#filled * chunkEvents + this.#pos
  }

  /** Calls `visit` on the newest `recordCapacity` events, oldest first; returns how many older ones were dropped. */
  read(visit: (code: number, time: number, subject: unknown, kind: HandleKind | undefined) => void): number {
    const chunks = this.#chunks
    const n = chunks.length
    if (n === 0) return 0
    const held = (n - 1) * chunkEvents + this.#pos
    let skip = Math.max(0, held - recordCapacity)
    // Oldest first: the chunk after the current one in a full ring, else the first.
    const oldest = n === ringChunks ? (this.#current + 1) % n : 0
    for (let k = 0; k < n; k++) {
      const index = (oldest + k) % n
      const { codes, times, subjects } = chunks[index]!
      const end = index === this.#current ? this.#pos : chunkEvents
      let i = 0
      if (skip > 0) {
        i = Math.min(skip, end)
        skip -= i
      }
      for (; i < end; i++) visit(codes[i]! & 7, times[i]!, subjects[i], kinds[codes[i]! >> 3])
      if (index === this.#current) break
    }
    return this.total - Math.min(held, recordCapacity)
  }
}

/**
 * One event as the picture reads it, from the light record or debug mode's
 * timeline: a handle's by its origin and kind (the handle itself is not
 * kept), a task's by the task. @internal
 */
export interface RecordedEvent {
  readonly type: 'scheduled' | 'fired' | 'cancelled' | 'task-created' | 'task-done' | 'task-failed' | 'task-cancelled'
  readonly time: number
  /** A handle's origin: its Trace, or its creation number; undefined when capture was off. */
  readonly origin?: Origin
  /** A traced handle whose scheduling fell out of the record: its Trace is no longer known. */
  readonly siteDropped?: boolean
  readonly kind?: HandleKind
  /** The task created or ended; for a fired handle that starts a task, that task. */
  readonly task?: Task<unknown>
  readonly startsTask?: boolean
}

const taskEnd = (task: Task<unknown>): RecordedEvent['type'] =>
  task.state === 'fulfilled' ? 'task-done' : task.state === 'rejected' ? 'task-failed' : 'task-cancelled'

/**
 * The light record as events, oldest first (task finishes typed by the
 * task's state now). A task's first step is a handle made with the task's
 * origin: `tasks` (the loop's unfinished ones) and the tasks the record
 * names tell it from other callbacks.
 * @internal
 */
export function readRecord(record: LightRecord, tasks: Iterable<Task<unknown>>): { events: RecordedEvent[]; dropped: number } {
  const startOf = new Map<unknown, Task<unknown>>()
  // Traces by creation number: what a firing's or a cancelling's `-n` stands for.
  const traced = new Map<number, Trace>()
  const noteTask = (task: Task<unknown>): void => {
    const origin = task._origin
    if (origin === undefined) return
    startOf.set(origin, task)
    if (typeof origin === 'object') traced.set(origin._n, origin)
  }
  for (const task of tasks) noteTask(task)
  record.read((code, _time, subject) => {
    if (code === recordTaskCreated || code === recordTaskFinished) noteTask(subject as Task<unknown>)
    else if (code === recordScheduled && typeof subject === 'object') traced.set((subject as Trace)._n, subject as Trace)
  })
  const events: RecordedEvent[] = []
  const dropped = record.read((code, time, subject, kind) => {
    if (code === recordTaskCreated || code === recordTaskFinished) {
      const task = subject as Task<unknown>
      events.push({ type: code === recordTaskCreated ? 'task-created' : taskEnd(task), time, task })
      return
    }
    let origin = subject as Origin
    if (typeof origin === 'number' && origin < 0) {
      const trace = traced.get(-origin)
      if (trace === undefined) {
        // A traced handle whose scheduling fell out of the record: its number, and a lane that says so.
        events.push({ type: code === recordFired ? 'fired' : 'cancelled', time, origin: -origin, kind, siteDropped: true })
        return
      }
      origin = trace
    }
    const starts = kind === 'callback' && origin !== undefined ? startOf.get(origin) : undefined
    if (code === recordScheduled) {
      if (starts === undefined) events.push({ type: 'scheduled', time, origin, kind })
    } else if (code === recordFired) {
      events.push(starts === undefined ? { type: 'fired', time, origin, kind } : { type: 'fired', time, origin, kind, task: starts, startsTask: true })
    } else events.push({ type: 'cancelled', time, origin, kind })
  })
  return { events, dropped }
}

/** Debug mode's timeline events as the picture reads them (what it draws; the rest left out). @internal */
export function recordedFromTimeline(events: readonly TimelineEvent[]): RecordedEvent[] {
  const out: RecordedEvent[] = []
  for (const event of events) {
    const { type, time, handle, task } = event
    if (type === 'scheduled' || type === 'fired' || type === 'cancelled') {
      if (handle === undefined) continue
      const origin = handle._origin
      const kind = handle.kind
      out.push(type === 'fired' && event.startsTask && task !== undefined ? { type, time, origin, kind, task, startsTask: true } : { type, time, origin, kind })
    } else if (type === 'task-created' || type === 'task-done' || type === 'task-failed' || type === 'task-cancelled') {
      if (task !== undefined) out.push({ type, time, task })
    }
  }
  return out
}
