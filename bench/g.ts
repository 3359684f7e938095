/**
 * G: CPU per test file, as shipped. The package is packed (`npm pack`, which
 * builds dist/) and unpacked into node_modules/vitest-loop of a temporary
 * project, as `npm install <tarball>` would place it; the project's other
 * packages (Vitest and what it needs) are links to this repository's
 * node_modules, so the versions are the lock file's and nothing is downloaded.
 *
 * Three configurations of the same project run turn about (plain, loop,
 * uncached, plain, ...) after one warm-up run each, so that a change in the
 * machine's load hits them alike:
 *
 *   plain     plain Vitest: no plugin
 *   loop      `plugins: [loopPlugin()]`, nothing else; its workers compile
 *             vitest-loop from the code cache the warm-up run wrote, as a
 *             user's workers do from their second run on (src/load.ts)
 *   uncached  the same with VITEST_LOOP_CODE_CACHE=0: what the cache saves
 *
 * The forks pool (Vitest's default) runs each test file in its own child
 * process, here one at a time (`maxWorkers: 1`): two workers beside the main
 * process on a 2-core machine made the CPU of the same run move by 20 to 30%
 * (a worker's CPU time grows when it shares a core), more than the difference
 * measured: ten sets read +9 to +55 ms; one at a time, four sets read +22 to
 * +35. The CPU of a run is user + sys of the whole `vitest run` process
 * tree: bash's `times` after the run (the children it waited for, and theirs:
 * Vitest waits for its forks). Per file: that over the number of files.
 *
 * Each worker also reports its own CPU as it ends (a file `--require`d into
 * every process of the run through NODE_OPTIONS, active in the forks only).
 * The tree's figure is the target's, the main process included, whose own
 * CPU moves by about 15 ms a file from run to run; the workers' figure leaves
 * it out: what each test file costs where its tests run. On this machine the
 * workers' CPU moves between runs too (a run's median worker, plain Vitest:
 * 286 to 360 ms over 15 turns of one run), so both want many turns.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { median } from './lib/stats.ts'
import { workerCpuEnv, workerRecorder } from './lib/worker-cpu.ts'

export type GVariant = 'plain' | 'loop' | 'uncached'

export interface GResult {
  files: number
  testsPerFile: number
  runs: number
  /** Median CPU ms per test file, by variant; a string says why it was not measured. */
  perFileMs: Record<GVariant, number> | string
  /**
   * Median over the turns of loop minus plain (and uncached minus plain), each
   * turn's runs taken one after the other: a drift of the machine's load over
   * the turns cancels out.
   */
  overMs: number
  uncachedOverMs: number
  /** CPU ms per file of each run, in order, by variant. */
  samples: Record<GVariant, number[]>
  /** Median wall time of one `vitest run`, ms. */
  wallMs: Record<GVariant, number>
  /** Median CPU ms of one worker (a test file's process), over every worker of every measured run, by variant. */
  workerMs: Record<GVariant, number>
  /** Median over the turns of (the loop run's median worker minus the plain run's); likewise uncached. */
  workerOverMs: number
  workerUncachedOverMs: number
}

const root = fileURLToPath(new URL('..', import.meta.url))
const exec = promisify(execFile)
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

/** Every small test file is this one: a timer scheduled and cleared, a Date read, a promise awaited. */
function testFile(i: number): string {
  return [
    `import { expect, test } from 'vitest'`,
    '',
    `test('file ${i}: a timer, cleared', () => {`,
    '  const timer = setTimeout(() => {}, 10)',
    '  clearTimeout(timer)',
    `  expect(${i}).toBe(${i})`,
    '})',
    '',
    `test('file ${i}: the date', () => {`,
    '  expect(new Date(Date.now()).getTime()).toBeGreaterThan(0)',
    '})',
    '',
    `test('file ${i}: a promise', async () => {`,
    `  await expect(Promise.resolve(${i})).resolves.toBe(${i})`,
    '})',
    '',
  ].join('\n')
}

const testsPerFile = 3

function configFile(variant: GVariant): string {
  const plugin = variant !== 'plain'
  return [
    `import { defineConfig } from 'vitest/config'`,
    plugin ? `import { loopPlugin } from 'vitest-loop/plugin'` : '',
    '',
    'export default defineConfig({',
    plugin ? '  plugins: [loopPlugin()],' : '',
    // One worker at a time: with two workers and the main process on two cores, the CPU of the
    // same run moved by 20 to 30% from one run to the next, more than the difference measured.
    `  test: { include: ['test/*.test.ts'], pool: 'forks', maxWorkers: 1 },`,
    '})',
    '',
  ].join('\n')
}

