/**
 * `npm run bench`: every workload on every engine, each cell in a fresh
 * process, then one report, printed and written to bench/results.md.
 *
 *   npm run bench                 full run (a few minutes)
 *   npm run bench -- --smoke      small N, a few seconds per workload; checks that
 *                                 every cell still runs and every engine still agrees
 *                                 on the results (BENCH_SMOKE=1 does the same)
 *   npm run bench -- --only=A,D   some workloads only
 *   npm run bench -- --engines=loop,heap   some engines only (E: its variants plain, hook, hop, runner, runner-hop, loop, loop-untraced, no-loop, vi, plain-async, loop-async)
 *   npm run bench -- --only=G     G alone: CPU per test file of the packed package (bench/g.ts)
 *   npm run bench -- --runs=9     reps per cell at least (default 7; the median is reported)
 *   npm run bench -- --rounds=1   passes over the whole plan (default 3; a cell reports the
 *                                 median of its passes; cells slower than 20 s run once)
 *
 * A smoke run writes bench/.tmp/results-smoke.md, never bench/results.md.
 * The exit code is 1 when a cell failed (threw, timed out, or an engine
 * fired the wrong callbacks); missed targets do not fail the run.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CellResult, CellSpec } from './cell.ts'
import { perTestAll } from './e2e.ts'
import type { E2eResult } from './e2e.ts'
import { perFileCpu } from './g.ts'
import type { GResult } from './g.ts'
import { report } from './lib/report.ts'
import type { CellOutcome, RunInfo } from './lib/report.ts'
import { formatNs } from './lib/stats.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const smoke = args.includes('--smoke') || (process.env.BENCH_SMOKE ?? '') !== ''
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',')
const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? (smoke ? 3 : 7))
const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? (smoke ? 1 : 3))
const engines = args.find((a) => a.startsWith('--engines='))?.slice('--engines='.length).split(',')
const want = (w: string): boolean => only === undefined || only.includes(w)
const keep = (engine: string): boolean => engines === undefined || engines.includes(engine)
/** A cell whose first round took longer than this (wall clock) is not measured again. */
const repeatBelowMs = 20_000

const minSampleMs = smoke ? 5 : 50
const budgetMs = smoke ? 10_000 : 90_000

function spec(workload: CellSpec['workload'], engine: string, n: number, extra: Partial<CellSpec> = {}): CellSpec {
  return { workload, engine, n, runs, minSampleMs, budgetMs, ...extra }
}

/**
 * The cells, ordered so that the engines a target compares run back to back
 * (every engine at one N, then the next N): the load of a shared machine
 * drifts, and cells measured minutes apart would compare the drift.
 */
function plan(): CellSpec[] {
  const ns = smoke ? [1e3] : [1e3, 1e4, 1e5]
  const big = smoke ? [] : [1e6]
  const cells: CellSpec[] = []
  const grid = (workload: CellSpec['workload'], names: string[], sizes: number[], extra: Partial<CellSpec> = {}): void => {
    for (const n of sizes) for (const e of names.filter(keep)) cells.push(spec(workload, e, n, extra))
  }
  if (want('A')) {
    grid('A', ['heap', 'loop', 'loop+traces', 'globals', 'globals+traces', 'vi+loop', 'vi+loop+traces', 'sinon', 'vi'], ns)
    grid('A', ['heap', 'loop', 'loop+traces'], big)
  }
  if (want('B')) {
    grid('B', ['heap+hop', 'heap+batch', 'loop', 'loop+traces', 'globals', 'globals+traces', 'vi+loop', 'vi+loop+traces', 'sinon', 'vi'], ns)
    grid('B', ['heap+hop', 'heap+batch', 'loop', 'loop+traces'], big)
  }
  if (want('C')) {
    const [tasks, sleeps] = smoke ? [50, 10] : [1000, 100]
    grid('C', ['heap+hop', 'heap+batch', 'loop', 'loop+traces', 'globals', 'globals+traces', 'sinon', 'vi'], [tasks], { m: sleeps })
  }
  if (want('D')) grid('D', ['heap', 'loop', 'sinon', 'vi'], ns)
  if (want('F')) {
    // Off, every creation traced (the cost of a full trace), and as shipped (the default budget).
    const modes: Partial<CellSpec>[] = [{ on: false }, { on: true, traces: 'all' }, { on: true, traces: 'budget' }]
    if (keep('loop')) for (const depth of [0, 30]) for (const mode of modes) cells.push(spec('F', 'loop', smoke ? 1e3 : 1e4, { m: depth, ...mode }))
  }
  if (want('M')) {
    grid('M', ['heap', 'loop', 'loop+traces', 'globals', 'globals+traces', 'sinon', 'vi'], smoke ? [1e3] : [1e4, 1e5])
    grid('M', ['heap', 'loop+traces', 'globals+traces', 'loop'], big)
  }
  return cells
}

