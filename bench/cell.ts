/**
 * One cell of the table, in its own process so that no engine's JIT state,
 * heap or patched globals leak into another's figures:
 *
 *   node --expose-gc --import tsx bench/cell.ts '{"workload":"A","engine":"loop","n":100000,...}'
 *
 * Prints one line, `RESULT <json>` (a CellResult). Given a JSON array of
 * specs it runs them one after the other and prints a line for each (the
 * smoke run does that, to spend its time on the cells rather than on startups).
 */
import { engine } from './lib/engines.ts'
import { measure } from './lib/measure.ts'
import type { Measured } from './lib/measure.ts'
import { asyncAdvance, bytesPerTimer, calibrateTicks, farTick, syncAdvance } from './workloads/timers.ts'
import { autoTasks } from './workloads/tasks.ts'
import { traceCost } from './workloads/trace.ts'

export interface CellSpec {
  workload: 'A' | 'B' | 'C' | 'D' | 'F' | 'M'
  engine: string
  /** Timers (A, B, D, M), handles (F) or tasks (C). */
  n: number
  /** C: sleeps per task. F: stack depth. */
  m?: number
  /** F: trace capture on (with `traces`, how many: 'all', or the default budget). */
  on?: boolean
  /** F: with `on`, 'budget' measures the default budget; otherwise every creation is traced. */
  traces?: 'all' | 'budget'
  runs: number
  minSampleMs: number
  budgetMs: number
}

export interface CellResult {
  spec: CellSpec
  label: string
  /** Median ms per rep (per tick for D); bytes per timer for M. */
  value: number
  /** The same per operation (timer, tick, sleep, handle), in ns; bytes for M. */
  perOp: number
  /** Reps measured (over every pass), and the first and third quartiles (ms) of the pass reported. */
  count: number
  /** Passes of the orchestrator over this cell (the median pass is reported). */
  passes?: number
  q1: number
  q3: number
  truncated: boolean
}

async function runOne(spec: CellSpec): Promise<CellResult> {
  const opts = { runs: spec.runs, minSampleMs: spec.minSampleMs, budgetMs: spec.budgetMs }
  let label = spec.engine
  let measured: Measured
  let ops = 1
  switch (spec.workload) {
    case 'A':
    case 'B':
    case 'C':
    case 'D':
    case 'M': {
      const e = await engine(spec.engine)
      label = e.label
      if (spec.workload === 'A') {
        measured = await measure(syncAdvance(e, spec.n), opts)
        ops = spec.n
      } else if (spec.workload === 'B') {
        measured = await measure(asyncAdvance(e, spec.n), opts)
        ops = spec.n
      } else if (spec.workload === 'C') {
        measured = await measure(autoTasks(e, spec.n, spec.m ?? 100), opts)
        ops = spec.n * (spec.m ?? 100)
      } else if (spec.workload === 'D') {
        const ticks = calibrateTicks(e, spec.n, spec.minSampleMs)
        measured = await measure(farTick(e, spec.n, ticks), { ...opts, minSampleMs: 0 })
      } else {
        const bytes = bytesPerTimer(e, spec.n)
        measured = { ms: bytes, count: 3, q1: bytes, q3: bytes, truncated: false }
        ops = 1e-6 // reported as is
      }
      break
    }
    case 'F':
      {
        const mode = spec.on === false ? 'off' : (spec.traces ?? 'all')
        label = `traces ${mode === 'off' ? 'off' : mode === 'all' ? 'on, every creation' : 'on, default budget'}, depth ${spec.m ?? 0}`
        measured = await measure(traceCost(mode, spec.n, spec.m ?? 0), opts)
      }
      ops = spec.n
      break
    default:
      throw new Error(`unknown workload ${String(spec.workload)}`)
  }
  return {
    spec,
    label,
    value: measured.ms,
    perOp: (measured.ms * 1e6) / ops,
    count: measured.count,
    q1: measured.q1,
    q3: measured.q3,
    truncated: measured.truncated,
  }
}

async function main(): Promise<void> {
  const arg = JSON.parse(process.argv[2] ?? '{}') as CellSpec | CellSpec[]
  for (const spec of Array.isArray(arg) ? arg : [arg]) {
    process.stdout.write(`RESULT ${JSON.stringify(await runOne(spec))}\n`)
  }
}

await main()
