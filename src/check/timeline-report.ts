/**
 * Debug mode: the end of a failing test's timeline, as the report shows it,
 * one event a line, stamped with loop time:
 *
 *     TimelineReport: the last 4 of 4 events on the test loop (times are loop time)
 *           0 ms  scheduled     setTimeout(tick, 1,000 ms) at src/poller.ts:22:11, due at 1,000 ms
 *       1,000 ms  time jump     +1,000 ms
 *       1,000 ms  fired         setTimeout(tick, 1,000 ms) from src/poller.ts:22:11 (0.02 ms of real time)
 *       1,000 ms  task failed   Task 'poller' (poller.test.ts:8:22): Error: boom
 */
import { TimelineReport } from '../loop/errors.ts'
import { handleLabel, ms } from '../loop/timeline.ts'
import type { TimelineEvent } from '../loop/timeline.ts'
import { formatSite } from '../loop/trace.ts'
import type { Trace } from '../loop/trace.ts'
import { locate } from './findings.ts'
import { withFrames } from './report.ts'

/** Events a failing test prints. */
export const timelineLength = 20

const verbs: Record<TimelineEvent['type'], string> = {
  scheduled: 'scheduled',
  fired: 'fired',
  cancelled: 'cancelled',
  'task-created': 'task created',
  'task-done': 'task done',
  'task-failed': 'task failed',
  'task-cancelled': 'task cancelled',
  'slow-step': 'slow step',
  'time-jump': 'time jump',
}

/** One event as a line, without its time. */
export function describeEvent(event: TimelineEvent): string {
  const site = (trace: Trace | undefined): string => formatSite(locate(trace).frames[0] ?? trace?.site)
  const by = event.task !== undefined && !event.startsTask ? `, by Task '${event.task.name}'` : ''
  switch (event.type) {
    case 'scheduled':
      return `${handleLabel(event)} at ${site(event.handle?.trace)}${event.due === undefined ? '' : `, due at ${ms(event.due)}`}${by}`
    case 'fired':
      return `${handleLabel(event)} from ${site(event.handle?.trace)} (${ms(round(event.duration ?? 0))} of real time)`
    case 'cancelled':
      return `${handleLabel(event)} from ${site(event.handle?.trace)}${by}`
    case 'task-created':
    case 'task-done':
    case 'task-cancelled':
      return `Task '${event.task!.name}' (${site(event.task!.trace)})`
    case 'task-failed':
      return `Task '${event.task!.name}' (${site(event.task!.trace)}): ${errorText(event.error)}`
    case 'slow-step':
      return `Task '${event.task!.name}' ran ${ms(round(event.duration ?? 0))} of real time after an await`
    case 'time-jump':
      return `+${ms(event.time - (event.from ?? event.time))}`
  }
}

/**
 * The report: the last `length` of `events` (oldest first), `total` being how
 * many were recorded, with where the Chrome trace was written if it was.
 */
export function timelineReport(
  events: readonly TimelineEvent[],
  total: number,
  loopName: string,
  tracePath?: string,
  length = timelineLength,
): TimelineReport {
  const shown = events.slice(-length)
  const times = shown.map((event) => ms(event.time))
  const width = Math.max(0, ...times.map((time) => time.length))
  const lines = shown.map((event, i) => `  ${times[i]!.padStart(width)}  ${verbs[event.type].padEnd(14)} ${describeEvent(event)}`)
  const head = `the last ${shown.length} of ${total} events on ${loopName} (times are loop time)`
  const trace = tracePath === undefined ? '' : `\nChrome trace of the whole timeline: ${tracePath} (open it in https://ui.perfetto.dev)`
  return withFrames(new TimelineReport(`${head}\n${lines.join('\n')}${trace}`), [])
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
