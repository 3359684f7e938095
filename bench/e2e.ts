/**
 * E: per-test overhead in a 2,000-test file. For each variant a test file is
 * generated under bench/.tmp/ and run by a nested `vitest run`; the file times
 * itself from its first test to its last with the real clock (read outside
 * any test, where no fake answers), and the per-test time is that total over
 * the count. The tests are in two halves (two describe blocks); the time of the
 * second half alone leaves most of the warm-up (first calls, the JIT) out.
 *
 *   plain  no fake time at all: Vitest's own cost per test
 *   hook   a setup file with one empty async aroundEach: what Vitest's per-test
 *          hook costs by itself, the floor of anything that works per test this way
 *   hop    the same aroundEach, then one real macrotask (setImmediate) after the
 *          test: the floor of a per-test check for unhandled rejections, which
 *          Node reports only once the microtask queue has drained (VITEST-NOTES §7)
 *   runner the way vitest-loop opens and judges a test in a file with no aroundEach
 *          of its own (src/vitest/runner-hooks.ts), doing nothing else: the runner's
 *          onBeforeTryTask enters an AsyncLocalStorage store, onAfterRetryTask returns
 *   runner-hop  the same, then one real macrotask after the test: the floor of
 *          vitest-loop's own way, the rejection check included
 *   loop   the vitest-loop setup file: a fresh loop per test, useLoop(), the sanitizer at teardown
 *   loop-untraced  the same with creation traces off (LOOP_TRACES=0): what the
 *          one trace of the test's timer costs, with what it keeps alive
 *   no-loop  the setup file with `autoUse: false` and no useLoop(): no loop is
 *          made, the timer is real; the per-test work of vitest-loop apart from
 *          the loop (the test's state and store, the wrapper of its function,
 *          the judging and its macrotask)
 *   vi     vi.useFakeTimers() before each test, vi.useRealTimers() after
 *   plain-async, loop-async
 *          plain and loop with an async test body: most tests of a real suite
 *          await something, and an async test takes the longer way through the
 *          setup file (the stall watch races its promise; stall-watch.ts)
 *
 * Every test body is the same: schedule a timer, clear it, one expect; the
 * async variants await one resolved promise between the two.
 *
 * The first-to-last window is real time on the test's thread. It leaves out
 * what a test costs elsewhere: its collection (the test() call, and the
 * test's line that vitest-loop captures there, test-site.ts), and the work
 * of V8's own threads beside it (the garbage collector's concurrent and
 * parallel phases, the optimizing compiler), which take a core of the
 * machine's two all the same. So each run also reads the worker's CPU, every
 * thread of it, from the file's first line (before any test() call) to the
 * worker's exit (worker-cpu.ts), the file's end included (a few ms, spread
 * over the 2,000 tests). Read in phases (3 runs, 2,000 tests, CPU ms, plain
 * against vitest-loop): collection 156-174 against 181-185 (the test's line:
 * about 8 µs a test); first test to last 352-372 against 771-800, where the
 * window's real time reads about 285 against 585: the rest is those other
 * threads; the file's end 24-41 against 13-15.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { median } from './lib/stats.ts'
import { workerCpuEnv, workerRecorder } from './lib/worker-cpu.ts'

export type Variant = 'plain' | 'hook' | 'hop' | 'runner' | 'runner-hop' | 'loop' | 'loop-untraced' | 'no-loop' | 'vi' | 'plain-async' | 'loop-async'

export interface E2eResult {
  variant: Variant
  tests: number
  /** Median µs per test, or a reason it was not run. */
  perTestUs: number | string
  /** Median µs per test of the file's second half (NaN when not run). */
  secondHalfUs: number
  /** Median µs of the worker's CPU per test, from the file's first line to the worker's exit (NaN when not run). */
  workerUs: number
  samples: number[]
  /** Median wall time of the whole nested `vitest run`, ms. */
  wallMs: number
}

const root = fileURLToPath(new URL('..', import.meta.url))
const tmp = join(root, 'bench', '.tmp')
const vitestBin = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')

/** The fixture layer (useLoop, the setup file, the sanitizer) and the virtual time it installs are in the tree. */
export function fixtureLayerPresent(): boolean {
  return ['src/vitest', 'src/setup.ts', 'src/time'].every((path) => existsSync(join(root, path)))
}

/** The test body calls useLoop(). */
const usesLoop = (variant: Variant): boolean => variant === 'loop' || variant === 'loop-async' || variant === 'loop-untraced'
/** vitest-loop's setup file is in the config. */
const usesSetup = (variant: Variant): boolean => usesLoop(variant) || variant === 'no-loop'

