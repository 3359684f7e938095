// The trace budget (issue 13): each loop traces its first `traces` creations
// (1,000 by default), numbers the ones past it, and a report about one of
// those says how to replay with full traces. LOOP_TRACES sets it for every
// loop, over the option; debug mode and a loop nearing loopLimit trace all.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LoopLimitError, newEventLoop, setTraceCapture } from 'vitest-loop'
import type { EventLoop, Handle } from 'vitest-loop'
import { buildReport, inspectLoop } from '../../src/check/index.ts'
import { envTraces } from '../../src/loop/internal/env.ts'
import { LightRecord, recordFired, recordScheduled } from '../../src/loop/timeline.ts'
import { defaultTraceBudget } from '../../src/loop/trace.ts'
import { validateOptions } from '../../src/vitest/options.ts'
import { expectError, rejection, thrown } from '../helpers/errors.ts'
import { printedSiteOf, siteOf } from '../helpers/site.ts'

beforeEach(() => {
  vi.stubEnv('LOOP_TRACES', '') // the budget these tests ask for, whatever the shell says
})

afterEach(() => {
  vi.unstubAllEnvs()
})

/** Makes `n` callSoon handles on `loop` and returns them. */
function make(loop: EventLoop, n: number): Handle[] {
  const handles: Handle[] = []
  for (let i = 0; i < n; i++) handles.push(loop.callSoon(() => {}))
  return handles
}

const tracedCount = (handles: Handle[]): number => handles.filter((handle) => handle.trace !== undefined).length

