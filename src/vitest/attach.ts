/**
 * A failing test's loop, as a picture where people already look: the SVG
 * timeline (src/check/timeline-svg.ts) attached to the test through Vitest's
 * annotation API, which Vitest UI and the HTML reporter show and the default
 * reporter lists under the failure (VITEST-NOTES §13). In debug mode the
 * Chrome trace of the same events is a second attachment.
 *
 * `context.annotate` refuses a test whose state left `'run'`, and the
 * sanitizer judges after the test's hooks, once the runner set the state. So
 * the state reads `'run'` for the synchronous part of the call (the check),
 * and the annotation is awaited before the test's report is thrown: it is
 * recorded on the test like one the test made itself.
 */
import type { RunnerTestCase, TestAttachment } from 'vitest'
import { timelineSvg } from '../check/timeline-svg.ts'
import type { TimelinePicture } from '../check/timeline-svg.ts'
import { chromeTrace } from '../loop/chrome-trace.ts'
import type { EventLoop } from '../loop/event-loop.ts'
import { log } from '../loop/internal/log.ts'
import type { Attach } from './options.ts'

/** The annotation's type, as the default reporter prints it (`❯ vitest-loop`). */
export const annotationType = 'vitest-loop'

/** What a test attaches, read from its loop before clean-up changes it. */
export interface LoopAttachment {
  readonly picture: TimelinePicture
  /** Debug mode: the Chrome trace of the same events. */
  readonly trace: object | undefined
}

/**
 * What to attach for this test, read now (before the test's clean-up cancels
 * its tasks): undefined when `mode` says no, or when the loop was never used.
 */
export function takeAttachment(
  loop: EventLoop | undefined,
  task: RunnerTestCase,
  mode: Attach,
  failing: boolean,
  startInstant: number,
): LoopAttachment | undefined {
  if (loop === undefined || mode === 'never' || (mode === 'on-failure' && !failing)) return undefined
  const recorded = loop._recordedEvents()
  if (recorded === undefined) return undefined
  const snapshot = loop._snapshot()
  if (recorded.events.length === 0 && snapshot.handles.length === 0 && snapshot.tasks.length === 0) return undefined
  const end = loop.time()
  const picture: TimelinePicture = {
    events: recorded.events,
    dropped: recorded.dropped,
    end,
    pending: snapshot.handles.filter((handle) => handle.hasRef()),
    pendingTasks: snapshot.tasks,
    startInstant,
    title: fullName(task),
    loopName: loop.name,
  }
  const timeline = loop._timelineEvents() // debug mode's, if it was ever on
  const trace = timeline === undefined ? undefined : chromeTrace(timeline.events, loop.name, loop.id, end, timeline.dropped)
  return { picture, trace }
}

/** Attaches the picture (and the trace) to the test; a failure to attach is logged, never the test's failure. */
export async function attach(task: RunnerTestCase, attachment: LoopAttachment): Promise<void> {
  const { picture } = attachment
  const pending = picture.pending.length + picture.pendingTasks.length
  const count = picture.events.length + picture.dropped
  const message =
    `timeline of ${picture.loopName} (SVG, in Vitest UI and the HTML report): ` +
    `${count.toLocaleString('en-US')} events, ${pending} left pending at ${picture.end.toLocaleString('en-US')} ms`
  try {
    await annotate(task, message, { contentType: 'image/svg+xml', body: base64(timelineSvg(picture)) })
    if (attachment.trace !== undefined) {
      await annotate(task, `Chrome trace of ${picture.loopName} (JSON; open it in https://ui.perfetto.dev)`, {
        contentType: 'application/json',
        body: base64(JSON.stringify(attachment.trace)),
      })
    }
  } catch (error) {
    log('could not attach the timeline of %s: %O', task.name, error)
  }
}

function annotate(task: RunnerTestCase, message: string, attachment: TestAttachment): Promise<unknown> {
  const result = task.result
  const state = result?.state
  if (result !== undefined) result.state = 'run' // annotate() checks it synchronously (see above)
  try {
    return task.context.annotate(message, annotationType, attachment)
  } finally {
    if (result !== undefined) result.state = state!
  }
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64')
}

function fullName(task: RunnerTestCase): string {
  const names = [task.name]
  for (let suite = task.suite; suite !== undefined && suite !== task.file; suite = suite.suite) names.unshift(suite.name)
  return `${task.file.name} > ${names.join(' > ')}`
}
