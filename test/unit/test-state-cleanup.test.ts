// What a test's state lets go of when the test ends (TestState.cleanUp and
// release, called by the setup file's finish after the report is made).
import type { RunnerTestCase } from 'vitest'
import { describe, expect, it } from 'vitest'
import { TestState } from '../../src/vitest/test-state.ts'

function testState(): TestState {
  const task = { name: 'a test', file: { filepath: 'a.test.ts' }, context: {} } as unknown as RunnerTestCase
  return new TestState(task, {}, false)
}

describe('TestState.cleanUp', () => {
  it("drops the loop's light record once the report has read it: a loop kept past its test holds no traces or tasks through it", () => {
    const state = testState()
    const loop = state.ensureLoop()
    loop.setTimeFlow('manual')
    loop.callLater(10, () => {})
    loop.advanceSync(10)
    const kept = loop.callLater(20, () => {})
    expect(loop._recordedEvents()?.events.length).toBeGreaterThan(0)

    state.cleanUp()

    expect(loop.isClosed()).toBe(true)
    expect(kept.cancelled).toBe(true)
    expect(loop._recordedEvents()).toBeUndefined()
  })

  it('release lets go of the loop itself', () => {
    const state = testState()
    state.ensureLoop()
    state.cleanUp()
    state.release()
    expect(state.loop).toBeUndefined()
  })
})