function testFile(variant: Variant, tests: number): string {
  const isAsync = variant === 'plain-async' || variant === 'loop-async'
  const half = Math.floor(tests / 2)
  const imports = ['afterAll', 'beforeAll', 'describe', 'expect', 'test']
  if (variant === 'vi') imports.push('afterEach', 'beforeEach', 'vi')
  const lines = [
    `import { ${imports.sort().join(', ')} } from 'vitest'`,
    usesLoop(variant) ? `import { useLoop } from 'vitest-loop'` : '',
    `import { writeFileSync } from 'node:fs'`,
    `import { performance } from 'node:perf_hooks'`,
    '',
    '// read outside any test: the real clock, whatever a test installs',
    'const realNow = performance.now.bind(performance)',
    'const cpu = process.cpuUsage()',
    'const cpuAtTop = (cpu.user + cpu.system) / 1000',
    'let t0 = 0',
    'let mid = 0',
    'beforeAll(() => {',
    '  t0 = realNow()',
    '})',
    'afterAll(() => {',
    '  const end = realNow()',
    `  writeFileSync(process.env.BENCH_OUT!, JSON.stringify({ ms: end - t0, tests: ${tests}, secondMs: end - mid, secondTests: ${tests - half}, cpuAtTop }))`,
    '})',
    variant === 'vi' ? 'beforeEach(() => {\n  vi.useFakeTimers()\n})\nafterEach(() => {\n  vi.useRealTimers()\n})' : '',
    'const noop = (): void => {}',
    '',
  ]
  const body = [...(usesLoop(variant) ? ['  useLoop()'] : []), '  clearTimeout(setTimeout(noop, 10))', ...(isAsync ? ['  await Promise.resolve(n)'] : []), '  expect(n).toBe(n)'].join('\n')
  const block = (name: string, from: number, to: number, after: string[]): void => {
    lines.push(`describe('${name}', () => {`, ...after)
    for (let i = from; i < to; i++) lines.push(`  test('test ${i}', ${isAsync ? 'async ' : ''}() => {\n    const n = ${i}\n${body.replace(/^/gm, '  ')}\n  })`)
    lines.push('})')
  }
  block('first half', 0, half, ['  afterAll(() => {', '    mid = realNow()', '  })'])
  block('second half', half, tests, [])
  return lines.join('\n') + '\n'
}

/**
 * The floor variants' setup file (its name, its text). hook and hop: the
 * aroundEach that vitest-loop's setup file registers in a file with one of
 * its own, doing nothing; runner and runner-hop: the runner's two methods
 * that it patches in every other file, entering a store and nothing more.
 * The two -hop variants then wait one real macrotask, as the sanitizer does.
 */
const hookSetupFile = 'hook-setup.ts'
export const floorVariants = ['hook', 'hop', 'runner', 'runner-hop'] as const
type FloorVariant = (typeof floorVariants)[number]
const hasHookSetup = (variant: Variant): variant is FloorVariant => (floorVariants as readonly Variant[]).includes(variant)
function hookSetup(variant: FloorVariant): string {
  const macrotask = 'new Promise((resolve) => setImmediate(resolve))'
  if (variant === 'hook' || variant === 'hop') {
    const hop = variant === 'hop' ? [`  await ${macrotask}`] : []
    return [`import { aroundEach } from 'vitest'`, '', 'aroundEach(async (runTest) => {', '  await runTest()', ...hop, '})', ''].join('\n')
  }
  const after = variant === 'runner-hop' ? `Promise.resolve(vitests).then(() => ${macrotask})` : 'vitests'
  return [
    `import { TestRunner } from 'vitest'`,
    `import { AsyncLocalStorage } from 'node:async_hooks'`,
    '',
    'const store = new AsyncLocalStorage<object>()',
    'const proto = TestRunner.prototype as any',
    'const before = proto.onBeforeTryTask',
    'const after = proto.onAfterRetryTask',
    'proto.onBeforeTryTask = function (test: object, options: unknown) {',
    '  const vitests = before?.call(this, test, options)',
    '  store.enterWith({ test })',
    '  return vitests',
    '}',
    'proto.onAfterRetryTask = function (test: object, options: unknown) {',
    '  const vitests = after?.call(this, test, options)',
    `  return ${after}`,
    '}',
    '',
  ].join('\n')
}

function configFile(variant: Variant, dir: string): string {
  const aliases = JSON.stringify(join(root, 'vitest.aliases.ts'))
  // `vitest-loop/setup` as a user writes it, resolved to the sources as the aliases do
  const file = usesSetup(variant) ? join(root, 'src', 'setup.ts') : hasHookSetup(variant) ? join(dir, hookSetupFile) : undefined
  const setup = file === undefined ? '' : `setupFiles: [${JSON.stringify(file)}],`
  // What loopPlugin({ autoUse: false }) hands the setup file.
  const provide = variant === 'no-loop' ? `provide: { 'vitest-loop:options': { autoUse: false } },` : ''
  return [
    `import { defineConfig } from 'vitest/config'`,
    `import { aliases } from ${aliases}`,
    '',
    'export default defineConfig({',
    '  resolve: { alias: aliases },',
    `  test: { include: ['*.test.ts'], ${setup} ${provide} },`,
    '})',
    '',
  ].join('\n')
}

