/**
 * `npm run compat`: the unchanged test suites of upstream time-based libraries,
 * each run twice by the same Vitest: on real time without the plugin, and on
 * virtual time with `plugins: [loopPlugin()]` as the only change. Writes
 * compat/results.md.
 *
 *   npm run compat                 every suite of compat/manifest.json
 *   npm run compat -- --only=a,b   some suites only (results.md is still rewritten, with those)
 *   npm run compat -- --reuse      no run: judge the last runs again (after editing verdicts)
 *
 * Exits with 1 when a suite could not run or a report has no verdict in the manifest.
 * COMPAT_TARBALL=<path to a packed vitest-loop> runs another build (e.g. a branch's
 * `npm pack`) instead of this checkout's; use a separate COMPAT_WORK for it.
 *
 * Nothing of theirs is committed. Each suite is a commit pinned in the manifest,
 * read from a local snapshot of its repository (a bare git directory, as the
 * `fetch` tool leaves under COMPAT_MIRROR, default /work/.mirror/<owner>+<name>/repo),
 * extracted with `git archive` into COMPAT_WORK (default <tmpdir>/vitest-loop-compat),
 * installed with npm (their dependencies minus the manifest's `drop`, plus this
 * package packed with `npm pack`, and the Vitest this repository tests with),
 * and run with a generated config: the runner's shim from compat/shims/ where the
 * suite is not written for Vitest. Vitest's JSON reporter gives the counts.
 */
import { execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const exec = promisify(execFile)
const repo = fileURLToPath(new URL('..', import.meta.url))
const compatDir = path.join(repo, 'compat')
const mirrorRoot = process.env.COMPAT_MIRROR ?? '/work/.mirror'
const workRoot = process.env.COMPAT_WORK ?? path.join(tmpdir(), 'vitest-loop-compat')

type Runner = 'vitest' | 'jest' | 'mocha' | 'tape' | 'node:test' | 'ava' | 'qunit1'
type Mode = 'real' | 'loop'

/**
 * A judgement of one reported error: it applies to an error whose text (paths
 * relative to the suite) contains one of `match` (e.g. the `file:line:` of the
 * frame that made a timer), in the test named `test` if given ('' for errors
 * outside any test).
 */
interface Verdict {
  test?: string
  match: string | string[]
  /**
   * 'leak' (a true leak), 'true' (a true report that is not a leak), '1'..'4' (a
   * failure kind of issue 11), 'real-time' (a failure of the real-time run only),
   * or 'new' (a new kind of failure, or a false report: a bug).
   */
  kind: string
  verdict: string
}

interface Suite {
  name: string
  repo: string
  commit: string
  runner: Runner
  include: string[]
  exclude?: string[]
  /** devDependencies their tests do not need (linters, type tests, their own runner). */
  drop?: string[]
  /** Or: the only devDependencies their tests need. */
  keep?: string[]
  testTimeout?: number
  /** Modules their runner loads first (Mocha's `--require`), from the suite's root. */
  requires?: string[]
  /** Environment their runner would see (Vitest sets NODE_ENV=test, which some configs read); `{dir}` is the suite's folder. */
  env?: Record<string, string>
  notes?: string
  verdicts?: Verdict[]
}

interface TestOutcome {
  name: string
  file: string
  status: string
  messages: string[]
}

interface RunOutcome {
  wallMs: number
  /** The tests' own durations, summed (without Vitest's startup and collection). */
  testMs: number
  passed: number
  failed: number
  skipped: number
  total: number
  tests: TestOutcome[]
  /** Errors outside any test (a file that failed to load, an unhandled error). */
  otherErrors: string[]
  log: string
}

interface SuiteOutcome {
  suite: Suite
  runs?: Record<Mode, RunOutcome>
  problem?: string
}

const shimOf: Record<Runner, string | undefined> = {
  vitest: undefined,
  jest: 'jest-globals.mjs',
  mocha: 'mocha-globals.mjs',
  tape: 'tape.mjs',
  'node:test': 'node-test.mjs',
  ava: 'ava.mjs',
  qunit1: 'qunit1.mjs',
}

/** The module name a suite imports its runner by, aliased to the shim. */
const aliasOf: Partial<Record<Runner, string>> = { 'node:test': 'node:test', ava: 'ava', qunit1: 'qunitjs' }

function versionOf(name: string): string {
  return (JSON.parse(readFileSync(path.join(repo, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
}

function run(command: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1', VITEST: undefined, VITEST_MODE: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

/** `npm pack` (its prepack builds dist/); the tarball's path. */
async function packOurs(): Promise<string> {
  mkdirSync(workRoot, { recursive: true })
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', workRoot], { cwd: repo, maxBuffer: 1 << 26 })
  const [{ filename }] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string }]
  return path.join(workRoot, filename)
}

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex').slice(0, 16)

/** Extracts the pinned commit and installs it; reuses an install whose inputs did not change. */
async function prepare(suite: Suite, tarball: string): Promise<string> {
  const gitDir = path.join(mirrorRoot, suite.repo.replace('/', '+'), 'repo')
  const has = await exec('git', ['--git-dir', gitDir, 'cat-file', '-e', `${suite.commit}^{commit}`]).then(
    () => true,
    () => false,
  )
  if (!has) throw new Error(`no snapshot of ${suite.repo} at ${suite.commit} under ${mirrorRoot}: fetch github:${suite.repo} first`)
  const dir = path.join(workRoot, `${suite.name}-${suite.commit.slice(0, 12)}`)
  const stampFile = path.join(dir, '.compat-stamp')
  const manifestPart = JSON.stringify({ drop: suite.drop, keep: suite.keep, vitest: versionOf('vitest'), v: 2 })
  const stamp = sha(manifestPart + sha(readFileSync(tarball)))
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return dir

  const pristine = path.join(dir, 'package.json')
  if (!existsSync(path.join(dir, 'node_modules'))) {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    await run('sh', ['-c', `git --git-dir '${gitDir}' archive '${suite.commit}' | tar -x -C '${dir}'`], dir).then((r) => {
      if (r.code !== 0) throw new Error(`git archive failed:\n${r.output}`)
    })
    cpSync(pristine, path.join(dir, '.compat-package.json'))
  }
  // Their package.json, minus scripts and unneeded devDependencies, plus ours and Vitest.
  const pkg = JSON.parse(readFileSync(path.join(dir, '.compat-package.json'), 'utf8')) as Record<string, unknown>
  const dev = { ...((pkg.devDependencies as Record<string, string> | undefined) ?? {}) }
  for (const name of suite.drop ?? []) delete dev[name]
  if (suite.keep !== undefined) for (const name of Object.keys(dev)) if (!suite.keep.includes(name)) delete dev[name]
  dev.vitest = versionOf('vitest')
  dev['@vitest/runner'] = versionOf('@vitest/runner')
  dev['vitest-loop'] = `file:${tarball}`
  // Their own scripts never run (--ignore-scripts anyway); workspaces (docs, benchmarks) are not what the tests need.
  delete pkg.scripts
  delete pkg.workspaces
  pkg.devDependencies = dev
  writeFileSync(pristine, `${JSON.stringify(pkg, null, 2)}\n`)
  // npm keeps an installed `file:` tarball of the same name and version even when its
  // content changed: remove it, so the new build is the one installed.
  const installed = path.join(dir, 'node_modules', 'vitest-loop')
  rmSync(installed, { recursive: true, force: true })
  const install = await run(
    'npm',
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', '--loglevel=error'],
    dir,
  )
  if (install.code !== 0) throw new Error(`npm install failed in ${dir}:\n${install.output}`)
  const { stdout: packed } = await exec('tar', ['-xOzf', tarball, 'package/dist/plugin.js'], { maxBuffer: 1 << 26 })
  if (readFileSync(path.join(installed, 'dist/plugin.js'), 'utf8') !== packed) {
    throw new Error(`npm installed another build of vitest-loop than ${tarball} in ${dir}`)
  }
  writeFileSync(stampFile, stamp)
  return dir
}

/** The generated config: both modes are the same file but for the plugin line. */
function writeConfig(suite: Suite, dir: string, mode: Mode): string {
  const shimDir = path.join(dir, '.compat')
  mkdirSync(shimDir, { recursive: true })
  const shim = shimOf[suite.runner]
  cpSync(path.join(compatDir, 'shims'), shimDir, { recursive: true })
  const alias: Record<string, string> = {}
  const imported = aliasOf[suite.runner]
  if (imported !== undefined) alias[imported] = path.join(shimDir, shim!)
  const test: Record<string, unknown> = {
    include: suite.include,
    exclude: [...(suite.exclude ?? []), '**/node_modules/**'],
    testTimeout: suite.testTimeout ?? 30_000,
    hookTimeout: suite.testTimeout ?? 30_000,
    maxWorkers: 1,
    // default: its log shows errors outside tests (Vitest's "Unhandled Rejection"); json: the counts.
    reporters: ['default', 'json'],
    outputFile: path.join(shimDir, `${mode}.json`),
  }
  const setupFiles: string[] = []
  if (suite.runner === 'jest') test.globals = true
  // Shims that install globals (or, for tape, what `require('tape')` finds) are setup files.
  if (suite.runner === 'jest' || suite.runner === 'mocha' || suite.runner === 'tape') setupFiles.push(path.join(shimDir, shim!))
  if (suite.requires !== undefined) {
    const requires = path.join(shimDir, 'requires.mjs')
    const body = [
      `import { createRequire } from 'node:module'`,
      `const require = createRequire(${JSON.stringify(path.join(dir, 'package.json'))})`,
      ...suite.requires.map((name) => `require(${JSON.stringify(name)})`),
    ]
    writeFileSync(requires, `${body.join('\n')}\n`)
    setupFiles.push(requires)
  }
  if (setupFiles.length > 0) test.setupFiles = setupFiles
  const lines = [
    `import { defineConfig } from 'vitest/config'`,
    mode === 'loop' ? `import { loopPlugin } from 'vitest-loop/plugin'` : '',
    `export default defineConfig({`,
    mode === 'loop' ? `  plugins: [loopPlugin()],` : '',
    `  root: ${JSON.stringify(dir)},`,
    `  resolve: { alias: ${JSON.stringify(alias)} },`,
    `  test: ${JSON.stringify(test)},`,
    `})`,
  ]
  const file = path.join(shimDir, `${mode}.config.mjs`)
  writeFileSync(file, `${lines.filter((line) => line !== '').join('\n')}\n`)
  return file
}

interface JsonReport {
  numTotalTests: number
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  numTodoTests: number
  testResults: {
    name: string
    message?: string
    assertionResults: { fullName: string; status: string; duration?: number; failureMessages?: string[] }[]
  }[]
}

function envOf(suite: Suite, dir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(suite.env ?? {}).map(([name, value]) => [name, value.replaceAll('{dir}', dir)]))
}

/** Runs one mode, or with `reuse` reads what its last run left (to re-judge without rerunning). */
async function runMode(suite: Suite, dir: string, mode: Mode, reuse: boolean): Promise<RunOutcome> {
  const outputFile = path.join(dir, '.compat', `${mode}.json`)
  const wallFile = path.join(dir, '.compat', `${mode}.wall`)
  let output: string
  let wallMs: number
  if (reuse) {
    output = readFileSync(path.join(dir, '.compat', `${mode}.log`), 'utf8')
    wallMs = Number(readFileSync(wallFile, 'utf8'))
  } else {
    const config = writeConfig(suite, dir, mode)
    rmSync(outputFile, { force: true })
    const started = performance.now()
    ;({ output } = await run(process.execPath, [path.join(dir, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config], dir, envOf(suite, dir)))
    wallMs = performance.now() - started
    writeFileSync(path.join(dir, '.compat', `${mode}.log`), output)
    writeFileSync(wallFile, String(wallMs))
  }
  if (!existsSync(outputFile)) throw new Error(`vitest wrote no report (${mode}):\n${output.slice(-3000)}`)
  const report = JSON.parse(readFileSync(outputFile, 'utf8')) as JsonReport
  const tests: TestOutcome[] = []
  const otherErrors: string[] = []
  let testMs = 0
  for (const file of report.testResults) {
    const relative = path.relative(dir, file.name)
    for (const result of file.assertionResults) {
      testMs += result.duration ?? 0
      tests.push({ name: result.fullName, file: relative, status: result.status, messages: result.failureMessages ?? [] })
    }
    if (file.message) otherErrors.push(`${relative}: ${file.message}`)
  }
  otherErrors.push(...unhandledErrors(output))
  return {
    wallMs,
    testMs,
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
    total: report.numTotalTests,
    tests,
    otherErrors,
    log: path.join(dir, '.compat', `${mode}.log`),
  }
}

/**
 * The errors Vitest caught outside any test ("⎯⎯ Unhandled Rejection ⎯⎯" blocks of
 * the default reporter): their kind, first line, first frame, and the test Vitest blames.
 */
function unhandledErrors(output: string): string[] {
  const errors: string[] = []
  // Each error's own header; "Unhandled Errors" heads the whole section.
  const blocks = output.split(/^⎯+ (Unhandled (?!Errors)\w+|Uncaught \w+) ⎯+$/m)
  for (let i = 1; i < blocks.length; i += 2) {
    const body = blocks[i + 1]!.split(/^⎯+/m)[0]!
    const lines = body.split('\n').filter((line) => line.trim() !== '')
    const frame = lines.find((line) => line.trimStart().startsWith('❯'))?.trim().slice(2)
    const blamed = /The latest test that might've caused the error is "(.*)"/.exec(body)?.[1]
    errors.push(`${blocks[i]}: ${lines[0]?.trim()}${frame ? ` (at ${frame})` : ''}${blamed ? `, during "${blamed}"` : ''}`)
  }
  return errors
}

/** The message's lines that say what happened: its first line, and each LeakError/LoopLimitError line. */
function headlines(message: string): string[] {
  const lines = message.split('\n')
  const picked = [lines[0]!]
  for (const line of lines.slice(1)) {
    if (/^\s*(?:\w*Error|LeakError)\b.*:/.test(line) && !line.includes(' at ')) picked.push(line.trim())
  }
  return [...new Set(picked)].map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line))
}

/** The message's stack frames inside the suite (not node_modules, not the shims), at most three. */
function sitesOf(message: string, dir: string): string[] {
  const sites: string[] = []
  for (const match of message.matchAll(/\(?(\/[^\s()]+):(\d+):(\d+)\)?/g)) {
    const file = match[1]!
    if (file.startsWith(dir) && !file.includes('/node_modules/') && !file.includes('/.compat/')) {
      sites.push(`${path.relative(dir, file)}:${match[2]}:${match[3]}`)
    }
  }
  return sites.slice(0, 3)
}

const kindTitle: Record<string, string> = { leak: 'True leak', true: 'True report', 'real-time': 'Real time only', new: 'NEW kind' }

const ms = (value: number) => (value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`)
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ')

async function ourCommit(): Promise<string> {
  const { stdout: head } = await exec('git', ['log', '-1', '--format=%h (%cI)'], { cwd: repo })
  const { stdout: src } = await exec('git', ['log', '-1', '--format=%h', '--', 'src'], { cwd: repo })
  const { stdout: dirty } = await exec('git', ['status', '--porcelain', '--', 'src'], { cwd: repo })
  return `${head.trim()}, src/ as of ${src.trim()}${dirty.trim() === '' ? '' : ', with uncommitted changes under src/'}`
}

/** One reported error of a run: a finding of a failed test, or an error outside any test. */
interface Finding {
  mode: Mode
  /** The failed test's full name; undefined for an error outside any test. */
  test?: string
  line: string
  verdict?: Verdict
}

/** Every reported error of both runs, each with the first verdict of the manifest that matches it. */
function findingsOf(suite: Suite, runs: Record<Mode, RunOutcome>): Finding[] {
  const dir = path.join(workRoot, `${suite.name}-${suite.commit.slice(0, 12)}`)
  const judge = (testName: string, text: string) =>
    (suite.verdicts ?? []).find((v) => (v.test === undefined || v.test === testName) && [v.match].flat().some((m) => text.includes(m)))
  const findings: Finding[] = []
  for (const mode of ['loop', 'real'] as const) {
    for (const test of runs[mode].tests) {
      if (test.status !== 'failed') continue
      // One error per finding, after the test's one-line summary: judge the findings.
      const errors = test.messages.length > 1 ? test.messages.filter((m) => !/^LeakError: test left /.test(m)) : test.messages
      for (const error of errors) {
        const sites = sitesOf(error, dir)
        const at = sites.length === 0 ? '' : ` at ${sites.map((site) => `\`${site}\``).join(' ← ')}`
        const head = headlines(error)[0]!.replace(/ on the test loop: clear it before the test ends, or unref\(\) it if it may outlive the test/, '')
        const line = `- ${mode}: \`${test.file}\` › ${cell(test.name)}: \`${cell(head)}\`${at}`
        findings.push({ mode, test: test.name, line, verdict: judge(test.name, error.replaceAll(`${dir}/`, '')) })
      }
    }
    for (const error of runs[mode].otherErrors) {
      const text = error.replaceAll(`${dir}/`, '')
      findings.push({ mode, line: `- ${mode}, outside any test: ${cell(text)}`, verdict: judge('', text) })
    }
  }
  return findings
}

