// Debug mode's timeline: every event the loop goes through, stamped with loop
// time, in a bounded ring buffer, and nothing at all outside debug mode.
import { describe, expect, it } from 'vitest'
import { newEventLoop } from 'vitest-loop'
import { Timeline, handleLabel } from '../../src/loop/timeline.ts'
import type { TimelineEvent } from '../../src/loop/timeline.ts'

/** `time type label` lines: what a reader of the timeline sees, minus the sites. */
function lines(events: readonly TimelineEvent[]): string[] {
  return events.map((e) => {
    const what =
      e.type === 'time-jump'
        ? `${e.from} -> ${e.time}`
        : e.handle !== undefined
          ? `${handleLabel(e)}${e.task && !e.startsTask ? ` by ${e.task.name}` : ''}`
          : `Task '${e.task!.name}'`
    return `${e.time} ${e.type} ${what}`
  })
}

describe('the timeline', () => {
  it('records scheduling, firing, cancelling, tasks and time jumps at their loop times', async () => {
    const loop = newEventLoop({ debug: true, ioProbe: () => false })
    function tick(): void {}
    loop.callLater(1000, tick)
    loop.callLater(3000, tick).cancel()
    const task = loop.createTask(
      async () => {
        await loop.sleep(500)
        throw new Error('boom')
      },
      { name: 'worker' },
    )
    await loop.runUntilComplete(loop.sleep(2000))
    expect(task.exception()).toEqual(new Error('boom'))
    expect(lines(loop._timelineEvents()!.events)).toEqual([
      '0 scheduled loop.callLater(1,000 ms, tick)',
      '0 scheduled loop.callLater(3,000 ms, tick)',
      '0 cancelled loop.callLater(3,000 ms, tick)',
      "0 task-created Task 'worker'",
      '0 scheduled loop.callLater(2,000 ms, anonymous)',
      "0 fired start of Task 'worker'",
      '0 scheduled loop.callLater(500 ms, anonymous) by worker',
      '500 time-jump 0 -> 500',
      '500 fired loop.callLater(500 ms, anonymous) by worker',
      "500 task-failed Task 'worker'",
      '1000 time-jump 500 -> 1000',
      '1000 fired loop.callLater(1,000 ms, tick)',
      '2000 time-jump 1000 -> 2000',
      '2000 fired loop.callLater(2,000 ms, anonymous)',
    ])
    loop.close()
  })

  it('gives each fired callback its real duration, and a failed task its error', async () => {
    const loop = newEventLoop({ debug: true, ioProbe: () => false })
    loop.callSoon(() => {})
    const task = loop.createTask(() => Promise.reject(new Error('nope')))
    await loop.runUntilIdle()
    const events = loop._timelineEvents()!.events
    for (const fired of events.filter((e) => e.type === 'fired')) expect(fired.duration).toBeGreaterThanOrEqual(0)
    expect(events.find((e) => e.type === 'task-failed')?.error).toEqual(new Error('nope'))
    // Reading it for the timeline did not retrieve it: the sanitizer still reports it.
    expect(loop._snapshot().unretrieved).toEqual([task])
    loop.close()
  })

  it('records nothing outside debug mode, and stops (keeping what it has) when debug mode is turned off', async () => {
    const off = newEventLoop({ debug: false })
    off.callSoon(() => {})
    off.runUntilIdleSync()
    expect(off._timelineEvents()).toBeUndefined()
    off.close()

    const loop = newEventLoop({ debug: true })
    loop.callSoon(() => {})
    loop.setDebug(false)
    loop.callSoon(() => {})
    loop.runUntilIdleSync()
    expect(lines(loop._timelineEvents()!.events)).toEqual(['0 scheduled loop.callSoon(anonymous)'])
    loop.close()
  })

  it('ends with the jump to the loop time when time moved after the last event', async () => {
    const loop = newEventLoop({ debug: true })
    await loop.advance(250)
    expect(lines(loop._timelineEvents()!.events)).toEqual(['250 time-jump 0 -> 250'])
    loop.close()
  })
})

describe('Timeline', () => {
  it('keeps the newest events up to its capacity, oldest first, and counts the dropped ones', () => {
    const loop = newEventLoop()
    const timeline = new Timeline(0, 3)
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((name) => loop.createTask<unknown>(Promise.resolve(), { name }))
    for (const task of tasks) timeline.taskCreated(0, task)
    expect(timeline.events().map((e) => e.task!.name)).toEqual(['c', 'd', 'e'])
    expect(timeline.total).toBe(5)
    timeline.taskCreated(0, tasks[0]!)
    expect(timeline.events().map((e) => e.task!.name)).toEqual(['d', 'e', 'a'])
    loop.close()
  })
})