describe('the trace budget', () => {
  it('traces the first 1,000 creations of a loop and numbers the ones after', () => {
    const loop = newEventLoop()
    const handles = make(loop, 1002)
    expect(defaultTraceBudget).toBe(1000)
    expect(tracedCount(handles)).toBe(1000)
    expect(handles[999]!.trace).toBeDefined()
    expect(handles[1000]!.trace).toBeUndefined()
    expect(handles.slice(1000).map((handle) => handle._origin)).toEqual([1001, 1002])
    loop.close()
  })

  it('counts every kind of creation once: callSoon, callLater, callAt, createTask, sleep, timeout', () => {
    const loop = newEventLoop({ traces: 6 })
    loop.callSoon(() => {})
    loop.callLater(1, () => {})
    loop.callAt(2, () => {})
    const task = loop.createTask(() => 1)
    void loop.sleep(10)
    void loop.timeout(10, new Promise(() => {}))
    const seventh = loop.callSoon(() => {})
    expect(task.trace).toBeDefined()
    expect(seventh.trace).toBeUndefined()
    expect(seventh._origin).toBe(7)
    // The handle that starts a task carries the task's own origin: it is not counted.
    const pendingTimers = loop._snapshot().handles.filter((handle) => handle.trace === undefined)
    expect(pendingTimers).toEqual([seventh])
    expect(String(loop.createTask(() => 2))).toBe(
      "Task 'Task-2' (pending) created at an untraced place (creation #8 of its loop, past the ones it traces; LOOP_TRACES=all traces every one)",
    )
    loop.close()
  })

  it("takes the option `traces`: a number (0 traces none) or 'all'", () => {
    for (const [traces, expected] of [[3, 3], [0, 0], ['all', 1500]] as const) {
      const loop = newEventLoop({ traces })
      expect(tracedCount(make(loop, 1500))).toBe(expected)
      loop.close()
    }
  })

  it('rejects a bad `traces` with an error naming the value', () => {
    const message = (shown: string): string =>
      `Expected \`traces\` to be 'all' or a whole number of traced creations per loop (default 1000), got ${shown}`
    expectError(thrown(() => newEventLoop({ traces: -1 })), RangeError, message('`-1` (number)'))
    expectError(thrown(() => newEventLoop({ traces: 1.5 })), RangeError, message('`1.5` (number)'))
    expectError(thrown(() => newEventLoop({ traces: Number.NaN })), RangeError, message('`NaN` (number)'))
    expectError(thrown(() => newEventLoop({ traces: 'some' as 'all' })), RangeError, message("`'some'` (string)"))
    expectError(thrown(() => newEventLoop({ traces: true as unknown as number })), TypeError, message('`true` (boolean)'))
    expectError(thrown(() => validateOptions({ traces: -5 }, 'loopPlugin()')), RangeError, message('`-5` (number)'))
    expect(() => validateOptions({ traces: 'all' }, 'useLoop()')).not.toThrow()
  })

  it('takes LOOP_TRACES (all or a number) for every loop, over the option', () => {
    vi.stubEnv('LOOP_TRACES', '4')
    const four = newEventLoop({ traces: 'all' })
    expect(tracedCount(make(four, 10))).toBe(4)
    four.close()
    vi.stubEnv('LOOP_TRACES', 'all')
    const all = newEventLoop({ traces: 2 })
    expect(tracedCount(make(all, 1200))).toBe(1200)
    all.close()
  })

  it('reads LOOP_TRACES: all (any case), whole numbers; unset or empty is undefined; anything else names the value', () => {
    expect(envTraces({ LOOP_TRACES: 'all' })).toBe('all')
    expect(envTraces({ LOOP_TRACES: ' ALL ' })).toBe('all')
    expect(envTraces({ LOOP_TRACES: '0' })).toBe(0)
    expect(envTraces({ LOOP_TRACES: '2500' })).toBe(2500)
    expect(envTraces({ LOOP_TRACES: '' })).toBeUndefined()
    expect(envTraces({})).toBeUndefined()
    for (const bad of ['lots', '-1', '1.5', '1e3', 'true']) {
      expectError(
        thrown(() => envTraces({ LOOP_TRACES: bad })),
        RangeError,
        `Expected \`LOOP_TRACES\` to be 'all' or a whole number of traced creations per loop (default 1000), got "${bad}"`,
      )
    }
    vi.stubEnv('LOOP_TRACES', 'lots')
    expect(thrown(() => newEventLoop())).toBeInstanceOf(RangeError)
  })

  it('is lifted by debug mode, which traces every creation, and back when debug mode ends', () => {
    const loop = newEventLoop({ traces: 2 })
    loop.setDebug(true)
    expect(tracedCount(make(loop, 5))).toBe(5)
    loop.setDebug(false)
    expect(tracedCount(make(loop, 5))).toBe(0)
    const debug = newEventLoop({ traces: 2, debug: true })
    expect(tracedCount(make(debug, 5))).toBe(5)
    loop.close()
    debug.close()
  })

  it('counts nothing while trace capture is off', () => {
    const loop = newEventLoop({ traces: 2 })
    setTraceCapture(false)
    try {
      expect(make(loop, 3).map((handle) => handle._origin)).toEqual([undefined, undefined, undefined])
    } finally {
      setTraceCapture(true)
    }
    expect(tracedCount(make(loop, 3))).toBe(2)
    loop.close()
  })

  it('is lifted near loopLimit, so that a runaway past the budget is named at its line', async () => {
    const loop = newEventLoop({ loopLimit: 5000 })
    const again = (): void => {
      loop.callSoon(again) // site: runaway past the budget
    }
    loop.callSoon(again)
    const error = await rejection(loop.runUntilIdle())
    expect(error).toBeInstanceOf(LoopLimitError)
    expect((error as Error).message).toBe(
      `Aborting after running 5000 callbacks (loopLimit), assuming an infinite loop; the last was a callback created at ${printedSiteOf(import.meta.url, 'runaway past the budget')}:12`,
    )
    loop.close()
  })
})

