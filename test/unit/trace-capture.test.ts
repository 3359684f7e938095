// Creation traces: every handle, task and loop knows the user's line that made
// it (frames of vitest-loop itself are dropped), and capture can be turned off.
import { describe, expect, it } from 'vitest'
import { getRunningLoop, getTraceCapture, LoopLimitError, newEventLoop, run, setTraceCapture } from 'vitest-loop'
import type { StackFrame, Trace } from 'vitest-loop'
import { isHiddenFile, parseFrames } from '../../src/loop/trace.ts'
import { rejection } from '../helpers/errors.ts'
import { printedSiteOf, siteOf } from '../helpers/site.ts'

const here = (marker: string): string => siteOf(import.meta.url, marker)

/** `path:line` of a trace's site (the first frame outside vitest-loop). */
function siteLine(trace: Trace | undefined): string {
  const site: StackFrame | undefined = trace?.site
  return site === undefined ? 'no site' : `${site.file}:${site.line}`
}

describe('creation traces', () => {
  it('point Handle.trace, TimerHandle.trace, Task.trace and loop.trace at the line that made them', () => {
    const loop = newEventLoop() // site: loop
    const soon = loop.callSoon(() => {}) // site: callSoon
    const later = loop.callLater(10, () => {}) // site: callLater
    const at = loop.callAt(10, () => {}) // site: callAt
    const threadsafe = loop.callSoonThreadsafe(() => {}) // site: callSoonThreadsafe
    const task = loop.createTask(() => 1) // site: createTask
    expect(siteLine(loop.trace)).toBe(here('loop'))
    expect(siteLine(soon.trace)).toBe(here('callSoon'))
    expect(siteLine(later.trace)).toBe(here('callLater'))
    expect(siteLine(at.trace)).toBe(here('callAt'))
    expect(siteLine(threadsafe.trace)).toBe(here('callSoonThreadsafe'))
    expect(siteLine(task.trace)).toBe(here('createTask'))
    loop.runUntilIdleSync()
    loop.close()
  })

  it('point the timers behind sleep() and timeout() at their callers', () => {
    const loop = newEventLoop()
    void loop.sleep(1000) // site: sleep
    void loop.timeout(2000, new Promise(() => {})) // site: timeout
    const [sleepTimer, timeoutTimer] = loop._snapshot().handles
    expect(siteLine(sleepTimer!.trace)).toBe(here('sleep'))
    expect(siteLine(timeoutTimer!.trace)).toBe(here('timeout'))
    loop.close()
  })

  it('point the task run() makes of main at the run() call', async () => {
    let trace: Trace | undefined
    await run(async () => { // site: run
      trace = getRunningLoop().currentTask()!.trace
    })
    expect(siteLine(trace)).toBe(here('run'))
  })

  it('point a task created by runUntilComplete(fn) at that call', async () => {
    const loop = newEventLoop()
    let task: unknown
    await loop.runUntilComplete(async () => { // site: runUntilComplete
      task = loop.currentTask()
    })
    expect(siteLine((task as { trace: Trace }).trace)).toBe(here('runUntilComplete'))
    loop.close()
  })

  it('point through a helper of the user to the helper line, and keep the caller in frames', () => {
    const loop = newEventLoop()
    const schedule = () => loop.callLater(5, () => {}) // site: helper
    const handle = schedule() // site: helper caller
    expect(siteLine(handle.trace)).toBe(here('helper'))
    const lines = handle.trace!.frames.map((frame) => `${frame.file}:${frame.line}`)
    expect(lines.slice(0, 2)).toEqual([here('helper'), here('helper caller')])
    loop.close()
  })

  it("reach the test's line under 15 frames of a library (the compat corpus's deepest: async's series, the test's line 15th)", () => {
    const loop = newEventLoop()
    const library = (depth: number): unknown => (depth === 1 ? loop.callLater(5, () => {}) : library(depth - 1))
    const handle = library(15) as { trace: Trace } // site: under a library
    expect(handle.trace.frames.map((frame) => `${frame.file}:${frame.line}`)).toContain(here('under a library'))
    loop.close()
  })

  it('drop the frames of vitest-loop itself, but keep them in the raw trace', () => {
    const loop = newEventLoop()
    const task = loop.createTask(() => 1)
    const trace = task.trace!
    expect(trace.frames.every((frame) => !frame.file.includes('/src/loop/'))).toBe(true)
    expect(trace.toString().split('\n')[0]).toMatch(/^ {4}at .*trace-capture\.test\.ts:\d+:\d+\)?$/)
    loop.runUntilIdleSync()
    loop.close()
  })

  it('name the creation line in a LoopLimitError', async () => {
    const loop = newEventLoop({ loopLimit: 3 })
    const again = (): void => {
      loop.callSoon(again) // site: runaway
    }
    loop.callSoon(again)
    const error = await rejection(loop.runUntilIdle())
    expect(error).toBeInstanceOf(LoopLimitError)
    expect((error as Error).message).toContain(`created at ${printedSiteOf(import.meta.url, 'runaway')}:`)
    loop.close()
  })

  it('are not captured after setTraceCapture(false), until it is turned back on', async () => {
    expect(getTraceCapture()).toBe(true)
    setTraceCapture(false)
    try {
      expect(getTraceCapture()).toBe(false)
      const loop = newEventLoop({ loopLimit: 3 })
      const soon = loop.callSoon(() => {})
      const later = loop.callLater(1, () => {})
      const task = loop.createTask(() => 1)
      expect([loop.trace, soon.trace, later.trace, task.trace]).toEqual([undefined, undefined, undefined, undefined])
      expect(String(task)).toBe("Task 'Task-1' (pending) created at an unknown place (trace capture was off)")
      const again = (): void => {
        loop.callSoon(again)
      }
      loop.callSoon(again)
      const error = await rejection(loop.runUntilIdle())
      expect((error as Error).message).toBe(
        'Aborting after running 3 callbacks (loopLimit), assuming an infinite loop; the last was a callback created at an unknown place (trace capture was off)',
      )
      loop.close()
    } finally {
      setTraceCapture(true)
    }
    expect(getTraceCapture()).toBe(true)
    const loop = newEventLoop()
    expect(loop.callSoon(() => {}).trace).toBeDefined()
    loop.close()
  })
})

