// loop.exportTrace(path): debug mode's timeline as a Chrome trace that
// Perfetto opens: trace-event fields, one track per task, loop time in µs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidStateError, newEventLoop } from 'vitest-loop'
import { chromeTrace } from '../../src/loop/chrome-trace.ts'
import { expectError, thrown } from '../helpers/errors.ts'

interface TraceEvent {
  name: string
  ph: string
  ts: number
  pid: number
  tid: number
  dur?: number
  s?: string
  args?: Record<string, unknown>
}

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempFile(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vitest-loop-trace-'))
  dirs.push(dir)
  return path.join(dir, 'nested', name)
}

async function tracedRun(): Promise<{ events: TraceEvent[]; loopId: number }> {
  const loop = newEventLoop({ debug: true, ioProbe: () => false })
  const poller = loop.createTask(
    async () => {
      for (let i = 0; i < 3; i++) await loop.sleep(1000)
    },
    { name: 'poller' },
  )
  const worker = loop.createTask(
    async () => {
      await loop.sleep(1500)
      throw new Error('worker failed')
    },
    { name: 'worker' },
  )
  loop.callLater(250, function outside() {})
  await loop.runUntilComplete(poller)
  expect(worker.exception()).toEqual(new Error('worker failed'))
  const file = tempFile('trace.json')
  loop.exportTrace(file)
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[]; displayTimeUnit: string }
  expect(parsed.displayTimeUnit).toBe('ms')
  loop.close()
  return { events: parsed.traceEvents, loopId: loop.id }
}

describe('exportTrace', () => {
  it('writes JSON trace events with ph, ts, pid, tid and name, on one process', async () => {
    const { events, loopId } = await tracedRun()
    expect(events.length).toBeGreaterThan(10)
    for (const event of events) {
      expect(event).toMatchObject({ name: expect.any(String), ph: expect.stringMatching(/^[XiM]$/), ts: expect.any(Number), pid: loopId, tid: expect.any(Number) })
      if (event.ph === 'X') expect(event.dur).toBeGreaterThanOrEqual(0)
      if (event.ph === 'i') expect(['t', 'p']).toContain(event.s)
    }
  })

  it('gives each task its own track, named after it, with a span from its creation to its end in µs of loop time', async () => {
    const { events } = await tracedRun()
    const names = new Map(events.filter((e) => e.name === 'thread_name').map((e) => [e.tid, e.args!.name]))
    expect(names).toEqual(new Map([[0, 'loop (outside tasks)'], [1, "Task 'poller'"], [2, "Task 'worker'"]]))
    const spans = events.filter((e) => e.ph === 'X' && e.name.startsWith('Task '))
    expect(spans.map((e) => [e.name, e.tid, e.ts, e.dur, e.args!.state])).toEqual([
      ["Task 'poller'", 1, 0, 3_000_000, 'done'],
      ["Task 'worker'", 2, 0, 1_500_000, 'failed'],
    ])
    // each task's timers fire on its own track; work outside tasks on track 0
    const fired = events.filter((e) => e.ph === 'X' && !e.name.startsWith('Task ')).map((e) => [e.tid, e.ts, e.name])
    expect(fired).toEqual([
      [1, 0, "start of Task 'poller'"],
      [2, 0, "start of Task 'worker'"],
      [0, 250_000, 'loop.callLater(250 ms, outside)'],
      [1, 1_000_000, 'loop.callLater(1,000 ms, anonymous)'],
      [2, 1_500_000, 'loop.callLater(1,500 ms, anonymous)'],
      [1, 2_000_000, 'loop.callLater(1,000 ms, anonymous)'],
      [1, 3_000_000, 'loop.callLater(1,000 ms, anonymous)'],
    ])
    expect(events.filter((e) => e.name.startsWith('time jump')).map((e) => e.ts)).toEqual([250_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000])
    expect(events.find((e) => e.name.includes('failed'))).toMatchObject({ name: "Task 'worker' failed: Error: worker failed", ph: 'i', tid: 2, ts: 1_500_000 })
  })

  it('shows a task the timeline saw pending as pending, even if it was cancelled after (a test cleaning up)', () => {
    const loop = newEventLoop({ debug: true })
    const task = loop.createTask(() => new Promise(() => {}), { name: 'stuck' })
    loop.runUntilIdleSync()
    const { events } = loop._timelineEvents()!
    task.cancel()
    const span = chromeTrace(events, loop.name, loop.id, loop.time()).traceEvents.find((e) => e.name === "Task 'stuck'")
    expect(span).toMatchObject({ ph: 'X', ts: 0, dur: 0, args: { state: 'pending' } })
    loop.close()
  })

  it('refuses a loop that was never in debug mode, naming how to turn it on, and a bad path', () => {
    const loop = newEventLoop({ debug: false })
    expectError(
      thrown(() => loop.exportTrace(tempFile('never.json'))),
      InvalidStateError,
      `${loop.name} has no timeline to export: debug mode was never on. Turn it on before the events to trace, with loop.setDebug(true), the option \`debug: true\` or LOOP_DEBUG=1`,
    )
    expectError(thrown(() => loop.exportTrace('' as string)), TypeError, 'Expected `path` to be a non-empty string, got `\'\'` (string)')
    loop.close()
  })
})
