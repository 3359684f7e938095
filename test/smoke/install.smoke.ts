// The package as a new user meets it: `npm pack`, a fresh project with Vitest,
// then `npm install` of the tarball with no flags, the one plugin line, a
// leaking test and a clean one. Run with `npm run smoke` (not part of
// `npm test`: it builds, packs and installs, which takes a while).
//
// The project gets the Vitest this repository tests with, or the one
// VITEST_LOOP_SMOKE_VITEST names (an npm version spec: .ci/run passes `5`, the
// latest 5.x), with the @types/node of the Node running this.
import { execFile, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reportedErrors } from '../e2e/run-vitest.ts'
import type { NestedRun } from '../e2e/run-vitest.ts'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const template = path.join(repo, 'test/fixtures/smoke-project')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const exec = promisify(execFile)

/** The versions this repository tests with, so the project gets the same ones. */
const versionOf = (name: string): string =>
  (JSON.parse(readFileSync(path.join(repo, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version

const vitestSpec = process.env.VITEST_LOOP_SMOKE_VITEST ?? versionOf('vitest')
/** Vitest 5 wants @types/node 22 or later: the project takes the one of the running Node. */
const typesNodeSpec = process.env.VITEST_LOOP_SMOKE_VITEST === undefined ? versionOf('@types/node') : process.versions.node.split('.')[0]!

/** `line:column` of the code marked `// <marker>` in a template file (the column of its first non-blank character). */
function siteOf(file: string, marker: string): string {
  const lines = readFileSync(path.join(template, file), 'utf8').split('\n')
  const line = lines.findIndex((text) => text.includes(`// ${marker}`))
  if (line === -1) throw new Error(`no line marked '// ${marker}' in ${file}`)
  return `${file}:${line + 1}:${lines[line]!.search(/\S/) + 1}`
}

/** Runs a command in the project; resolves with what it printed and its exit code. */
function run(command: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<NestedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1', VITEST: undefined, VITEST_MODE: undefined, ...extraEnv } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // Each stream apart, stderr after stdout: Vitest prints the summary on
    // stdout and the failed tests on stderr, and the order in which chunks of
    // the two pipes arrive varies with the load of the machine.
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ output: stdout + stderr, code }))
  })
}

