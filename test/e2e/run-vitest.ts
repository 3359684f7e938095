/**
 * Runs a nested Vitest on a fixture project, as a user would from a terminal,
 * and returns what it printed (colour off) and its exit code.
 *
 * The nested Vitest is the repository's, or the one in the package folder
 * named by VITEST_LOOP_E2E_VITEST (.ci/run points it at a Vitest 5 it
 * installed): then `vitest` in the fixtures and in src/ resolves to that one
 * too (vitest.aliases.ts).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const otherVitest = process.env.VITEST_LOOP_E2E_VITEST
const vitestDir = otherVitest === undefined ? fileURLToPath(new URL('../../node_modules/vitest/', import.meta.url)) : path.resolve(otherVitest)
const vitestBin = path.join(vitestDir, 'vitest.mjs')
/** One attempt as Vitest 5 names it after a retried test's name: `initial run`, `1st retry`, `2nd repeat`. */
const attempt = String.raw`(?:initial run|\d+(?:st|nd|rd|th) (?:retry|repeat))`
/** ` (initial run, 1st retry)`: the attempts that failed with one error, at the end of the test's name. */
const attemptsSuffix = new RegExp(String.raw` \((${attempt}(?:, ${attempt})*)\)$`)

/** The version of the nested Vitest, as `5.1.2`. */
export const nestedVitestVersion: string = (JSON.parse(readFileSync(path.join(vitestDir, 'package.json'), 'utf8')) as { version: string }).version
/** The major of the nested Vitest: where the majors differ, the e2e tests say what each one does. */
export const nestedVitestMajor: number = Number(nestedVitestVersion.split('.')[0])
export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url))

export interface NestedRun {
  output: string
  code: number | null
}

/**
 * A test's place in the `stderr | <place> > name` header, as a RegExp
 * source: its file. Vitest adds the test's line there only with
 * `includeTaskLocation`, which vitest-loop does not turn on (test-site.ts).
 */
export function headerPlace(file: string): string {
  return file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * The timeout of a hook that runs a nested Vitest: a bound against a hang, not
 * a measure of speed. Two suites at once on a loaded 2-core machine took a
 * nested run of four projects past 60 s.
 */
export const nestedRunTimeout = 300_000

/**
 * A nested run still going this long is a hang: it is killed and its hook
 * fails with what it printed, before the hook's own timeout would leave it
 * running behind the suite.
 */
const killAfter = nestedRunTimeout - 10_000

/** Runs `vitest run` on a fixture (a folder name under test/fixtures, or an absolute path). */
export function runVitest(fixture: string, args: string[] = [], env: Record<string, string> = {}): Promise<NestedRun> {
  const root = fixture.startsWith('/') ? fixture : `${fixturesDir}${fixture}`
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitestBin, 'run', '--root', root, ...args], {
      cwd: root,
      env: {
        ...process.env,
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        CI: '1',
        VITEST: undefined,
        VITEST_MODE: undefined,
        VITEST_LOOP_NESTED_VITEST: otherVitest === undefined ? undefined : vitestDir,
        ...env,
      } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // Each stream apart, stderr after stdout: Vitest prints the summary on
    // stdout and the failed tests on stderr, and the order in which chunks of
    // the two pipes arrive varies with the load of the machine.
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    // Real time on purpose: a bound against a hang, never a measure (the outer suite has no loop).
    const bound = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the nested vitest run of ${fixture} was still running after ${killAfter / 1000} s: killed. It printed:\n${stdout}${stderr}`))
    }, killAfter)
    bound.unref()
    child.on('error', (error) => {
      clearTimeout(bound)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(bound)
      resolve({ output: stdout + stderr, code })
    })
  })
}

/** One error Vitest printed for a failed test. */
export interface Reported {
  /** The test's name (last part of the `FAIL  file > suite > name` header). */
  test: string
  /** The project the test ran in (`FAIL  |name| file > ...`), when the run has named projects. */
  project?: string
  /** The error's first line: `LeakError: test left ...`. */
  error: string
  /** `file:line:column` of the code frame Vitest drew (the first `❯` line). */
  at: string
  /** The whole block: error, code frame, stack lines. */
  body: string
}

/**
 * Reads Vitest's "Failed Tests" section. Each error block starts with one or
 * more ` FAIL  file > name` headers (Vitest prints an error shared by several
 * tests once, under all their headers), then the error and its code frame.
 */
export function reportedErrors(output: string): Reported[] {
  const start = output.indexOf('Failed Tests')
  const section = output.slice(output.indexOf('\n', start) + 1)
  const errors: Reported[] = []
  for (const chunk of section.split(/^⎯+(?:\[\d+\/\d+\])?⎯*$/m)) {
    const lines = chunk.split('\n')
    const headers = lines.filter((line) => line.startsWith(' FAIL  '))
    // Vitest prints a failed test's annotations under each of its errors (`❯ vitest-loop`, then `↳ message`
    // lines): the timeline picture's (src/vitest/attach.ts) is not part of the error.
    const rest = lines.filter((line) => !line.startsWith(' FAIL  ') && line.trim() !== '' && !/^\s*(❯ vitest-loop|↳ timeline of |↳ Chrome trace of )/.test(line))
    if (headers.length === 0 || rest.length === 0) continue
    const frame = rest.find((line) => line.trim().startsWith('❯'))
    const at = frame?.trim().split(' ').at(-1) ?? ''
    for (const header of headers) {
      // Vitest 5 names the attempts of a retried test that failed with this error after its name,
      // `(initial run, 1st retry)`, where Vitest 4.1 repeats the header once per attempt: one entry each.
      const named = header.split(' > ').at(-1)!.trim()
      const attempts = attemptsSuffix.exec(named)
      const test = attempts === null ? named : named.slice(0, attempts.index)
      const project = /^ FAIL {2}\|([^|]+)\| /.exec(header)?.[1]
      for (let i = 0; i < (attempts?.[1]!.split(', ').length ?? 1); i++) {
        errors.push({ test, ...(project === undefined ? {} : { project }), error: rest[0]!, at, body: rest.join('\n') })
      }
    }
  }
  return errors
}
