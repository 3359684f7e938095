/**
 * Turns findings into errors Vitest prints well: one LeakError per finding,
 * its stack made of the user's frames only, so Vitest puts a code frame on
 * the user's line (VITEST-NOTES §3), led by a one-line summary.
 */
import { LeakError } from '../loop/errors.ts'
import type { StackFrame } from '../loop/trace.ts'
import { formatSite } from '../loop/trace.ts'
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

/** `test left 1 pending task and 2 pending timers on its loop`. */
export function summarize(findings: readonly Finding[]): string {
  const counts = new Map<FindingKind, number>()
  for (const finding of findings) counts.set(finding.kind, (counts.get(finding.kind) ?? 0) + 1)
  const parts = findingOrder
    .filter((kind) => counts.has(kind))
    .map((kind) => {
      const n = counts.get(kind)!
      return `${n} ${nouns[kind][n === 1 ? 0 : 1]}`
    })
  const list = parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`
  const loops = new Set(findings.map((finding) => finding.loop).filter((loop) => loop !== undefined))
  return `test left ${list} on ${loops.size > 1 ? 'its loops' : 'its loop'}`
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

/** The error for one finding. */
export function findingError(finding: Finding): LeakError {
  const via =
    finding.via.length > 0 ? ` (made inside a dependency at ${formatSite(finding.via[0])})` : ''
  const frames = finding.frames.length > 0 ? finding.frames : finding.via
  return leakError(`${finding.message}${via}`, frames, finding.error)
}

/**
 * The whole report: the summary (pointing at `testSite`, the test's own
 * line) followed by one error per finding.
 */
export function buildReport(findings: readonly Finding[], testSite: StackFrame | undefined): LeakError[] {
  const sorted = sortFindings(findings)
  return [leakError(summarize(sorted), testSite ? [testSite] : []), ...sorted.map(findingError)]
}
