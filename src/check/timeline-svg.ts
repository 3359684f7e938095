/**
 * A loop's timeline as a picture: a standalone SVG (no script, no web font,
 * no external reference) that a failing test attaches for Vitest UI and the
 * HTML report.
 *
 * Virtual time runs along the x axis, from the first event kept to the loop's
 * time at the test's end. One lane per task (its life, from creation to its
 * end) and one per source line that scheduled work (`file:line`, printed by
 * `formatSite`); on a lane, ticks mark what was scheduled, dots what fired,
 * crosses what was cancelled. What was still pending at the end is a bar in
 * its own colour from where it was scheduled to the end, and its lane's label
 * says so. Lanes past `maxLanes` fold into one that counts them; marks are
 * binned by pixel so 10,000 events stay small (at most about 100 kB).
 */
import type { Handle, HandleKind } from '../loop/handle.ts'
import type { Task } from '../loop/task.ts'
import { ms } from '../loop/timeline.ts'
import type { RecordedEvent } from '../loop/timeline.ts'
import type { Origin } from '../loop/trace.ts'
import { originSite } from './findings.ts'

/** What the picture is drawn from. */
export interface TimelinePicture {
  /** The recorded events, oldest first. */
  readonly events: readonly RecordedEvent[]
  /** Events recorded but no longer kept (the oldest). */
  readonly dropped: number
  /** Loop time at the test's end (ms). */
  readonly end: number
  /** Handles still pending at the end. */
  readonly pending: readonly Handle[]
  /** Tasks not done at the end. */
  readonly pendingTasks: readonly Task<unknown>[]
  /** The wall clock at loop time 0 (epoch ms): the run's start instant. */
  readonly startInstant: number
  /** The picture's title: the test's name. */
  readonly title: string
  /** The loop's name. */
  readonly loopName: string
}

/** Lanes drawn one by one; the rest fold into one. */
export const maxLanes = 24

const width = 1100
const labelWidth = 400
/** Characters of a lane label that fit the label column (monospace at 11 px: about 6.6 px a character, some room left). */
const labelChars = 58
const plotLeft = labelWidth + 10
const plotRight = width - 20
const laneHeight = 20
const top = 62
/** At most this many marks (ticks, dots, crosses) in all: past it, marks are binned wider. */
const markBudget = 6000

const colours = {
  text: '#1f2328',
  muted: '#656d76',
  grid: '#d0d7de',
  lane: '#f6f8fa',
  task: '#8250df',
  scheduled: '#0969da',
  fired: '#1a7f37',
  cancelled: '#6e7781',
  pending: '#cf222e',
}

interface Lane {
  readonly key: string
  /** What the lane is (`setTimeout`, `Task 'name'`), then its source site. */
  readonly label: string
  readonly site: string
  readonly kind: 'task' | 'site'
  /** Marks: [x in loop time, what]. */
  readonly marks: Array<[number, 'scheduled' | 'fired' | 'cancelled']>
  /** Task lanes: the task's life. */
  span?: { from: number; to: number | undefined; state: string }
  /** Pending handles (or the pending task): scheduled at these loop times. */
  readonly pending: number[]
  events: number
}

/** The site of the lane of handles made past the loop's trace budget. */
const untracedSite = 'past the trace budget (LOOP_TRACES=all traces it)'
/** The site of the lane of traced handles whose scheduling fell out of the record (timeline.ts). */
const droppedSite = 'scheduled before the first event kept'

