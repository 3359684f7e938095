// Every pool × environment, seen from the outside: a nested Vitest on
// test/fixtures/environments, one project per pool × environment (and two
// with isolate: false), one nested run per pool. In each project every clean
// test passes and each leak is reported at its file:line:column.
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { fixturesDir, nestedRunTimeout, reportedErrors, runVitest } from './run-vitest.ts'
import type { NestedRun, Reported } from './run-vitest.ts'

/** `file:line:column` of the code on the line marked `// site: <marker>` in a fixture file. */
function site(file: string, marker: string): string {
  const lines = readFileSync(`${fixturesDir}environments/${file}`, 'utf8').split('\n')
  const line = lines.findIndex((text) => text.trimEnd().endsWith(`// site: ${marker}`))
  if (line === -1) throw new Error(`no line marked '// site: ${marker}' in ${file}`)
  return `${file}:${line + 1}:${lines[line]!.search(/\S/) + 1}`
}

const timerLeak = (): [string, string, string][] => [
  ['leaves a timer behind', 'LeakError: test left 1 pending timer on its loop', site('matrix.test.ts', 'test')],
  [
    'leaves a timer behind',
    'LeakError: pending setTimeout(anonymous, 5,000 ms) due at 5,000 ms of loop time (now 0 ms) on the test loop: ' +
      'clear it before the test ends, or unref() it if it may outlive the test',
    site('matrix.test.ts', 'timer'),
  ],
]

const frameLeak = (): [string, string, string][] => [
  ['leaves an animation frame behind', 'LeakError: test left 1 pending timer on its loop', site('dom.test.ts', 'test')],
  [
    'leaves an animation frame behind',
    'LeakError: pending requestAnimationFrame(paint) due at 16 ms of loop time (now 0 ms) on the test loop: ' +
      'cancel it with cancelAnimationFrame() before the test ends',
    site('dom.test.ts', 'frame'),
  ],
]

interface Pool {
  pool: string
  /** Projects run in this pool: [name, has a DOM]. */
  projects: [string, boolean][]
  /** The project whose files share one worker (isolate: false), if any. */
  shared?: string
  tests: string
}

const pools: Pool[] = [
  {
    pool: 'forks',
    projects: [['forks-node', false], ['forks-jsdom', true], ['forks-happy-dom', true], ['forks-node-shared', false]],
    shared: 'forks-node-shared',
    tests: 'Tests  6 failed | 32 passed (38)',
  },
  {
    pool: 'threads',
    projects: [['threads-node', false], ['threads-jsdom', true], ['threads-happy-dom', true], ['threads-happy-dom-shared', true]],
    shared: 'threads-happy-dom-shared',
    tests: 'Tests  7 failed | 34 passed (41)',
  },
  {
    pool: 'vmThreads',
    projects: [['vmThreads-node', false], ['vmThreads-jsdom', true], ['vmThreads-happy-dom', true]],
    tests: 'Tests  5 failed | 22 passed (27)',
  },
]

describe.each(pools)('the $pool pool (test/fixtures/environments)', ({ pool, projects, shared, tests }) => {
  let run: NestedRun
  let reported: Reported[]
  beforeAll(async () => {
    run = await runVitest('environments', ['--project', `${pool}-*`])
    reported = reportedErrors(run.output)
  }, nestedRunTimeout)

  it('fails exactly the leaking tests, and passes every other', () => {
    expect(run.output).toContain(tests)
    expect(run.code).toBe(1)
  })

  it.for(projects)('reports each leak of %s at its line', ([project, dom]) => {
    const ours = reported.filter((r) => r.project === project).map((r) => [r.test, r.error, r.at])
    expect(ours.sort()).toEqual([...timerLeak(), ...(dom ? frameLeak() : [])].sort())
  })

  // Defined only for the pools that have such a project: vmThreads ignores isolate.
  if (shared !== undefined) {
    it(`installs virtual time once in a worker whose files share the globals (${shared})`, () => {
      // shared*.test.ts assert it themselves (one installation, the same functions, one
      // rejection listener); this checks they did run in one worker.
      const files = ['shared.test.ts', 'shared-too.test.ts']
      const both = [files.join(', '), [...files].reverse().join(', ')].map((list) => list.replaceAll('.', '\\.')).join('|')
      expect(run.output).toMatch(new RegExp(`^${shared}: files that shared this worker: (${both})$`, 'm'))
    })
  }
})
