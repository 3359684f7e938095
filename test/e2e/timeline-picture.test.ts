// A failing test's loop as a picture, seen from the outside: a nested Vitest
// on test/fixtures/timeline-picture with the default and the HTML reporters.
// The HTML report carries the SVG timeline as an attachment of each failing
// test that used its loop (read back as XML: its lanes and labels); the
// default reporter lists it under the failure; the run ends with the plugin's
// one-line summary, which --silent keeps quiet. `attach` picks which tests.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allElements, parseXml } from '../helpers/xml.ts'
import { fixturesDir, runVitest } from './run-vitest.ts'
import type { NestedRun } from './run-vitest.ts'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** `file:line:column` of the code on the fixture line marked `// site: <marker>`. */
function site(marker: string): string {
  const lines = readFileSync(`${fixturesDir}timeline-picture/poller.test.ts`, 'utf8').split('\n')
  const line = lines.findIndex((text) => text.trimEnd().endsWith(`// site: ${marker}`))
  const column = lines[line]!.indexOf('setTimeout') + 1
  return `poller.test.ts:${line + 1}:${column}`
}

/** Runs the fixture with the HTML reporter into a new folder; returns the run and the report's attachments. */
async function runWithHtml(env: Record<string, string>, args: string[] = []): Promise<{ run: NestedRun; svgs: string[]; strings: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vitest-loop-html-'))
  dirs.push(dir)
  const run = await runVitest(
    'timeline-picture',
    ['--reporter=default', '--reporter=html', `--outputFile.html=${dir}/index.html`, `--attachmentsDir=${dir}/attachments`, ...args],
    env,
  )
  // The report's data: flatted JSON (an array of the values, strings stored once), gzipped.
  const values = JSON.parse(gunzipSync(readFileSync(`${dir}/html.meta.json.gz`)).toString('utf8')) as unknown[]
  const strings = values.filter((value): value is string => typeof value === 'string')
  const svgs = strings.map((s) => (/^[A-Za-z0-9+/=]{200,}$/.test(s) ? Buffer.from(s, 'base64').toString('utf8') : '')).filter((s) => s.startsWith('<svg'))
  return { run, svgs, strings }
}

const texts = (svg: string): string[] => allElements(parseXml(svg)).filter((e) => e.name === 'text').map((e) => e.text)

describe("attach: 'on-failure' (the default), with the HTML reporter", () => {
  let run: NestedRun
  let svgs: string[]
  let strings: string[]
  beforeAll(async () => {
    ;({ run, svgs, strings } = await runWithHtml({}))
  }, 60_000)

  it('fails the two tests meant to fail', () => {
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/Tests {2}2 failed \| 2 passed \(4\)/)
  })

  it('puts one SVG timeline per failing test in the HTML report, as an image/svg+xml attachment', () => {
    expect(svgs).toHaveLength(2)
    expect(strings).toContain('image/svg+xml')
    expect(strings).toContain('vitest-loop')
    const [leak, assertion] = [svgs.find((s) => s.includes('leaves a retry timer behind'))!, svgs.find((s) => s.includes('fails an assertion'))!]
    expect(texts(leak)).toEqual(
      expect.arrayContaining([
        'poller.test.ts > leaves a retry timer behind',
        `setTimeout ${site('leaked')} (1 pending)`,
        `setTimeout ${site('first tick')}`,
        `setTimeout ${site('tick')}`,
        'end 5 s',
      ]),
    )
    expect(texts(assertion)).toEqual(expect.arrayContaining(['poller.test.ts > fails an assertion after using its loop', 'end 1 s']))
    expect(texts(assertion).some((t) => t.includes('pending)'))).toBe(false)
  })

  it('lists the attachment under each failure in the default reporter', () => {
    const listed = run.output.match(/❯ vitest-loop\n\s+↳ timeline of the test loop \(SVG, in Vitest UI and the HTML report\): \d+ events, \d left pending at [\d,]+ ms/g)
    // The leak test's report is two errors, each printed with the test's annotations.
    expect(listed).toHaveLength(3)
    expect(run.output).toContain('timeline of the test loop (SVG, in Vitest UI and the HTML report): 11 events, 1 left pending at 5,000 ms')
  })

  it('ends with the one-line summary', () => {
    expect(run.output).toMatch(/^vitest-loop: 4 tests on virtual time; 6\.3 s simulated in (\d+ ms|[\d.]+ s); 1 leak in 1 test$/m)
  })
})

describe('attach and summary options', () => {
  it("attaches for every test that used its loop with 'always' (in debug mode the Chrome trace too), and --silent prints no summary", async () => {
    const { run, svgs, strings } = await runWithHtml({ VITEST_LOOP_ATTACH: 'always', LOOP_DEBUG: '1' }, ['--silent'])
    const traces = strings
      .filter((s) => /^[A-Za-z0-9+/=]{200,}$/.test(s))
      .map((s) => Buffer.from(s, 'base64').toString('utf8'))
      .filter((s) => s.startsWith('{"traceEvents":'))
    expect(traces).toHaveLength(3)
    expect(strings).toContain('application/json')
    expect(run.output).toMatch(/Tests {2}2 failed \| 2 passed \(4\)/)
    // The test that never touched its loop has nothing to draw.
    expect(svgs.map((svg) => texts(svg)[0])).toEqual([
      'poller.test.ts > leaves a retry timer behind',
      'poller.test.ts > fails an assertion after using its loop',
      'poller.test.ts > passes after using its loop',
    ])
    expect(run.output).not.toContain('vitest-loop: ')
  }, 60_000)

  it("attaches nothing with 'never'", async () => {
    const { run, svgs } = await runWithHtml({ VITEST_LOOP_ATTACH: 'never' })
    expect(run.output).toMatch(/Tests {2}2 failed \| 2 passed \(4\)/)
    expect(svgs).toEqual([])
    expect(run.output).not.toContain('❯ vitest-loop')
    expect(run.output).toMatch(/^vitest-loop: 4 tests on virtual time; 6\.3 s simulated in (\d+ ms|[\d.]+ s); 1 leak in 1 test$/m)
  }, 60_000)
})