describe('the packed package, installed in a fresh project', () => {
  let work: string
  let project: string
  let vitestBin: string
  let packed: string[]
  let vitestVersion: string

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'vitest-loop-smoke-'))
    project = path.join(work, 'project')
    cpSync(template, project, { recursive: true, filter: (source) => !source.includes('node_modules') })
    // `npm pack` runs prepack, which builds dist/.
    const { stdout } = await exec(npm, ['pack', '--json', '--pack-destination', work], { cwd: repo })
    const [{ filename, files }] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }]
    packed = files.map((file) => file.path)
    // The project first has its Vitest, as a user's would...
    const vitest = await run(
      npm,
      [
        'install',
        '--save-dev',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        `vitest@${vitestSpec}`,
        `@types/node@${typesNodeSpec}`,
        `jsdom@${versionOf('jsdom')}`,
        `happy-dom@${versionOf('happy-dom')}`,
      ],
      project,
    )
    if (vitest.code !== 0) throw new Error(`npm install of vitest failed:\n${vitest.output}`)
    // ...then vitest-loop, with no flags: its peers must accept that Vitest.
    const install = await run(npm, ['install', '--save-dev', path.join(work, filename)], project)
    if (install.code !== 0) throw new Error(`npm install of the tarball failed:\n${install.output}`)
    vitestVersion = (JSON.parse(readFileSync(path.join(project, 'node_modules/vitest/package.json'), 'utf8')) as { version: string }).version
    vitestBin = path.join(project, 'node_modules/vitest/vitest.mjs')
  }, 240_000)

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true })
  }, 60_000)

  it('packs dist/ (entry files, the bundle with its source maps, declarations) and the sources the maps point to, and no tests', () => {
    for (const entry of ['index', 'core', 'setup', 'plugin', 'global-setup']) {
      expect(packed).toContain(`dist/${entry}.js`)
      expect(packed).toContain(`dist/${entry}.d.ts`)
      expect(packed).toContain(`dist/${entry}.d.ts.map`)
      expect(packed).toContain(`src/${entry}.ts`)
    }
    // The bundle (scripts/bundle.mjs): every file has its map, and every source a map names is packed.
    const bundle = packed.filter((file) => /^dist\/lib\/[^/]+\.js$/.test(file))
    expect(bundle).toEqual(expect.arrayContaining(['index', 'core', 'plugin', 'global-setup', 'setup-file'].map((entry) => `dist/lib/${entry}.js`)))
    for (const file of bundle) {
      expect(packed).toContain(`${file}.map`)
      const map = JSON.parse(readFileSync(path.join(project, 'node_modules/vitest-loop', `${file}.map`), 'utf8')) as { sources: string[] }
      for (const source of map.sources) expect(packed).toContain(path.posix.join('dist/lib', source))
    }
    expect(packed.filter((file) => !/^(dist|src)\/|^(package\.json|README\.md|LICENSE)$/.test(file))).toEqual([])
    expect(packed.filter((file) => file.includes('.test.'))).toEqual([])
  })

  it('installs the Vitest asked for, and @vitest/runner only where Vitest has one (an optional peer)', () => {
    if (process.env.VITEST_LOOP_SMOKE_VITEST !== undefined) {
      expect(vitestVersion.split('.')[0]).toBe(process.env.VITEST_LOOP_SMOKE_VITEST.split('.')[0])
    } else {
      expect(vitestVersion).toBe(versionOf('vitest'))
    }
    // Vitest 4.1 depends on its @vitest/runner (hoisted next to it); Vitest 5 has its runner inside.
    const runner = path.join(project, 'node_modules/@vitest/runner/package.json')
    if (Number(vitestVersion.split('.')[0]) >= 5) {
      expect(existsSync(runner)).toBe(false)
    } else {
      expect((JSON.parse(readFileSync(runner, 'utf8')) as { version: string }).version).toBe(vitestVersion)
      expect(existsSync(path.join(project, 'node_modules/vitest/node_modules/@vitest/runner'))).toBe(false)
    }
  })

  it('packs the MIT LICENSE', () => {
    expect(packed).toContain('LICENSE')
    expect(readFileSync(path.join(project, 'node_modules/vitest-loop/LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 vitest-loop contributors\n/)
  })

  it('with loopPlugin(): fails the leaking test at the leaking line and passes the clean one', async () => {
    const result = await run(process.execPath, [vitestBin, 'run'], project)
    expect(result.output).toContain(`RUN  v${vitestVersion} `)
    expect(result.output).toMatch(/Tests {2}1 failed \| 3 passed \(4\)/)
    expect(result.code).toBe(1)
    expect(reportedErrors(result.output).map((r) => [r.test, r.error, r.at])).toEqual([
      ['leaves a timer behind', 'LeakError: test left 1 pending timer on its loop', siteOf('leak.test.ts', 'test: here')],
      [
        'leaves a timer behind',
        'LeakError: pending setTimeout(anonymous, 5,000 ms) due at 5,000 ms of loop time (now 0 ms) on the test loop: ' +
          'clear it before the test ends, or unref() it if it may outlive the test',
        siteOf('leak.test.ts', 'leak: here'),
      ],
    ])
    expect(result.output).toContain('✓ clean.test.ts (3 tests)')
    // The report shows the user's frames, never the package's own.
    expect(result.output).not.toContain('node_modules/vitest-loop')
  })

  it.for(['--pool=threads', '--pool=vmThreads', '--environment=jsdom', '--environment=happy-dom --pool=vmThreads', '--no-isolate --pool=forks'])(
    'works the same with %s',
    async (flags) => {
      const args = flags.split(' ')
      const result = await run(process.execPath, [vitestBin, 'run', ...args], project)
      expect(result.output).toMatch(/Tests {2}1 failed \| 3 passed \(4\)/)
      expect(reportedErrors(result.output).map((r) => r.at)).toEqual([siteOf('leak.test.ts', 'test: here'), siteOf('leak.test.ts', 'leak: here')])
      expect(result.output).not.toContain('node_modules/vitest-loop')
    },
  )

  it("with setupFiles: ['vitest-loop/setup'] instead of the plugin: the same report", async () => {
    const result = await run(process.execPath, [vitestBin, 'run', '--config', 'vitest.setup-file.config.ts'], project)
    expect(result.output).toMatch(/Tests {2}1 failed \| 3 passed \(4\)/)
    const reported = reportedErrors(result.output)
    expect(reported.map((r) => r.at)).toEqual([siteOf('leak.test.ts', 'test: here'), siteOf('leak.test.ts', 'leak: here')])
    // vitest-loop/global-setup provided the run's start instant: a whole second.
    expect(reported[0]!.body.split('\n')[1]).toMatch(/^replay: LOOP_NOW=\S+:\d\d\.000Z vitest run leak.test.ts -t "leaves a timer behind"$/)
  })

  describe('in a worker, the package loads as one script (src/load.ts)', () => {
    // A test file that prints how its worker loaded the package, and checks
    // that its entries share one copy: a class from one is the class of the other.
    const probe = [
      "import { expect, test } from 'vitest'",
      "import * as loop from 'vitest-loop'",
      "import * as core from 'vitest-loop/core'",
      "test('one copy of the package', () => {",
      '  expect(core.DeadlockError).toBe(loop.DeadlockError)',
      '  expect(loop.useLoop()).toBeInstanceOf(core.EventLoop)',
      "  console.log('load-info ' + JSON.stringify((globalThis as Record<symbol, unknown>)[Symbol.for('vitest-loop:load-info')]))",
      '})',
      // The script makes vitest-loop's `test` when first read (src/runtime.ts): its fixture still gives the test's loop.
      "loop.test('the test of vitest-loop, its loop fixture', ({ loop: fixture }) => {",
      '  expect(fixture).toBe(loop.useLoop())',
      '  expect(loop.test).toBe(loop.test)',
      '})',
      '',
    ].join('\n')
    const config = "import { defineConfig } from 'vitest/config'\nexport default defineConfig({ test: { include: ['probe/*.test.ts'], setupFiles: ['vitest-loop/setup'] } })\n"
    const cacheDir = (): string => path.join(project, 'node_modules/.cache/vitest-loop')

    afterAll(() => {
      rmSync(path.join(project, 'probe'), { recursive: true, force: true })
      rmSync(path.join(project, 'vitest.probe.config.ts'), { force: true })
    })

    /** The load info the probe printed, after a passing run with `flags`. */
    async function loadInfo(flags: string[], env: Record<string, string> = {}): Promise<{ route: string; cache: string; cacheFile?: string }> {
      mkdirSync(path.join(project, 'probe'), { recursive: true })
      writeFileSync(path.join(project, 'probe/probe.test.ts'), probe)
      writeFileSync(path.join(project, 'vitest.probe.config.ts'), config)
      const result = await run(process.execPath, [vitestBin, 'run', '--config', 'vitest.probe.config.ts', ...flags], project, env)
      expect(result.output).toMatch(/Tests {2}2 passed \(2\)/)
      const line = result.output.split('\n').find((text) => text.startsWith('load-info '))
      expect(line).toBeDefined()
      return JSON.parse(line!.slice('load-info '.length)) as { route: string; cache: string; cacheFile?: string }
    }

    it('on forks: compiled without a cache the first time, which the worker then writes; from the cache the next', async () => {
      rmSync(cacheDir(), { recursive: true, force: true })
      const first = await loadInfo(['--pool=forks'])
      expect(first).toMatchObject({ route: 'script', cache: 'miss' })
      expect(path.dirname(first.cacheFile!)).toBe(cacheDir())
      expect(readdirSync(cacheDir())).toEqual([path.basename(first.cacheFile!)])
      expect(await loadInfo(['--pool=forks'])).toEqual({ ...first, cache: 'hit' })
    })

    it('on threads: from the same cache', async () => {
      expect(await loadInfo(['--pool=threads'])).toMatchObject({ route: 'script', cache: 'hit' })
    })

    it('in the vm pools, whose tests have a context of their own: as ES modules', async () => {
      expect(await loadInfo(['--pool=vmThreads'])).toEqual({ route: 'modules', cache: 'off' })
    })

    it('where the cache cannot be written (its folder is a file here): no cache, and no error', async () => {
      rmSync(cacheDir(), { recursive: true, force: true })
      writeFileSync(cacheDir(), 'not a folder')
      try {
        expect(await loadInfo(['--pool=forks'])).toMatchObject({ route: 'script', cache: 'miss' })
        expect(readFileSync(cacheDir(), 'utf8')).toBe('not a folder')
      } finally {
        rmSync(cacheDir(), { force: true })
      }
    })

    it('VITEST_LOOP_CODE_CACHE=0 neither reads nor writes the cache; VITEST_LOOP_SCRIPT=0 takes the ES modules', async () => {
      rmSync(cacheDir(), { recursive: true, force: true })
      expect(await loadInfo(['--pool=forks'], { VITEST_LOOP_CODE_CACHE: '0' })).toEqual({ route: 'script', cache: 'off' })
      expect(existsSync(cacheDir())).toBe(false)
      expect(await loadInfo(['--pool=forks'], { VITEST_LOOP_SCRIPT: '0' })).toEqual({ route: 'modules', cache: 'off' })
    })
  })

  it('vitest-loop/core runs in plain Node, without Vitest', async () => {
    const result = await run(process.execPath, ['core.mjs'], project)
    expect(result).toEqual({ output: 'core: slept until 60000\n', code: 0 })
  })

  it("types `({ loop })` of the plain vitest test through the plugin's declarations (tsc, no skipLibCheck)", async () => {
    const tsc = path.join(repo, 'node_modules/typescript/bin/tsc')
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], project)
    // Other packages' declarations may not check against this @types/node
    // (happy-dom's do not); ours and the project's files must.
    const errors = result.output.split('\n').filter((line) => /^\S+\(\d+,\d+\): error/.test(line))
    expect(errors.filter((line) => !line.startsWith('node_modules/') || line.startsWith('node_modules/vitest-loop/'))).toEqual([])
    expect(result.output).not.toContain('vitest-loop')
  })
})
