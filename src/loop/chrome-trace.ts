/**
 * A timeline as a Chrome trace (the Trace Event Format's JSON object form),
 * which Perfetto (https://ui.perfetto.dev) and chrome://tracing open.
 *
 * Layout: one process for the loop; one track (`tid`) per task, in the order
 * tasks appear, plus track 0 for work scheduled outside any task. A task is a
 * complete event (`ph: 'X'`) from its creation to its end (or to the loop's
 * time if it is still pending). A callback that ran is a complete event of
 * zero duration on the track of the task that scheduled it (loop time stands
 * still while a callback runs; `args.realMs` says how long it took for real).
 * Scheduling, cancelling, slow task steps and time jumps are instants
 * (`ph: 'i'`). `ts` and `dur` are microseconds of loop time.
 *
 * Format: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Task } from './task.ts'
import { handleLabel, ms } from './timeline.ts'
import type { TimelineEvent } from './timeline.ts'
import { formatSite } from './trace.ts'

/** One event of the Trace Event Format. */
export interface ChromeTraceEvent {
  readonly name: string
  /** `X` complete (with `dur`), `i` instant, `M` metadata. */
  readonly ph: 'X' | 'i' | 'M'
  /** Microseconds of loop time. */
  readonly ts: number
  readonly pid: number
  readonly tid: number
  readonly dur?: number
  /** Scope of an instant: thread or process. */
  readonly s?: 't' | 'p'
  readonly cat?: string
  readonly args?: Record<string, unknown>
}

/** What `loop.exportTrace()` writes. */
export interface ChromeTrace {
  readonly traceEvents: ChromeTraceEvent[]
  readonly displayTimeUnit: 'ms'
  readonly otherData: Record<string, string | number>
}

const us = (time: number): number => Math.round(time * 1000)

/**
 * Builds the trace of `events` (oldest first) recorded on the loop `loopName`,
 * whose time is now `now`. @internal
 */
export function chromeTrace(events: readonly TimelineEvent[], loopName: string, pid: number, now: number, dropped = 0): ChromeTrace {
  const tids = new Map<Task<unknown>, number>()
  const tidOf = (task: Task<unknown> | undefined): number => {
    if (task === undefined) return 0
    let tid = tids.get(task)
    if (tid === undefined) tids.set(task, (tid = tids.size + 1))
    return tid
  }
  const spans = new Map<Task<unknown>, { start: number; end: number | undefined; state: string }>()
  const out: ChromeTraceEvent[] = []
  const first = events[0]?.time ?? now

  for (const event of events) {
    const tid = tidOf(event.task)
    const ts = us(event.time)
    const site = event.handle ? formatSite(event.handle.trace?.site) : undefined
    switch (event.type) {
      case 'task-created':
        spans.set(event.task!, { start: event.time, end: undefined, state: 'pending' })
        break
      case 'task-done':
      case 'task-failed':
      case 'task-cancelled': {
        const span = spans.get(event.task!) ?? { start: first, end: undefined, state: 'pending' }
        span.end = event.time
        span.state = event.type.slice('task-'.length)
        spans.set(event.task!, span)
        if (event.type === 'task-failed') {
          out.push({ name: `Task '${event.task!.name}' failed: ${errorText(event.error)}`, ph: 'i', s: 't', ts, pid, tid, cat: 'task' })
        }
        break
      }
      case 'scheduled':
        out.push({
          name: `schedule ${handleLabel(event)}`,
          ph: 'i',
          s: 't',
          ts,
          pid,
          tid,
          cat: 'schedule',
          args: event.due === undefined ? { site } : { site, due: event.due },
        })
        break
      case 'fired':
        out.push({
          name: handleLabel(event),
          ph: 'X',
          ts,
          dur: 0,
          pid,
          tid,
          cat: 'callback',
          args: { site, realMs: round(event.duration ?? 0) },
        })
        break
      case 'cancelled':
        out.push({ name: `cancel ${handleLabel(event)}`, ph: 'i', s: 't', ts, pid, tid, cat: 'schedule', args: { site } })
        break
      case 'slow-step':
        out.push({
          name: `slow step of Task '${event.task!.name}' (${ms(round(event.duration ?? 0))} real)`,
          ph: 'i',
          s: 't',
          ts,
          pid,
          tid,
          cat: 'slow',
          args: { realMs: round(event.duration ?? 0) },
        })
        break
      case 'time-jump':
        out.push({
          name: `time jump +${ms(event.time - (event.from ?? event.time))}`,
          ph: 'i',
          s: 'p',
          ts,
          pid,
          tid: 0,
          cat: 'time',
          args: { from: event.from, to: event.time },
        })
        break
    }
  }

  // Tasks whose creation fell out of the ring start with the oldest event kept.
  for (const task of tids.keys()) if (!spans.has(task)) spans.set(task, { start: first, end: undefined, state: 'pending' })
  const taskEvents: ChromeTraceEvent[] = []
  for (const [task, span] of spans) {
    const end = span.end ?? now
    taskEvents.push({
      name: `Task '${task.name}'`,
      ph: 'X',
      ts: us(span.start),
      dur: us(end) - us(span.start),
      pid,
      tid: tidOf(task),
      cat: 'task',
      // The state the timeline knows: a task cancelled after its last event (a test's clean-up) was pending in it.
      args: { state: span.end === undefined ? 'pending' : span.state, createdAt: formatSite(task.trace?.site) },
    })
  }

  const meta: ChromeTraceEvent[] = [
    { name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name: `vitest-loop: ${loopName}` } },
    { name: 'thread_name', ph: 'M', ts: 0, pid, tid: 0, args: { name: 'loop (outside tasks)' } },
    { name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid: 0, args: { sort_index: 0 } },
  ]
  for (const [task, tid] of tids) {
    meta.push({ name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name: `Task '${task.name}'` } })
    meta.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid, args: { sort_index: tid } })
  }
  return {
    traceEvents: [...meta, ...taskEvents, ...out],
    displayTimeUnit: 'ms',
    otherData: { loop: loopName, clock: 'loop time (virtual), in microseconds', droppedEvents: dropped },
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

/** Writes a Chrome trace to `path`, making its folder. @internal */
export function writeChromeTrace(path: string, trace: unknown): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, JSON.stringify(trace))
}