/** Failed tests of one run by the kinds of their verdicts: "18 leak · 3 kind 4". */
function failuresByKind(findings: Finding[], mode: Mode): string {
  const kinds = new Map<string, Set<string>>()
  for (const finding of findings) {
    if (finding.mode !== mode || finding.test === undefined) continue
    const kind = finding.verdict === undefined ? 'not judged' : finding.verdict.kind === 'leak' || finding.verdict.kind === 'true' || finding.verdict.kind === 'real-time' ? finding.verdict.kind : `kind ${finding.verdict.kind}`
    if (!kinds.has(kind)) kinds.set(kind, new Set())
    kinds.get(kind)!.add(finding.test)
  }
  return kinds.size === 0 ? 'none' : [...kinds].map(([kind, tests]) => `${tests.size} ${kind}`).join(' · ')
}

/** What the header of results.md says about a run (kept in COMPAT_WORK, so that --reuse says the same). */
interface RunInfo {
  commit: string
  date: string
  totalMs: number
  load: string
}

function render(outcomes: SuiteOutcome[], info: RunInfo): string {
  const out: string[] = []
  out.push('# Compat corpus: results')
  out.push('')
  out.push(`Generated by \`npm run compat\` at vitest-loop commit \`${info.commit}\`, on ${info.date},`)
  out.push(`Node ${process.version}, Vitest ${versionOf('vitest')}, ${cpus().length} cores (load average ${info.load}); the whole run took ${ms(info.totalMs)} (installs included).`)
  out.push('Each suite is its pinned upstream commit, unchanged, run by the same Vitest twice: **real** time')
  out.push('without the plugin, then **loop** (virtual time) with `plugins: [loopPlugin()]` as the only change.')
  out.push('Wall time is the whole `vitest run` process (startup included), one worker; test time is the')
  out.push("sum of the tests' own durations as Vitest's JSON reporter gives them.")
  out.push('')
  out.push('"Failed on the loop" sorts the tests that failed there by the verdict of their reports (below).')
  out.push('')
  out.push('| suite | commit | runner | tests | passed real | passed loop | failed on the loop | wall real | wall loop | speedup | test time real | test time loop |')
  out.push('| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |')
  for (const { suite, runs, problem } of outcomes) {
    const head = `| ${suite.name} | \`${suite.commit.slice(0, 10)}\` | ${suite.runner} |`
    if (runs === undefined) {
      out.push(`${head} not run: ${cell(problem ?? '')} | | | | | | | | |`)
      continue
    }
    const { real, loop } = runs
    const same = real.passed === loop.passed ? '' : ' ≠'
    const skipped = real.skipped > 0 ? ` (${real.skipped} skipped)` : ''
    out.push(
      `${head} ${real.total}${skipped} | ${real.passed} | ${loop.passed}${same} | ${failuresByKind(findingsOf(suite, runs), 'loop')} | ${ms(real.wallMs)} | ${ms(loop.wallMs)} | ${(real.wallMs / loop.wallMs).toFixed(1)}× | ${ms(real.testMs)} | ${ms(loop.testMs)} |`,
    )
  }
  out.push('')
  out.push('## Every failure, and its verdict')
  out.push('')
  out.push('Kinds 1–4 are those of issue 11 (1: a polling loop freezes virtual time, 2: the start instant')
  out.push('differs per run, 3: Node Timeout fields, 4: a `setTimeout(r, 0)` yield caught by the test\'s end);')
  out.push('`leak` is a true leak at a line checked by reading the upstream source; `true` a true report that is not a leak;')
  out.push('`real-time` a failure of the real-time run only; `new` a failure of a new kind.')
  let any = false
  for (const { suite, runs } of outcomes) {
    if (runs === undefined) continue
    const findings = findingsOf(suite, runs)
    if (findings.length === 0) continue
    any = true
    const failed = (mode: Mode) => runs[mode].tests.filter((test) => test.status === 'failed').length
    out.push('')
    const tests = (n: number) => `${n} ${n === 1 ? 'test' : 'tests'}`
    out.push(`### ${suite.name}: ${tests(failed('loop'))} failed on the loop, ${failed('real')} on real time`)
    for (const verdict of [...(suite.verdicts ?? []), undefined]) {
      const lines = findings.filter((finding) => finding.verdict === verdict).map((finding) => finding.line)
      if (lines.length === 0) continue
      out.push('')
      const text = verdict === undefined ? '' : verdict.verdict[0]!.toUpperCase() + verdict.verdict.slice(1)
      out.push(verdict === undefined ? '**Not judged yet:**' : `**${kindTitle[verdict.kind] ?? `Kind ${verdict.kind}`}.** ${text}`)
      out.push('')
      out.push(...lines)
    }
  }
  if (!any) {
    out.push('')
    out.push('No test failed either way, and the plugin reported nothing.')
  }
  out.push('')
  out.push('## Suites')
  out.push('')
  for (const { suite } of outcomes) {
    out.push(`- **${suite.name}** (github.com/${suite.repo} at \`${suite.commit}\`, ${suite.include.join(', ')}): ${suite.notes ?? ''}`)
  }
  out.push('')
  return out.join('\n')
}