/** `npm pack` into `dir` (prepack builds dist/); the tarball's path. */
async function pack(dir: string): Promise<string> {
  const { stdout } = await exec(npm, ['pack', '--json', '--pack-destination', dir], { cwd: root, maxBuffer: 64 << 20 })
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }]
  return join(dir, filename)
}

/** A project with `files` test files, the tarball unpacked as its vitest-loop, the rest linked. */
async function makeProject(work: string, tarball: string, files: number): Promise<string> {
  const project = join(work, 'project')
  const modules = join(project, 'node_modules')
  mkdirSync(join(project, 'test'), { recursive: true })
  mkdirSync(join(modules, 'vitest-loop'), { recursive: true })
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'bench-g', private: true, type: 'module' }, null, 2))
  for (let i = 0; i < files; i++) writeFileSync(join(project, 'test', `file-${String(i).padStart(2, '0')}.test.ts`), testFile(i))
  const ours = join(root, 'node_modules')
  for (const name of readdirSync(ours)) {
    if (name === 'vitest-loop' || name === '.bin' || name.startsWith('.package-lock')) continue
    symlinkSync(join(ours, name), join(modules, name))
  }
  await exec('tar', ['-xzf', tarball, '-C', join(modules, 'vitest-loop'), '--strip-components=1'])
  return project
}

/** One `vitest run` with `config`: CPU ms of its whole process tree, each worker's CPU ms, and wall ms. */
function runOnce(project: string, config: string, extraEnv: Record<string, string> = {}): Promise<{ cpuMs: number; workerMs: number[]; wallMs: number }> {
  const workers = join(project, 'workers.log')
  rmSync(workers, { force: true })
  const vitest = join(project, 'node_modules', 'vitest', 'vitest.mjs')
  // `times` prints the shell's CPU, then its waited-for children's (user, sys).
  const script = '"$@" > run.log 2>&1; code=$?; times; exit $code'
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn('bash', ['-c', script, 'bash', process.execPath, vitest, 'run', '--config', config], {
      cwd: project,
      env: {
        ...process.env,
        CI: '1',
        FORCE_COLOR: '0',
        NO_COLOR: '1',
        VITEST: undefined,
        VITEST_MODE: undefined,
        ...workerCpuEnv(join(project, 'worker-cpu.cjs'), workers),
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = performance.now() - t0
      if (code !== 0) return reject(new Error(`vitest run --config ${config} exited with ${code}; see ${join(project, 'run.log')}`))
      const lines = out.trim().split('\n')
      const seconds = (lines.at(-1) ?? '').split(/\s+/).map((t) => {
        const m = /^(\d+)m([\d.]+)s$/.exec(t)
        return m === null ? Number.NaN : Number(m[1]) * 60 + Number(m[2])
      })
      const cpuMs = (seconds[0]! + seconds[1]!) * 1000
      if (!Number.isFinite(cpuMs)) return reject(new Error(`could not read the CPU time from: ${out}`))
      let workerMs: number[]
      try {
        workerMs = readFileSync(workers, 'utf8').trim().split('\n').map(Number)
      } catch {
        workerMs = []
      }
      if (workerMs.length === 0 || workerMs.some((ms) => !Number.isFinite(ms))) return reject(new Error(`no CPU figure from the run's workers (${workers})`))
      resolve({ cpuMs, workerMs, wallMs })
    })
  })
}

/** Each variant's median. */
const medians = (byVariant: Record<GVariant, number[]>): Record<GVariant, number> => ({
  plain: median(byVariant.plain),
  loop: median(byVariant.loop),
  uncached: median(byVariant.uncached),
})

/** The median over the turns of `variant`'s figure less plain Vitest's in the same turn. */
const overPlain = (byVariant: Record<GVariant, number[]>, variant: GVariant): number => median(byVariant[variant].map((ms, i) => ms - byVariant.plain[i]!))

/**
 * G with `files` test files, `runs` measured runs per variant (after one
 * warm-up each), the variants taking turns.
 */