/** The SVG text of `picture`. */
export function timelineSvg(picture: TimelinePicture): string {
  const { events, end } = picture
  const start = Math.min(events[0]?.time ?? end, end)
  const lanes = new Map<string, Lane>()
  const laneOf = (key: string, label: string, site: string, kind: Lane['kind']): Lane => {
    let lane = lanes.get(key)
    if (lane === undefined) lanes.set(key, (lane = { key, label, site, kind, marks: [], pending: [], events: 0 }))
    return lane
  }
  const taskLane = (task: Task<unknown>): Lane => laneOf(`task:${taskId(task)}`, `Task '${task.name}'`, originSite(task._origin), 'task')
  const siteLane = (origin: Origin, kind: HandleKind, siteDropped = false): Lane => {
    // Handles made past the trace budget share one lane: their numbers are no site.
    const site = siteDropped ? droppedSite : typeof origin === 'number' ? untracedSite : originSite(origin)
    return laneOf(`site:${site}`, apiOf(kind), site, 'site')
  }

  for (const event of events) {
    switch (event.type) {
      case 'task-created': {
        const lane = taskLane(event.task!)
        lane.span = { from: event.time, to: undefined, state: 'pending' }
        lane.events++
        break
      }
      case 'task-done':
      case 'task-failed':
      case 'task-cancelled': {
        const lane = taskLane(event.task!)
        lane.span ??= { from: start, to: undefined, state: 'pending' }
        lane.span.to = event.time
        lane.span.state = event.type.slice('task-'.length)
        lane.events++
        break
      }
      case 'scheduled':
      case 'fired':
      case 'cancelled': {
        if (event.kind === undefined) break
        const lane = event.startsTask && event.task !== undefined ? taskLane(event.task) : siteLane(event.origin, event.kind, event.siteDropped)
        lane.marks.push([event.time, event.type])
        lane.events++
        break
      }
      default:
        break
    }
  }
  // What the test left: each pending handle from where it was scheduled (its
  // last scheduling event kept, else the first time shown) to the end.
  // A handle is known by its origin, one per creation (none when capture was off).
  const scheduledAt = new Map<Origin, number>()
  for (const event of events) if (event.type === 'scheduled' && event.origin !== undefined) scheduledAt.set(event.origin, event.time)
  for (const handle of picture.pending) {
    const origin = handle._origin
    siteLane(origin, handle.kind).pending.push((origin === undefined ? undefined : scheduledAt.get(origin)) ?? start)
  }
  for (const task of picture.pendingTasks) {
    const lane = taskLane(task)
    lane.span ??= { from: start, to: undefined, state: 'pending' }
    lane.span.to = undefined
    lane.span.state = 'pending'
    lane.pending.push(lane.span.from)
  }
  // A task the test cleaned up after the record ended still shows as it was: pending.
  for (const lane of lanes.values()) if (lane.span !== undefined && lane.span.to === undefined && lane.pending.length === 0) lane.pending.push(lane.span.from)

  // Lanes with something pending first, then by first appearance; the rest fold.
  const ordered = [...lanes.values()].sort((a, b) => Number(b.pending.length > 0) - Number(a.pending.length > 0))
  const shown = ordered.length > maxLanes ? ordered.slice(0, maxLanes - 1) : ordered
  const folded = ordered.slice(shown.length)
  if (folded.length > 0) {
    const rest: Lane = { key: 'folded', label: `${folded.length} more lanes`, site: '', kind: 'site', marks: [], pending: [], events: 0 }
    for (const lane of folded) {
      rest.marks.push(...lane.marks)
      rest.pending.push(...lane.pending)
      rest.events += lane.events
    }
    shown.push(rest)
  }

  const span = Math.max(end - start, 1)
  const x = (time: number): number => plotLeft + ((time - start) / span) * (plotRight - plotLeft)
  const laneY = (i: number): number => top + i * laneHeight
  const height = top + Math.max(shown.length, 1) * laneHeight + 46

  // Bin marks by pixel, widening the bins until they fit the budget.
  let bin = 1
  const binned = (lane: Lane, what: string): number[] => {
    const seen = new Set<number>()
    for (const [time, type] of lane.marks) if (type === what) seen.add(Math.round(x(time) / bin) * bin)
    return [...seen]
  }
  const countMarks = (): number => shown.reduce((n, lane) => n + binned(lane, 'scheduled').length + binned(lane, 'fired').length + binned(lane, 'cancelled').length, 0)
  while (bin < 64 && countMarks() > markBudget) bin *= 2

  const out: string[] = []
  const pendingCount = picture.pending.length + picture.pendingTasks.length
  const recorded = events.length + picture.dropped
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`,
    `<title>${escapeXml(`${picture.title}: ${picture.loopName}`)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(10, 18, `${picture.title}`, { weight: 'bold', size: 13 }),
    text(
      10,
      36,
      `${picture.loopName}: ${recorded.toLocaleString('en-US')} events${picture.dropped > 0 ? ` (the oldest ${picture.dropped.toLocaleString('en-US')} not kept)` : ''}; ${pendingCount} left pending at the end; times are loop time`,
      { fill: colours.muted },
    ),
  )
  // Axis: ticks at round intervals, the start instant under 0, the end time at the right.
  const step = niceStep(span / 6)
  const axisY = top + shown.length * laneHeight
  out.push(`<g stroke="${colours.grid}">`)
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) out.push(`<path d="M${r(x(t))} ${top - 4}V${axisY}"/>`)
  out.push('</g>')
  out.push(`<g fill="${colours.muted}" text-anchor="middle">`)
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
    if (x(t) > plotRight - 60) continue // leave room for the end label
    out.push(`<text x="${r(x(t))}" y="${top - 8}">${escapeXml(timeText(t))}</text>`)
  }
  out.push('</g>')
  out.push(text(plotRight, top - 8, `end ${timeText(end)}`, { anchor: 'end', weight: 'bold' }))
  out.push(text(plotLeft, axisY + 16, `start: ${new Date(picture.startInstant + start).toISOString()} (loop time ${timeText(start)})`, { fill: colours.muted }))
  out.push(text(plotRight, axisY + 16, `end: ${new Date(picture.startInstant + end).toISOString()} (loop time ${timeText(end)})`, { fill: colours.muted, anchor: 'end' }))
  out.push(legend(10, axisY + 34))

  shown.forEach((lane, i) => {
    const y = laneY(i)
    const mid = y + laneHeight / 2
    if (i % 2 === 0) out.push(`<rect x="0" y="${y}" width="${width}" height="${laneHeight}" fill="${colours.lane}"/>`)
    const left = lane.pending.length > 0
    const suffix = lane.key === 'folded' ? ` (${lane.events.toLocaleString('en-US')} events)` : left ? ` (${lane.pending.length} pending)` : ''
    out.push(text(10, mid + 4, fit(lane.label, lane.site, suffix, labelChars), { fill: left ? colours.pending : lane.kind === 'task' ? colours.task : colours.text }))
    if (lane.span !== undefined) {
      const to = lane.span.to ?? end
      out.push(`<rect x="${r(x(lane.span.from))}" y="${y + 6}" width="${r(Math.max(x(to) - x(lane.span.from), 1))}" height="8" fill="${colours.task}" fill-opacity="0.35"/>`)
    }
    for (const from of new Set(lane.pending.map((t) => r(x(t))))) {
      out.push(`<rect x="${from}" y="${y + 5}" width="${r(Math.max(x(end) - from, 2))}" height="10" fill="${colours.pending}" fill-opacity="0.55"/>`)
    }
    const ticks = binned(lane, 'scheduled')
    if (ticks.length > 0) out.push(`<path stroke="${colours.scheduled}" d="${ticks.map((px) => `M${r(px)} ${y + 3}v14`).join('')}"/>`)
    const dots = binned(lane, 'fired')
    if (dots.length > 0) out.push(`<path stroke="${colours.fired}" stroke-width="5" stroke-linecap="round" d="${dots.map((px) => `M${r(px)} ${mid}h0`).join('')}"/>`)
    const crosses = binned(lane, 'cancelled')
    if (crosses.length > 0) out.push(`<path stroke="${colours.cancelled}" stroke-width="1.5" d="${crosses.map((px) => `M${r(px - 3)} ${mid - 3}l6 6m0 -6l-6 6`).join('')}"/>`)
  })
  if (shown.length === 0) out.push(text(plotLeft, top + 14, 'nothing was scheduled on this loop', { fill: colours.muted }))
  out.push('</svg>')
  return out.join('\n')
}