describe('a report about work made past the budget', () => {
  const testSite = { fn: 't', file: '/x.test.ts', line: 3, column: 1, text: 't (/x.test.ts:3:1)' }
  const replay = 'replay: LOOP_NOW=2026-12-03T19:00:00.000Z vitest run x.test.ts -t "leaks"'

  it('gives its number and the replay command with full traces; the summary replays with full traces too', () => {
    const loop = newEventLoop({ traces: 1, name: 'the test loop' })
    loop.callLater(1000, function traced() {}) // site: traced leak
    loop.callLater(2000, function untraced() {})
    const findings = inspectLoop(loop._snapshot(), 'test')
    expect(findings.map((finding) => [finding.frames.length > 0, finding.untraced])).toEqual([
      [true, undefined],
      [false, 2],
    ])
    const [summary, traced, untraced] = buildReport(findings, testSite, loop, replay)
    expect(summary!.message).toBe(
      'test left 2 pending timers on its loop\nreplay: LOOP_TRACES=all LOOP_NOW=2026-12-03T19:00:00.000Z vitest run x.test.ts -t "leaks"',
    )
    expect(traced!.stack!.split('\n')[1]).toContain(`${siteOf(import.meta.url, 'traced leak')}:10`)
    expect(untraced!.message).toBe(
      'pending loop.callLater(2,000 ms, untraced) due at 2,000 ms of loop time (now 0 ms) on the test loop: clear it before the test ends, or unref() it if it may outlive the test\n' +
        'no creation trace: it was creation #2 of the test loop, past the ones a loop traces (option `traces`, default 1,000); ' +
        'to see its line, replay the test with full traces: LOOP_TRACES=all LOOP_NOW=2026-12-03T19:00:00.000Z vitest run x.test.ts -t "leaks"',
    )
    expect(untraced!.stack).toBe(`LeakError: ${untraced!.message}`)
    loop.close()
  })

  it('keeps the plain replay line when every finding has its trace', () => {
    const loop = newEventLoop({ traces: 1 })
    loop.callLater(1000, () => {})
    const [summary] = buildReport(inspectLoop(loop._snapshot(), 'test'), testSite, loop, replay)
    expect(summary!.message.split('\n')[1]).toBe(replay)
    loop.close()
  })

  it('says to run again with LOOP_TRACES=all when the report has no replay line (a warning)', () => {
    const loop = newEventLoop({ traces: 0 })
    loop.callLater(1000, () => {})
    const [, untraced] = buildReport(inspectLoop(loop._snapshot(), 'test'), testSite, loop)
    expect(untraced!.message.split('\n')[1]).toBe(
      `no creation trace: it was creation #1 of ${loop.name}, past the ones a loop traces (option \`traces\`, default 1,000); run the test again with LOOP_TRACES=all to see its line`,
    )
    loop.close()
  })
})

describe('LightRecord (the light record of a loop)', () => {
  const read = (record: LightRecord): { events: unknown[][]; dropped: number } => {
    const events: unknown[][] = []
    const dropped = record.read((code, time, subject, kind) => events.push([code, time, subject, kind]))
    return { events, dropped }
  }

  it('gives back what it noted, oldest first', () => {
    const record = new LightRecord()
    const a = {}
    const b = {}
    record.add(recordScheduled, 0, a, 'timeout')
    record.add(recordFired, 1.5, a, 'timeout')
    record.add(recordScheduled, 2, b, undefined)
    expect(read(record)).toEqual({
      events: [
        [recordScheduled, 0, a, 'timeout'],
        [recordFired, 1.5, a, 'timeout'],
        [recordScheduled, 2, b, undefined],
      ],
      dropped: 0,
    })
    expect(record.total).toBe(3)
    expect(read(new LightRecord())).toEqual({ events: [], dropped: 0 })
  })

  it("keeps a handle's origin and kind, never the handle (what a test is done with stays collectable); a traced one's Trace only at its scheduling", () => {
    const loop = newEventLoop({ ioProbe: () => false, traces: 1 })
    loop._setRecording(true)
    const traced = loop.callLater(1, () => {})
    const numbered = loop.callSoon(() => {})
    loop.runUntilIdleSync()
    const subjects: unknown[] = []
    ;(loop as unknown as { _s: { record: LightRecord } })._s.record.read((_code, _time, subject, kind) => subjects.push([subject, kind]))
    expect(subjects).toEqual([
      [traced._origin, 'timer'],
      [numbered._origin, 'callback'],
      [numbered._origin, 'callback'],
      [-1, 'timer'],
    ])
    expect(typeof traced._origin).toBe('object')
    expect(numbered._origin).toBe(2)
    loop.close()
  })

  it('keeps the newest 10,000 events, in order, and counts the dropped ones, however many it noted (across the first chunk growing)', () => {
    for (const total of [1, 8, 9, 1024, 1025, 9999, 10_000, 10_001, 11_264, 25_000, 100_003]) {
      const record = new LightRecord()
      const subject = {}
      for (let i = 0; i < total; i++) record.add(recordFired, i, subject, 'timeout')
      const { events, dropped } = read(record)
      const kept = Math.min(total, 10_000)
      expect(events.length).toBe(kept)
      expect(dropped).toBe(total - kept)
      expect(events[0]![1]).toBe(total - kept)
      expect(events.at(-1)![1]).toBe(total - 1)
      expect(events.every(([, time], i) => time === total - kept + i)).toBe(true)
      expect(record.total).toBe(total)
    }
  })
})
