export { inspectLoop, describeHandle, locate, findingOrder } from './findings.ts'
export { buildReport, findingError, leakError, sortFindings, summarize } from './report.ts'
export type { Finding, FindingKind, LoopRole } from './findings.ts'
