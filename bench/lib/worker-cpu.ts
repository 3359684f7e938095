/**
 * Loaded into every process of a nested `vitest run` (NODE_OPTIONS
 * `--require`): a forks-pool worker (it has Node's IPC channel; the main
 * process does not) appends its CPU, in ms, to the file BENCH_WORKER_CPU
 * names when it exits or Vitest ends it. Bench E and G write it beside their
 * projects as `worker-cpu.cjs`.
 */
export const workerRecorder = [
  "const { appendFileSync } = require('node:fs')",
  'const file = process.env.BENCH_WORKER_CPU',
  'if (file && typeof process.send === "function") {',
  '  let done = false',
  '  const record = () => {',
  '    if (done) return',
  '    done = true',
  '    const { user, system } = process.cpuUsage()',
  '    appendFileSync(file, `${(user + system) / 1000}\\n`)',
  '  }',
  "  process.on('exit', record)",
  "  process.on('SIGTERM', () => {",
  '    record()',
  '    process.exit()',
  '  })',
  '}',
  '',
].join('\n')

/** The environment that records each worker's CPU at its exit into `file`, given the recorder's path (the caller's own NODE_OPTIONS kept). */
export function workerCpuEnv(recorder: string, file: string): Record<string, string> {
  const given = process.env.NODE_OPTIONS ?? ''
  return { NODE_OPTIONS: `${given}${given === '' ? '' : ' '}--require ${JSON.stringify(recorder)}`, BENCH_WORKER_CPU: file }
}
