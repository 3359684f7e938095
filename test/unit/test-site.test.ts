// The test's own line that heads its report (src/vitest/test-site.ts): taken
// from a capture made as the collector takes the test, or from task.location
// when Vitest has it. The end-to-end leak zoo checks the lines against a real
// Vitest (nested describe blocks, test.each, test.extend, test.for).
import type { RunnerTestCase } from 'vitest'
import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { testSite, watchCollector } from '../../src/vitest/test-site.ts'

const file = fileURLToPath(import.meta.url)

/** A collector as Vitest 4.1 and 5 make them: a `tasks` array it pushes onto. */
const collector = () => ({ type: 'collector', tasks: [] as unknown[] })

/** A test task as the collector pushes it (the site is read from this file's frames). */
function task(name: string, location?: { line: number; column: number }): RunnerTestCase {
  return { type: 'test', name, file: { filepath: file }, ...(location ? { location } : {}) } as unknown as RunnerTestCase
}

/** The line of the call below it. */
const nextLine = (): number => Number(/:(\d+):\d+\)?$/.exec(new Error().stack!.split('\n')[2]!)![1]) + 1

describe('testSite', () => {
  it('points at the line that pushed the test onto a watched collector, in its nested collectors too', () => {
    const root = collector()
    watchCollector(root)
    const nested = collector()
    root.tasks.push(nested)
    watchCollector(root) // a second watch (the setup file runs again) wraps nothing twice
    const top = task('top')
    const inner = task('inner (nested)')
    const lineTop = nextLine()
    root.tasks.push(top)
    const lineInner = nextLine()
    nested.tasks.push(inner)
    expect(root.tasks).toEqual([nested, top])
    expect(nested.tasks).toEqual([inner])
    expect(testSite(top)).toMatchObject({ fn: 'top', file, line: lineTop, column: 16 })
    // Parentheses would confuse the stack parsers that read the frame back.
    expect(testSite(inner)).toMatchObject({ fn: 'inner nested', line: lineInner, column: 18 })
    expect(testSite(inner)!.text).toBe(`inner nested (${file}:${lineInner}:18)`)
    expect(Object.keys(root.tasks)).toEqual(['0', '1']) // its push is hidden
  })

  it("uses task.location when Vitest has it (includeTaskLocation), and captures nothing then", () => {
    const root = collector()
    watchCollector(root)
    const located = task('located', { line: 7, column: 3 })
    root.tasks.push(located)
    expect(testSite(located)).toMatchObject({ file, line: 7, column: 3, text: `located (${file}:7:3)` })
    // Nothing was captured for it: without its location it falls back to the file's first line.
    delete (located as { location?: unknown }).location
    expect(testSite(located)).toMatchObject({ file, line: 1, column: 1 })
  })

  it("falls back to the file's first line for a test it never saw collected", () => {
    expect(testSite(task('unseen'))).toMatchObject({ file, line: 1, column: 1 })
  })

  it('leaves what is not an array of tasks alone', () => {
    expect(() => watchCollector(undefined)).not.toThrow()
    const odd = { type: 'collector', tasks: 'not an array' }
    watchCollector(odd)
    expect(odd.tasks).toBe('not an array')
  })
})
