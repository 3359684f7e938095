// The differential test: random timer programs run on real Node timers and on
// a loop give the same order of events, and on the loop every event runs at
// exactly the time its delays ask. `npm run test:differential` runs 10,000.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isUnambiguous, programs, show } from '../differential/program.ts'
import type { Action, Program } from '../differential/program.ts'
import { compare, order, runOnLoop } from '../differential/harness.ts'

const seed = 20_261_121
const runs = 1000
/** Spare programs, for those whose real runs a loaded host made late in every round. */
const spare = 20

describe('virtual timers against real Node timers', () => {
  it(`run ${runs} seeded random programs in the same order, each event at its nominal time`, { timeout: 120_000 }, async () => {
    const sample = fc.sample(programs.filter(isUnambiguous), { numRuns: runs + spare, seed })
    const report = await compare(sample, { quantum: 10, batchSize: 210 })
    const first = report.mismatches[0]
    expect(
      first && `program ${first.index} (seed ${seed}, G = ${first.quantum} ms):\n${show(first.program.main)}\nnode: ${first.node.join(' ')}\nloop: ${first.loop.join(' ')}`,
    ).toBeUndefined()
    expect(report.offTime).toEqual([])
    // A program late on real timers in every round is not compared; on a quiet host none is.
    // npm run test:differential lists them and fails on any.
    expect(report.unmeasured.length).toBeLessThanOrEqual(spare / 2)
    expect(report.compared).toBeGreaterThanOrEqual(runs)
  })
})

/** The polling shapes of issue 11 (part 1), written out: a poll waits, without logging its tries, for a timer made just before it. */
const t = (label: string, units: number, body: Action[] = []): Action => ({ kind: 'timeout', label, units, body })
const poll = (label: string, target: string, shape: 'immediate' | 'await', body: Action[] = []): Action => ({
  kind: 'poll',
  label,
  target,
  shape,
  body,
})
const polling: Record<string, Program> = {
  // The example: a scheduler's timer, a deadline the poll clears when it sees the timer.
  'a setImmediate poll under a deadline': {
    main: [t('t1', 3), t('t2', 5, [{ kind: 'immediate', label: 'm3', body: [] }]), poll('q4', 't1', 'immediate', [{ kind: 'clear', target: 't2', how: 'object' }])],
  },
  'an awaited setImmediate loop while a heartbeat ticks': {
    main: [
      { kind: 'interval', label: 'i1', units: 1, times: 3, body: [] },
      t('t2', 4),
      poll('q3', 't2', 'await', [{ kind: 'immediate', label: 'm4', body: [] }, t('t5', 1)]),
    ],
  },
  'a poll for the first tick of an interval': {
    main: [{ kind: 'interval', label: 'i1', units: 2, times: 2, body: [] }, poll('q2', 'i1', 'immediate', [t('t3', 1)])],
  },
  'two polls at once, one of each shape': {
    main: [t('t1', 2), poll('q2', 't1', 'immediate'), t('t3', 4, [t('t5', 1)]), poll('q4', 't3', 'await')],
  },
}

describe('polling loops against real Node timers', () => {
  it.each(Object.entries(polling))('%s: same order as Node, the poll at its timer\'s time, on both drivers', async (_name, program) => {
    expect(isUnambiguous(program)).toBe(true)
    // Each program twice: compare() drives even indexes with runUntilIdle(), odd ones with the auto pump.
    const report = await compare([program, program], { quantum: 10, batchSize: 2 })
    expect(report.mismatches).toEqual([])
    expect(report.offTime).toEqual([])
    expect(report.compared).toBe(2 - report.unmeasured.length)
  })

  it('gives the same times every run, the poll at exactly the time of the timer it waits for', async () => {
    const program = polling['an awaited setImmediate loop while a heartbeat ticks']!
    const runs = [await runOnLoop(program, 10, 'auto'), await runOnLoop(program, 10, 'auto'), await runOnLoop(program, 10, 'runUntilIdle')]
    const times = runs.map((run) => run.events.map((e) => `${e.name}@${e.at}`))
    expect(times[0]).toEqual(['i1#1@10', 'i1#2@20', 'i1#3@30', 't2@40', 'q3@40', 'm4@40', 't5@50'])
    expect(times[1]).toEqual(times[0])
    expect(times[2]).toEqual(times[0])
    expect(order(runs[0]!)).toEqual(['i1#1', 'i1#2', 'i1#3', 't2', 'q3', 'm4', 't5'])
  })
})