/** Runs cells in one child process; an outcome per cell, in order. */
function runCells(cells: CellSpec[]): Promise<CellOutcome[]> {
  return new Promise((resolve) => {
    const arg = JSON.stringify(cells.length === 1 ? cells[0] : cells)
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench', 'cell.ts'), arg], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const limit = cells.reduce((sum, c) => sum + c.budgetMs * 2, 60_000)
    const timer = setTimeout(() => child.kill('SIGKILL'), limit)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const results = out
        .split('\n')
        .filter((l) => l.startsWith('RESULT '))
        .map((l) => JSON.parse(l.slice(7)) as CellResult)
      const why = signal ? `killed (${signal}) after the time limit` : err.trim().split('\n').slice(-6).join(' ') || `exit ${code}`
      resolve(cells.map((cell, i) => (results[i] ? { spec: cell, result: results[i] } : { spec: cell, error: why })))
    })
  })
}

/** One outcome from a cell's passes: the median pass (by value) stands for the cell. */
function merge(passes: CellOutcome[]): CellOutcome {
  const ok = passes.filter((p) => p.result !== undefined)
  if (ok.length === 0) return passes[0]!
  const sorted = [...ok].sort((a, b) => a.result!.value - b.result!.value)
  const mid = sorted[(sorted.length - 1) >> 1]!
  const count = ok.reduce((sum, p) => sum + p.result!.count, 0)
  return { ...mid, result: { ...mid.result!, count, passes: ok.length } }
}

/** A cell not worth running: an earlier N already showed it would blow the budget. */
function projected(cell: CellSpec, done: CellOutcome[]): number | undefined {
  if (cell.workload !== 'A' && cell.workload !== 'B') return undefined
  const prior = done
    .filter((o) => o.result && o.spec.workload === cell.workload && o.spec.engine === cell.engine && o.spec.n < cell.n)
    .sort((a, b) => a.spec.n - b.spec.n)
  const last = prior.at(-1)?.result
  if (!last) return undefined
  const before = prior.at(-2)?.result
  const growth = before ? Math.max(10, last.value / before.value) : 10
  const steps = Math.log10(cell.n / last.spec.n)
  const estimate = last.value * growth ** steps
  return estimate > cell.budgetMs ? estimate : undefined
}

function describe(cell: CellSpec): string {
  const extra = cell.m !== undefined ? ` m=${cell.m}` : ''
  const on = cell.on !== undefined ? ` traces=${cell.on ? (cell.traces ?? 'all') : 'off'}` : ''
  return `${cell.workload} ${cell.engine} n=${cell.n}${extra}${on}`
}

