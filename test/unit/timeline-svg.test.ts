// The picture of a loop's timeline (src/check/timeline-svg.ts): a standalone
// SVG, read back here as XML, with a lane per task and per scheduling line,
// pending work labelled with its file:line, and bounded at 10,000 events.
// The events come from the light record a loop keeps outside debug mode.
import { describe, expect, it } from 'vitest'
import { newEventLoop, setTraceCapture } from 'vitest-loop'
import type { EventLoop } from 'vitest-loop'
import { maxLanes, timelineSvg } from '../../src/check/timeline-svg.ts'
import { allElements, parseXml } from '../helpers/xml.ts'
import type { XmlElement } from '../helpers/xml.ts'
import { printedSiteOf } from '../helpers/site.ts'

const startInstant = Date.UTC(2026, 0, 2, 3, 4, 5)

function picture(loop: EventLoop, title = 'polls until ready'): string {
  const recorded = loop._recordedEvents()!
  const snapshot = loop._snapshot()
  return timelineSvg({
    events: recorded.events,
    dropped: recorded.dropped,
    end: loop.time(),
    pending: snapshot.handles,
    pendingTasks: snapshot.tasks,
    startInstant,
    title,
    loopName: loop.name,
  })
}

const texts = (root: XmlElement): string[] => allElements(root).filter((e) => e.name === 'text').map((e) => e.text)