async function main(): Promise<void> {
  const started = performance.now()
  const loadAtStart = loadavg()[0]!.toFixed(1)
  const manifest = JSON.parse(readFileSync(path.join(compatDir, 'manifest.json'), 'utf8')) as { suites: Suite[] }
  const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',')
  const reuse = process.argv.includes('--reuse')
  const suites = manifest.suites.filter((suite) => only === undefined || only.includes(suite.name))
  console.log(reuse ? `reading the last runs in ${workRoot}` : `packing vitest-loop into ${workRoot}`)
  // COMPAT_TARBALL: run another build of the package (a branch's `npm pack`) instead of this checkout's.
  const tarball = reuse ? '' : (process.env.COMPAT_TARBALL ?? (await packOurs()))
  const outcomes: SuiteOutcome[] = []
  for (const suite of suites) {
    try {
      console.log(`${suite.name}: preparing`)
      const dir = reuse ? path.join(workRoot, `${suite.name}-${suite.commit.slice(0, 12)}`) : await prepare(suite, tarball)
      const runs = {} as Record<Mode, RunOutcome>
      for (const mode of ['real', 'loop'] as const) {
        runs[mode] = await runMode(suite, dir, mode, reuse)
        const r = runs[mode]
        console.log(`${suite.name}: ${mode}: ${r.passed}/${r.total} passed in ${ms(r.wallMs)} (log: ${r.log})`)
      }
      outcomes.push({ suite, runs })
    } catch (error) {
      console.log(`${suite.name}: ${(error as Error).message}`)
      outcomes.push({ suite, problem: (error as Error).message.split('\n')[0] })
    }
  }
  const infoFile = path.join(workRoot, 'last-run.json')
  let info: RunInfo
  if (reuse) {
    info = JSON.parse(readFileSync(infoFile, 'utf8')) as RunInfo
  } else {
    info = {
      commit: process.env.COMPAT_TARBALL === undefined ? await ourCommit() : `the package ${process.env.COMPAT_TARBALL}`,
      date: `${new Date().toISOString().slice(0, 16)}Z`,
      totalMs: performance.now() - started,
      load: `${loadAtStart} at the start, ${loadavg()[0]!.toFixed(1)} at the end`,
    }
    if (only === undefined) writeFileSync(infoFile, JSON.stringify(info))
  }
  const results = render(outcomes, info)
  writeFileSync(path.join(compatDir, 'results.md'), results)
  console.log(`wrote compat/results.md`)
  // Exit 1 when a suite could not run or a report has no verdict yet: results.md then needs a look.
  const unjudged = outcomes.flatMap(({ suite, runs }) => (runs === undefined ? [] : findingsOf(suite, runs).filter((f) => f.verdict === undefined)))
  const notRun = outcomes.filter(({ runs }) => runs === undefined)
  if (unjudged.length > 0 || notRun.length > 0) {
    console.log(`${notRun.length} suites not run, ${unjudged.length} reports not judged yet (see compat/results.md)`)
    process.exitCode = 1
  }
}

await main()