async function main(): Promise<void> {
  const started = Date.now()
  const loadAtStart = loadavg()[0]!
  const cells = plan()
  const outcomes: CellOutcome[] = []
  const note = (tag: string, outcome: CellOutcome): void => {
    const r = outcome.result
    const cell = outcome.spec
    process.stderr.write(
      r
        ? `${tag}: ${cell.workload === 'M' ? `${r.value.toFixed(0)} B` : formatNs(r.value * 1e6)} (${r.count} reps${r.truncated ? ', budget-limited' : ''})\n`
        : `${tag}: FAILED ${outcome.error}\n`,
    )
  }
  if (smoke) {
    // One process per engine: the smoke run checks that everything runs, not how fast.
    const byEngine = new Map<string, CellSpec[]>()
    for (const cell of cells) byEngine.set(cell.engine, [...(byEngine.get(cell.engine) ?? []), cell])
    for (const group of byEngine.values()) {
      for (const outcome of await runCells(group)) {
        outcomes.push(outcome)
        note(describe(outcome.spec), outcome)
      }
    }
  } else {
    // Several passes over the plan, so that a burst of load on the machine
    // lands on one pass of a cell rather than on the cell.
    const passes = new Map<CellSpec, CellOutcome[]>()
    for (let round = 1; round <= rounds; round++) {
      for (const [i, cell] of cells.entries()) {
        const tag = `[round ${round}/${rounds}, ${i + 1}/${cells.length}] ${describe(cell)}`
        const prior = passes.get(cell) ?? []
        if (round > 1 && (prior[0]?.result === undefined || (prior[0].wallMs ?? 0) > repeatBelowMs)) continue
        const estimate = round === 1 ? projected(cell, [...passes.values()].map((p) => p[0]!)) : undefined
        if (estimate !== undefined) {
          passes.set(cell, [{ spec: cell, skipped: estimate }])
          process.stderr.write(`${tag}: not run, one rep projected at ${formatNs(estimate * 1e6)}\n`)
          continue
        }
        const t0 = Date.now()
        const [outcome] = await runCells([cell])
        outcome!.wallMs = Date.now() - t0
        passes.set(cell, [...prior, outcome!])
        note(tag, outcome!)
      }
    }
    for (const cell of cells) outcomes.push(merge(passes.get(cell) ?? [{ spec: cell, error: 'not run' }]))
  }
  const e2e: E2eResult[] = []
  if (want('E')) {
    const tests = smoke ? 100 : 2000
    const variants = (['plain', 'hook', 'hop', 'runner', 'runner-hop', 'loop', 'loop-untraced', 'no-loop', 'vi', 'plain-async', 'loop-async'] as const).filter(keep)
    // --smoke checks that every variant still runs: one run each, no warm-up.
    for (const r of await perTestAll(variants, tests, smoke ? 1 : runs, !smoke)) {
      e2e.push(r)
      process.stderr.write(`E ${r.variant}: ${typeof r.perTestUs === 'number' ? `${r.perTestUs.toFixed(1)} µs per test` : r.perTestUs}\n`)
    }
  }
  let g: GResult | undefined
  if (want('G')) {
    g = await perFileCpu(smoke ? 4 : 20, smoke ? 1 : runs, (line) => process.stderr.write(`${line}\n`))
    if (typeof g.perFileMs === 'string') process.stderr.write(`G: ${g.perFileMs}\n`)
  }
  const info: RunInfo = {
    date: new Date(started).toISOString(),
    node: process.version,
    cpu: `${cpus()[0]?.model ?? '?'} × ${cpus().length}`,
    smoke,
    runs,
    rounds,
    seconds: (Date.now() - started) / 1000,
    load: [loadAtStart, loadavg()[0]!],
  }
  const md = report(outcomes, e2e, info, g)
  process.stdout.write(`${md}\n`)
  const target = smoke ? join(root, 'bench', '.tmp', 'results-smoke.md') : join(root, 'bench', 'results.md')
  if ((!only && !engines) || smoke) {
    mkdirSync(join(root, 'bench', '.tmp'), { recursive: true })
    writeFileSync(target, md)
    process.stderr.write(`wrote ${target}\n`)
  }
  const failed = outcomes.filter((o) => o.error !== undefined).length + e2e.filter((r) => String(r.perTestUs).startsWith('failed')).length + (typeof g?.perFileMs === 'string' ? 1 : 0)
  if (failed > 0) {
    process.stderr.write(`${failed} cell(s) failed\n`)
    process.exitCode = 1
  }
}

await main()
