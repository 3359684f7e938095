import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { newEventLoop } from 'vitest-loop/core'
import { buildReport, findingError, inspectLoop, locate, summarize } from '../../src/check/index.ts'
import type { Finding } from '../../src/check/index.ts'
import { Trace } from '../../src/loop/trace.ts'

const here = new URL(import.meta.url).pathname
const source = readFileSync(here, 'utf8').split('\n')
/** The 1-based line holding `marker` (a comment next to the call under test). */
const lineOf = (marker: string): number => source.findIndex((line) => line.includes(marker)) + 1

function kinds(findings: Finding[]): string[] {
  return findings.map((f) => f.kind)
}

describe('inspectLoop', () => {
  it('finds nothing on a loop that finished its work', async () => {
    const loop = newEventLoop()
    await loop.runUntilComplete(loop.sleep(10))
    loop.close()
    expect(inspectLoop(loop._snapshot(), 'user')).toEqual([])
  })

  it('reports an unclosed user loop at the line that made it', () => {
    const loop = newEventLoop() // @unclosed
    const [finding] = inspectLoop(loop._snapshot(), 'user')
    expect(finding?.kind).toBe('unclosed-loop')
    expect(finding?.frames[0]).toMatchObject({ file: here, line: lineOf('// @unclosed') })
    expect(finding?.message).toMatch(/^loop #\d+ was created in this test and never closed: call loop.close\(\)/)
    loop.close()
  })

  it('reports a never-started loop with where its first work was scheduled', () => {
    const loop = newEventLoop()
    loop.callSoon(() => {}) // @first-work
    loop.close()
    const findings = inspectLoop(loop._snapshot(), 'user')
    expect(kinds(findings)).toEqual(['never-started'])
    expect(findings[0]?.message).toContain(`first scheduled at ${relative(process.cwd(), here)}:${lineOf('// @first-work')}:10`)
  })

  it('does not call the test loop unclosed or never started', () => {
    const loop = newEventLoop()
    loop.callSoon(() => {})
    expect(kinds(inspectLoop(loop._snapshot(), 'test'))).toEqual(['pending-callback'])
    loop.close()
  })

  it('reports pending tasks, timers and callbacks in that order, unref\'d handles exempt', () => {
    const loop = newEventLoop()
    loop.callLater(500, function tick() {})
    loop.callSoon(() => {})
    const quiet = loop.callLater(100, () => {})
    quiet.unref()
    loop.createTask(() => loop.sleep(1000), { name: 'sleeper' })
    const findings = inspectLoop(loop._snapshot(), 'test')
    // The task has not started yet: its start is reported as the task, never as a callback.
    expect(kinds(findings)).toEqual(['pending-task', 'pending-callback', 'pending-timer'])
    expect(findings[0]?.message).toBe("pending Task 'sleeper' is not done: await it, or cancel it with task.cancel()")
    expect(findings[2]?.message).toContain('pending loop.callLater(500 ms, tick) due at 500 ms of loop time (now 0 ms)')
    loop.close()
  })

  it('reports an exception never retrieved and a callback that threw, with the error as cause', async () => {
    const loop = newEventLoop()
    const boom = new Error('boom')
    loop.createTask(async () => {
      throw boom
    }, { name: 'doomed' })
    loop.callSoon(() => {
      throw new TypeError('bad callback')
    })
    await loop.advance(0)
    const findings = inspectLoop(loop._snapshot(), 'test')
    expect(kinds(findings)).toEqual(['exception-never-retrieved', 'callback-error'])
    expect(findings[0]?.error).toBe(boom)
    expect(findings[0]?.message).toContain("Task 'doomed' failed and its exception was never retrieved (Error: boom)")
    expect(findings[1]?.message).toContain('loop.callSoon(anonymous) callback threw TypeError: bad callback')
    loop.close()
  })
})

describe('summarize', () => {
  it('counts findings per kind in report order', async () => {
    const loop = newEventLoop()
    loop.callLater(1, () => {})
    loop.callLater(2, () => {})
    loop.createTask(() => loop.sleep(5))
    const findings = inspectLoop(loop._snapshot(), 'test')
    expect(summarize(findings, loop)).toBe('test left 1 pending task and 2 pending timers on its loop')
    expect(summarize(findings)).toBe('test left 1 pending task and 2 pending timers')
    loop.close()
  })
})

describe('buildReport', () => {
  it('leads with the summary at the test site, then one LeakError per finding whose stack is the user frames', () => {
    const loop = newEventLoop()
    loop.callLater(1000, () => {}) // @report-timer
    const findings = inspectLoop(loop._snapshot(), 'test')
    const [summary, timer] = buildReport(findings, { fn: 't', file: '/x.test.ts', line: 3, column: 1, text: 't (/x.test.ts:3:1)' }, loop)
    expect(summary?.name).toBe('LeakError')
    expect(summary?.stack).toBe('LeakError: test left 1 pending timer on its loop\n    at t (/x.test.ts:3:1)')
    expect(timer?.stack?.split('\n')[1]).toContain(`${here}:${lineOf('// @report-timer')}:10`)
    expect(timer?.stack).not.toContain('/src/loop/')
    loop.close()
  })
})

describe('findingError', () => {
  it("names the dependency's line, and its frames as the stack, when the trace holds none of the user's (a library deeper than the capture)", () => {
    const lib = join(process.cwd(), 'node_modules', 'lib', 'index.js')
    const { frames, via } = locate(new Trace({ stack: `Error\n    at tick (${lib}:10:5)\n    at run (${lib}:20:3)` }))
    expect(frames).toEqual([])
    const error = findingError({ kind: 'pending-timer', message: 'test left a pending timer', frames, via, loop: undefined })
    expect(error.message).toBe(`test left a pending timer (made inside a dependency at ${join('node_modules', 'lib', 'index.js')}:10:5)`)
    expect(error.stack?.split('\n').slice(1)).toEqual([`    at tick (${lib}:10:5)`, `    at run (${lib}:20:3)`])
  })
})