function legend(x0: number, y: number): string {
  const items: Array<[string, string]> = [
    [`<path stroke="${colours.scheduled}" d="M0 -9v12"/>`, 'scheduled'],
    [`<path stroke="${colours.fired}" stroke-width="5" stroke-linecap="round" d="M0 -3h0"/>`, 'fired'],
    [`<path stroke="${colours.cancelled}" stroke-width="1.5" d="M-3 -6l6 6m0 -6l-6 6"/>`, 'cancelled'],
    [`<rect x="-3" y="-8" width="20" height="9" fill="${colours.task}" fill-opacity="0.35"/>`, 'task alive'],
    [`<rect x="-3" y="-8" width="20" height="9" fill="${colours.pending}" fill-opacity="0.55"/>`, 'pending at the end'],
  ]
  let x = x0
  const parts: string[] = []
  for (const [mark, label] of items) {
    parts.push(`<g transform="translate(${x} ${y})">${mark}</g>`, text(x + 22, y, label, { fill: colours.muted }))
    x += 40 + label.length * 7
  }
  return parts.join('\n')
}

function text(x: number, y: number, content: string, style: { fill?: string; weight?: string; size?: number; anchor?: string } = {}): string {
  const attrs = [`x="${r(x)}"`, `y="${r(y)}"`]
  if (style.fill !== undefined) attrs.push(`fill="${style.fill}"`)
  else attrs.push(`fill="${colours.text}"`)
  if (style.weight !== undefined) attrs.push(`font-weight="${style.weight}"`)
  if (style.size !== undefined) attrs.push(`font-size="${style.size}"`)
  if (style.anchor !== undefined) attrs.push(`text-anchor="${style.anchor}"`)
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`
}

/** A source site as reports print it: the user's frame, else the first kept. */

const apis: Record<string, string> = {
  timeout: 'setTimeout',
  interval: 'setInterval',
  immediate: 'setImmediate',
  animationFrame: 'requestAnimationFrame',
  timer: 'callLater',
  callback: 'callSoon',
}

function apiOf(kind: HandleKind): string {
  return apis[kind] ?? kind
}

const taskIds = new WeakMap<Task<unknown>, number>()
let nextTaskId = 0
function taskId(task: Task<unknown>): number {
  let id = taskIds.get(task)
  if (id === undefined) taskIds.set(task, (id = nextTaskId++))
  return id
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  if (!(raw > 0)) return 1
  const power = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power
  return 10 * power
}

/** `250 ms`, `1.5 s`, `6 min 12 s`, `2 h 5 min`. */
function timeText(value: number): string {
  if (Math.abs(value) < 1000) return ms(Number.isInteger(value) ? value : Math.round(value * 100) / 100)
  if (value < 60_000) return `${trim(value / 1000)} s`
  if (value < 3_600_000) return `${Math.floor(value / 60_000)} min${value % 60_000 >= 1000 ? ` ${Math.floor((value % 60_000) / 1000)} s` : ''}`
  return `${Math.floor(value / 3_600_000)} h${value % 3_600_000 >= 60_000 ? ` ${Math.floor((value % 3_600_000) / 60_000)} min` : ''}`
}

function trim(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1).replace(/\.?0+$/, '')
}

/**
 * `label site suffix` in at most `max` characters: the site's folders go
 * first (`…/poller.ts:22:11`), then its start.
 */
function fit(label: string, site: string, suffix: string, max: number): string {
  const whole = site === '' ? `${label}${suffix}` : `${label} ${site}${suffix}`
  if (whole.length <= max) return whole
  const slash = site.lastIndexOf('/', site.indexOf(':') === -1 ? undefined : site.indexOf(':'))
  const short = slash === -1 ? site : `…${site.slice(slash)}`
  const room = max - label.length - 1 - suffix.length
  return `${label} ${short.length <= room ? short : `…${short.slice(short.length - room + 1)}`}${suffix}`
}

function r(value: number): number {
  return Math.round(value * 10) / 10
}

/** Text and attribute values made safe for XML. @internal */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
}