describe('parseFrames / isHiddenFile', () => {
  it('parse V8 frames with and without a function name, async ones and file URLs', () => {
    const frames = parseFrames(
      [
        '    at helper (/work/app/test/a.test.ts:3:7)',
        '    at async Promise.all (index 0)',
        '    at /work/app/test/b.test.ts:10:1',
        '    at async run (file:///work/app/src/c.ts:5:9)',
      ].join('\n'),
    )
    expect(frames.map(({ fn, file, line, column }) => ({ fn, file, line, column }))).toEqual([
      { fn: 'helper', file: '/work/app/test/a.test.ts', line: 3, column: 7 },
      { fn: '', file: '/work/app/test/b.test.ts', line: 10, column: 1 },
      { fn: 'run', file: '/work/app/src/c.ts', line: 5, column: 9 },
    ])
  })

  it("hide Node's internals and anonymous code, but not the user's files, Windows paths included", () => {
    expect(isHiddenFile('node:internal/timers')).toBe(true)
    expect(isHiddenFile('<anonymous>')).toBe(true)
    expect(isHiddenFile('/work/app/test/a.test.ts')).toBe(false)
    expect(isHiddenFile('C:\\work\\app\\test\\a.test.ts')).toBe(false)
    const [frame] = parseFrames('    at Object.<anonymous> (C:\\work\\app\\test\\a.test.ts:3:7)')
    expect(frame).toMatchObject({ file: 'C:\\work\\app\\test\\a.test.ts', line: 3, column: 7 })
    expect(isHiddenFile(frame!.file)).toBe(false)
  })
})
