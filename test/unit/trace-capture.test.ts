// Creation traces: every handle, task and loop knows the user's line that made
// it (frames of vitest-loop itself are dropped), and capture can be turned off.
import { describe, expect, it } from 'vitest'
import { getTraceCapture, LoopLimitError, newEventLoop, setTraceCapture } from 'vitest-loop'
import type { StackFrame, Trace } from 'vitest-loop'
import { rejection } from '../helpers/errors.ts'
import { siteOf } from '../helpers/site.ts'

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
    expect((error as Error).message).toContain(`created at ${here('runaway')}:`)
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