function runVitest(dir: string, out: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, [vitestBin, 'run', '--root', dir, '--config', join(dir, 'vitest.config.ts')], {
      cwd: root,
      env: { ...process.env, BENCH_OUT: out, CI: '1', FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(performance.now() - t0)
      else reject(new Error(`nested vitest run in ${dir} exited with ${code}:\n${output.slice(-3000)}`))
    })
  })
}

/** Writes the variant's project; undefined when the variant cannot run yet. */
function prepare(variant: Variant, tests: number): string | undefined {
  if (usesSetup(variant) && !fixtureLayerPresent()) return undefined
  const dir = join(tmp, `e2e-${variant}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'per-test.test.ts'), testFile(variant, tests))
  writeFileSync(join(dir, 'vitest.config.ts'), configFile(variant, dir))
  writeFileSync(join(dir, 'worker-cpu.cjs'), workerRecorder)
  if (hasHookSetup(variant)) writeFileSync(join(dir, hookSetupFile), hookSetup(variant))
  return dir
}

/** One nested run: µs per test as the file timed itself (all of it, its second half), the worker's CPU per test (first line to exit), and the run's wall time (ms). */
async function runOnce(variant: Variant, dir: string, tests: number): Promise<{ perTestUs: number; secondHalfUs: number; workerUs: number; wallMs: number }> {
  const out = join(dir, 'result.json')
  const workerCpu = join(dir, 'worker-cpu.log')
  rmSync(out, { force: true })
  rmSync(workerCpu, { force: true })
  const env = { ...workerCpuEnv(join(dir, 'worker-cpu.cjs'), workerCpu), ...(variant === 'loop-untraced' ? { LOOP_TRACES: '0' } : {}) }
  const wallMs = await runVitest(dir, out, env)
  const { ms, secondMs, secondTests, cpuAtTop } = JSON.parse(readFileSync(out, 'utf8')) as { ms: number; secondMs: number; secondTests: number; cpuAtTop: number }
  const atExit = readFileSync(workerCpu, 'utf8').trim().split('\n').map(Number)
  if (atExit.length !== 1 || !Number.isFinite(atExit[0])) throw new Error(`expected one worker's CPU in ${workerCpu}, read: ${atExit.join(', ')}`)
  return { perTestUs: (ms * 1000) / tests, secondHalfUs: (secondMs * 1000) / secondTests, workerUs: ((atExit[0]! - cpuAtTop) * 1000) / tests, wallMs }
}

/**
 * Every variant, `runs` times, the variants taking turns (plain, hook, loop, vi,
 * plain, ...) so that a change in the machine's load hits them alike. One
 * warm-up run each first (Vite's transform cache, the OS page cache), unless
 * `warmUp` is false (a smoke run, which only checks that each one runs).
 */
export async function perTestAll(variants: readonly Variant[], tests: number, runs: number, warmUp = true): Promise<E2eResult[]> {
  const dirs = new Map<Variant, string | undefined>(variants.map((v) => [v, prepare(v, tests)]))
  const samples = new Map<Variant, number[]>(variants.map((v) => [v, []]))
  const walls = new Map<Variant, number[]>(variants.map((v) => [v, []]))
  const seconds = new Map<Variant, number[]>(variants.map((v) => [v, []]))
  const workers = new Map<Variant, number[]>(variants.map((v) => [v, []]))
  const failed = new Map<Variant, string>()
  for (let r = warmUp ? -1 : 0; r < runs; r++) {
    for (const variant of variants) {
      const dir = dirs.get(variant)
      if (dir === undefined || failed.has(variant)) continue
      try {
        const once = await runOnce(variant, dir, tests)
        if (r < 0) continue
        samples.get(variant)!.push(once.perTestUs)
        seconds.get(variant)!.push(once.secondHalfUs)
        workers.get(variant)!.push(once.workerUs)
        walls.get(variant)!.push(once.wallMs)
      } catch (error) {
        failed.set(variant, `failed: ${(error as Error).message}`)
      }
    }
  }
  return variants.map((variant) => {
    const reason = dirs.get(variant) === undefined ? 'pending: needs the fixture layer' : failed.get(variant)
    if (reason !== undefined) return { variant, tests, perTestUs: reason, secondHalfUs: NaN, workerUs: NaN, samples: [], wallMs: NaN }
    const s = samples.get(variant)!
    return { variant, tests, perTestUs: median(s), secondHalfUs: median(seconds.get(variant)!), workerUs: median(workers.get(variant)!), samples: s, wallMs: median(walls.get(variant)!) }
  })
}
