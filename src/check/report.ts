/**
 * Turns findings into errors Vitest prints well: one LeakError per finding,
 * its stack made of the user's frames only, so Vitest puts a code frame on
 * the user's line (VITEST-NOTES §3), led by a one-line summary.
 */
import { LeakError, SlowCallbackError } from '../loop/errors.ts'
import type { LoopError } from '../loop/errors.ts'
import type { StackFrame } from '../loop/trace.ts'
import { defaultTraceBudget, formatSite, isHiddenFile, parseFrames } from '../loop/trace.ts'
import type { Finding, FindingKind } from './findings.ts'
import { findingOrder } from './findings.ts'

const nouns: Record<FindingKind, [string, string]> = {
  'unclosed-loop': ['unclosed loop', 'unclosed loops'],
  'never-started': ['never-started loop', 'never-started loops'],
  'pending-task': ['pending task', 'pending tasks'],
  'pending-timer': ['pending timer', 'pending timers'],
  'pending-callback': ['pending callback', 'pending callbacks'],
  'exception-never-retrieved': ['exception never retrieved', 'exceptions never retrieved'],
  'callback-error': ['callback error', 'callback errors'],
  'slow-callback': ['slow callback', 'slow callbacks'],
  'unhandled-rejection': ['unhandled rejection', 'unhandled rejections'],
}

/**
 * `test left 1 pending task and 2 pending timers on its loop` (the suffix only
 * when every finding is on the test's own loop).
 */
export function summarize(findings: readonly Finding[], testLoop?: unknown): string {
  const counts = new Map<FindingKind, number>()
  for (const finding of findings) counts.set(finding.kind, (counts.get(finding.kind) ?? 0) + 1)
  const parts = findingOrder
    .filter((kind) => counts.has(kind))
    .map((kind) => {
      const n = counts.get(kind)!
      return `${n} ${nouns[kind][n === 1 ? 0 : 1]}`
    })
  const list = parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`
  const onTestLoop = testLoop !== undefined && findings.every((finding) => finding.loop === testLoop)
  // Slow callbacks are not left behind: they ran.
  const verb = findings.every((finding) => finding.kind === 'slow-callback') ? 'ran' : 'left'
  return `test ${verb} ${list}${onTestLoop ? ' on its loop' : ''}`
}

/** Sorts findings into report order, stable within a kind. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => findingOrder.indexOf(a.kind) - findingOrder.indexOf(b.kind))
}

function frameLine(frame: StackFrame): string {
  return `    at ${frame.text}`
}

/** A LeakError whose stack is `LeakError: message` and the given frames, nothing of ours. */
export function leakError(message: string, frames: readonly StackFrame[], cause?: unknown): LeakError {
  const error = new LeakError(message, cause === undefined ? undefined : { cause })
  error.stack = `${error.name}: ${message}${frames.length > 0 ? '\n' : ''}${frames.map(frameLine).join('\n')}`
  return error
}

/** `error` with its stack made of `frames` only, so Vitest draws its code frame at the first. */
export function withFrames<E extends Error>(error: E, frames: readonly StackFrame[]): E {
  error.stack = `${error.name}: ${error.message}${frames.length > 0 ? '\n' : ''}${frames.map(frameLine).join('\n')}`
  return error
}

/**
 * The replay line with full traces: `replay: LOOP_TRACES=all LOOP_NOW=...`,
 * for a report about work made past the trace budget (its line is known only
 * under full traces; virtual time makes the replay exact).
 */
export function withFullTraces(replay: string): string {
  return replay.startsWith('replay: ') && !replay.startsWith('replay: LOOP_TRACES=') ? `replay: LOOP_TRACES=all ${replay.slice(8)}` : replay
}

/**
 * What a finding about work made past its loop's trace budget says instead of
 * a line: its number, and the command (from `replay`, the report's replay
 * line, when there is one) under which the same report names its line.
 */
function untracedLine(finding: Finding, replay: string | undefined): string {
  const what = `no creation trace: it was creation #${finding.untraced!.toLocaleString('en-US')} of ${finding.loop?.name ?? 'its loop'}, past the ones a loop traces (option \`traces\`, default ${defaultTraceBudget.toLocaleString('en-US')})`
  const command = replay === undefined ? undefined : withFullTraces(replay).replace(/^replay: /, '')
  return command === undefined
    ? `${what}; run the test again with LOOP_TRACES=all to see its line`
    : `${what}; to see its line, replay the test with full traces: ${command}`
}

/** The error for one finding: a SlowCallbackError for a slow callback, else a LeakError. `replay`: the report's replay line. */
export function findingError(finding: Finding, replay?: string): LoopError {
  const via =
    finding.via.length > 0 ? ` (made inside a dependency at ${formatSite(finding.via[0])})` : ''
  const untraced = finding.untraced === undefined ? '' : `\n${untracedLine(finding, replay)}`
  const frames = finding.frames.length > 0 ? finding.frames : finding.via
  if (finding.kind === 'slow-callback') return withFrames(new SlowCallbackError(`${finding.message}${via}${untraced}`), frames)
  return leakError(`${finding.message}${via}${untraced}`, frames, displayed(finding.error))
}

/**
 * The user's error as the report shows it: a copy whose stack has no frame
 * of vitest-loop or of Node's internals (the user's object is left as it is).
 */
function displayed(error: unknown): unknown {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return error
  const lines = error.stack.split('\n')
  const first = lines.findIndex((line) => /^\s+at /.test(line))
  if (first === -1) return error
  const kept = lines.slice(first).filter((line) => {
    const [frame] = parseFrames(line)
    return frame === undefined || !isHiddenFile(frame.file)
  })
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error
  Object.assign(copy, error)
  Object.defineProperty(copy, 'message', { value: error.message, writable: true, configurable: true })
  Object.defineProperty(copy, 'stack', {
    value: [...lines.slice(0, first), ...kept].join('\n'),
    writable: true,
    configurable: true,
  })
  if (error.cause !== undefined) Object.defineProperty(copy, 'cause', { value: error.cause, writable: true, configurable: true })
  return copy
}

/**
 * The whole report: the summary (pointing at `testSite`, the test's own
 * line) followed by one error per finding. `replay`, a line naming the
 * loop's start instant and the command that replays the test, goes under
 * the summary.
 */
export function buildReport(
  findings: readonly Finding[],
  testSite: StackFrame | undefined,
  testLoop?: unknown,
  replay?: string,
): LoopError[] {
  const sorted = sortFindings(findings)
  // Work made past the trace budget has no line: the replay that shows it needs full traces.
  const line = replay !== undefined && sorted.some((finding) => finding.untraced !== undefined) ? withFullTraces(replay) : replay
  const summary = line === undefined ? summarize(sorted, testLoop) : `${summarize(sorted, testLoop)}\n${line}`
  const site = testSite ? [testSite] : []
  const head = sorted.every((finding) => finding.kind === 'slow-callback')
    ? withFrames(new SlowCallbackError(summary), site)
    : leakError(summary, site)
  return [head, ...sorted.map((finding) => findingError(finding, replay))]
}