describe('timelineSvg', () => {
  it('draws a lane per task and per scheduling line, with pending work labelled at its file:line', async () => {
    const loop = newEventLoop({ ioProbe: () => false })
    loop._setRecording(true)
    for (let i = 0; i < 3; i++) loop.callLater(100 * (i + 1), () => {}) // site: fired
    loop.callLater(5000, () => {}).cancel() // site: cancelled
    loop.callLater(60_000, () => {}) // site: pending
    const worker = loop.createTask(async () => { await loop.sleep(250) }, { name: 'worker' }) // site: task
    loop.createTask(() => new Promise(() => {}), { name: 'stuck' }) // site: stuck
    await loop.advance(1000)
    expect(worker.done()).toBe(true)

    const svg = picture(loop)
    const root = parseXml(svg)
    expect(root.name).toBe('svg')
    expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg')
    const all = texts(root)
    expect(all).toContain('polls until ready')
    // Long paths lose their folders first: `…/timeline-svg.test.ts:37:56`.
    const lane = (marker: string): string | undefined => {
      const line = printedSiteOf(import.meta.url, marker).split('/').pop()!
      return all.find((t) => t.includes(`/${line}:`))
    }
    expect(lane('fired')).toMatch(/^callLater (test\/unit|…)\/timeline-svg\.test\.ts:\d+:\d+$/)
    expect(lane('cancelled')).toMatch(/^callLater .*:\d+:\d+$/)
    expect(lane('pending')).toMatch(/^callLater .*:\d+:\d+ \(1 pending\)$/)
    expect(lane('task')).toMatch(/^Task 'worker' .*:\d+:\d+$/)
    expect(lane('stuck')).toMatch(/^Task 'stuck' .*:\d+:\d+ \(1 pending\)$/)
    // The start instant and the end.
    expect(all).toContain('end 1 s')
    expect(all).toContain('start: 2026-01-02T03:04:05.000Z (loop time 0 ms)')
    expect(all).toContain('end: 2026-01-02T03:04:06.000Z (loop time 1 s)')
    // Pending work is drawn in its own colour, from where it was scheduled to the end.
    const red = allElements(root).filter((e) => e.name === 'rect' && e.attributes.fill === '#cf222e' && e.attributes.y !== '-8')
    expect(red).toHaveLength(2)
    // Stands alone: no script, no link, no font to fetch.
    expect(svg).not.toMatch(/<script|href=|@import|@font-face|url\(/)
    loop.close()
  })

  it("draws the same lanes from debug mode's timeline as from the light record, and a task's start on its task's lane", async () => {
    const scenario = async (loop: EventLoop): Promise<string[]> => {
      loop.callLater(100, () => {})
      loop.callLater(60_000, () => {})
      loop.createTask(async () => { await loop.sleep(250) }, { name: 'worker' })
      loop.createTask(() => new Promise(() => {}), { name: 'stuck' })
      await loop.advance(1000)
      const lanes = texts(parseXml(picture(loop))).filter((t) => /^(callLater|callSoon|Task) /.test(t))
      loop.close()
      return lanes.sort()
    }
    const light = newEventLoop({ ioProbe: () => false })
    light._setRecording(true)
    const debug = newEventLoop({ ioProbe: () => false })
    debug.setDebug(true)
    const fromRecord = await scenario(light)
    // Two tasks, the two callLater lines and the worker's sleep; no callSoon lane for a task's first step.
    expect(fromRecord).toHaveLength(5)
    expect(fromRecord.filter((t) => t.startsWith('Task '))).toHaveLength(2)
    expect(fromRecord.filter((t) => t.startsWith('callSoon'))).toEqual([])
    expect(await scenario(debug)).toEqual(fromRecord)
  })

  it('marks scheduled, fired and cancelled work on the lane of its line', async () => {
    const loop = newEventLoop({ ioProbe: () => false })
    loop._setRecording(true)
    loop.callLater(10, () => {}) // site: one
    loop.callLater(20, () => {}).cancel() // site: two
    await loop.advance(100)
    const root = parseXml(picture(loop))
    const paths = allElements(root).filter((e) => e.name === 'path' && e.attributes.d !== undefined)
    // Outside the legend (drawn under the axis, in its own groups): the marks, by colour.
    const marks = paths.filter((p) => p.attributes.stroke !== undefined && !p.attributes.d!.startsWith('M0 ') && !p.attributes.d!.startsWith('M-3 '))
    const byColour: Record<string, number> = {}
    for (const p of marks) byColour[p.attributes.stroke!] = (byColour[p.attributes.stroke!] ?? 0) + p.attributes.d!.match(/M/g)!.length
    expect(byColour).toEqual({ '#0969da': 2, '#1a7f37': 1, '#6e7781': 1 }) // 2 scheduled, 1 fired, 1 cancelled
    loop.close()
  })

  it('folds lanes past the limit into one that counts them, and stays under 100 kB at 10,000 events', async () => {
    // 6,800 timers: past the default trace budget, so every one traced to keep its line's lane.
    const loop = newEventLoop({ ioProbe: () => false, loopLimit: 1_000_000, traces: 'all' })
    loop._setRecording(true)
    // 60 distinct scheduling lines, through generated functions (each its own site).
    const schedulers = Array.from({ length: 60 }, (_, i) =>
      new Function('loop', `return function line${i}(delay) {\n${'\n'.repeat(i)}return loop.callLater(delay, () => {}) }`)(loop) as (d: number) => void,
    )
    for (let i = 0; i < 3400; i++) schedulers[i % 60]!(i * 5)
    await loop.advance(20_000)
    const recorded = loop._recordedEvents()!
    expect(recorded.events.length + recorded.dropped).toBeGreaterThanOrEqual(6800)
    for (let i = 0; i < 3400; i++) schedulers[i % 60]!(i)
    const svg = picture(loop, 'busy')
    expect(loop._recordedEvents()!.events.length).toBe(10_000)
    expect(svg.length).toBeLessThanOrEqual(100_000)
    const all = texts(parseXml(svg))
    const lanes = all.filter((t) => t.startsWith('callLater '))
    expect(lanes).toHaveLength(maxLanes - 1)
    // 10,200 events: the 200 oldest schedulings fell out of the record, so
    // their firings are drawn in one more lane, that says so (folded here:
    // lanes with pending work come first).
    expect(all.find((t) => t.startsWith(`${60 - (maxLanes - 1) + 1} more lanes (`))).toMatch(/^38 more lanes \([\d,]+ events\)$/)
    loop.close()
  })

  it("draws a firing whose scheduling fell out of the record in a lane that says so, and a kept one in its line's lane", async () => {
    const loop = newEventLoop({ ioProbe: () => false, loopLimit: 1_000_000 })
    loop._setRecording(true)
    loop.callLater(50_000, () => {}) // site: early
    // 10,000 events that push the early timer's scheduling out of the record (untraced: a lane of their own).
    setTraceCapture(false)
    try {
      for (let i = 0; i < 5000; i++) loop.callSoon(() => {})
    } finally {
      setTraceCapture(true)
    }
    await loop.advance(10)
    loop.callLater(1, () => {}) // site: late
    await loop.advance(100_000)
    const recorded = loop._recordedEvents()!
    expect(recorded.dropped).toBe(4) // the early scheduling and three of the callSoons'
    // Neither firing held a Trace in the record: the late one's is found again by its scheduling; the early one's is gone.
    const fired = recorded.events.filter((e) => e.type === 'fired' && e.kind === 'timer')
    expect(fired.map((e) => e.siteDropped ?? false)).toEqual([false, true])
    expect(fired[0]!.origin).toMatchObject({ _n: 2 })
    expect(fired[1]!.origin).toBe(1)
    const lanes = texts(parseXml(picture(loop))).filter((t) => t.startsWith('callLater '))
    const line = printedSiteOf(import.meta.url, 'late').split('/').pop()!
    expect(lanes).toHaveLength(2)
    expect(lanes).toContain('callLater scheduled before the first event kept')
    expect(lanes.find((t) => t !== 'callLater scheduled before the first event kept')).toMatch(new RegExp(`/${line.replaceAll('.', '\\.')}:\\d+$`))
    loop.close()
  })

  it('says so when nothing was scheduled', () => {
    const loop = newEventLoop()
    loop._setRecording(true)
    const all = texts(parseXml(picture(loop, 'idle')))
    expect(all).toContain('nothing was scheduled on this loop')
    loop.close()
  })
})

describe('the XML check used here', () => {
  it('rejects what is not well-formed', () => {
    expect(() => parseXml('<svg><g></svg>')).toThrow(SyntaxError)
    expect(() => parseXml('<svg a="1" a="2"/>')).toThrow(/repeated/)
    expect(() => parseXml('<svg>a & b</svg>')).toThrow(/entity/)
    expect(() => parseXml('<svg x=1/>')).toThrow(SyntaxError)
    expect(() => parseXml('<a/><b/>')).toThrow(/after the root/)
    expect(parseXml('<?xml version="1.0"?><a b="&lt;&#65;">t&amp;<c/></a>')).toEqual({
      name: 'a',
      attributes: { b: '<A' },
      children: [{ name: 'c', attributes: {}, children: [], text: '' }],
      text: 't&',
    })
  })
})