export async function perFileCpu(files: number, runs: number, log: (line: string) => void = () => {}): Promise<GResult> {
  const samples: Record<GVariant, number[]> = { plain: [], loop: [], uncached: [] }
  const walls: Record<GVariant, number[]> = { plain: [], loop: [], uncached: [] }
  const workers: Record<GVariant, number[]> = { plain: [], loop: [], uncached: [] }
  /** Each measured run's median worker, by variant, in turn order. */
  const turns: Record<GVariant, number[]> = { plain: [], loop: [], uncached: [] }
  const work = mkdtempSync(join(tmpdir(), 'vitest-loop-bench-g-'))
  try {
    const tarball = await pack(work)
    const project = await makeProject(work, tarball, files)
    writeFileSync(join(project, 'worker-cpu.cjs'), workerRecorder)
    // The smoke (a check that G runs) leaves out what only measures the code cache.
    const variants: GVariant[] = runs > 1 ? ['plain', 'loop', 'uncached'] : ['plain', 'loop']
    for (const variant of variants) writeFileSync(join(project, `vitest.${variant}.config.ts`), configFile(variant))
    for (let r = -1; r < runs; r++) {
      for (const variant of variants) {
        const env: Record<string, string> = variant === 'uncached' ? { VITEST_LOOP_CODE_CACHE: '0' } : {}
        const once = await runOnce(project, `vitest.${variant}.config.ts`, env)
        if (r < 0) continue
        samples[variant].push(once.cpuMs / files)
        walls[variant].push(once.wallMs)
        workers[variant].push(...once.workerMs)
        turns[variant].push(median(once.workerMs))
        log(`G ${variant} run ${r + 1}/${runs}: ${(once.cpuMs / files).toFixed(1)} ms CPU per file, ${median(once.workerMs).toFixed(1)} ms a worker`)
      }
    }
    return {
      files,
      testsPerFile,
      runs,
      perFileMs: medians(samples),
      overMs: overPlain(samples, 'loop'),
      uncachedOverMs: overPlain(samples, 'uncached'),
      samples,
      wallMs: medians(walls),
      workerMs: medians(workers),
      workerOverMs: overPlain(turns, 'loop'),
      workerUncachedOverMs: overPlain(turns, 'uncached'),
    }
  } catch (error) {
    return {
      files,
      testsPerFile,
      runs,
      perFileMs: `failed: ${(error as Error).message}`,
      overMs: Number.NaN,
      uncachedOverMs: Number.NaN,
      samples,
      wallMs: { plain: Number.NaN, loop: Number.NaN, uncached: Number.NaN },
      workerMs: { plain: Number.NaN, loop: Number.NaN, uncached: Number.NaN },
      workerOverMs: Number.NaN,
      workerUncachedOverMs: Number.NaN,
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** The G section of the report. */
export function gSection(g: GResult): string[] {
  const lines = [
    `## G: CPU per test file, the packed package, ${g.files} files of ${g.testsPerFile} tests, forks pool`,
    '',
    'user + sys of the whole `vitest run` process tree over the number of files, one worker at',
    `a time (\`maxWorkers: 1\`); median of ${g.runs} runs per variant, the three taking turns after a warm-up run each`,
    "(the plugin's warm-up run writes vitest-loop's code cache, as a user's first run does);",
    '"over plain" is the median of the difference with the plain run of each turn. "A worker" is the CPU of',
    "one test file's process as it ends (the main process left out), the median over every worker of the",
    "variant; its \"over plain\" the median over the turns of the difference of the runs' median workers.",
    '',
  ]
  if (typeof g.perFileMs === 'string') return [...lines, g.perFileMs, '']
  const { plain, loop, uncached } = g.perFileMs
  const worker = (variant: GVariant): string => `${g.workerMs[variant].toFixed(1)} ms`
  lines.push('| variant | CPU per file | over plain | a worker | over plain | wall time of the run |', '| --- | --- | --- | --- | --- | --- |')
  lines.push(`| plain Vitest | ${plain.toFixed(1)} ms | - | ${worker('plain')} | - | ${(g.wallMs.plain / 1000).toFixed(2)} s |`)
  lines.push(`| loopPlugin() | ${loop.toFixed(1)} ms | ${g.overMs.toFixed(1)} ms | ${worker('loop')} | ${g.workerOverMs.toFixed(1)} ms | ${(g.wallMs.loop / 1000).toFixed(2)} s |`)
  if (Number.isFinite(uncached)) {
    lines.push(
      `| loopPlugin(), no code cache (\`VITEST_LOOP_CODE_CACHE=0\`) | ${uncached.toFixed(1)} ms | ${g.uncachedOverMs.toFixed(1)} ms | ${worker('uncached')} | ${g.workerUncachedOverMs.toFixed(1)} ms | ${(g.wallMs.uncached / 1000).toFixed(2)} s |`,
    )
  }
  lines.push('')
  return lines
}

/** G's target: at most 10 ms more CPU per file than plain Vitest. */
export function gVerdict(g: GResult): { target: string; measured: string; met: boolean | undefined } {
  const target = 'G ≤ 10 ms more CPU per test file than plain Vitest (packed package)'
  if (typeof g.perFileMs === 'string') return { target, measured: g.perFileMs, met: undefined }
  const over = g.overMs
  return { target, measured: `${over.toFixed(1)} ms (a worker: ${g.workerOverMs.toFixed(1)} ms)`, met: over <= 10 }
}
