// This suite runs without the setup file: useLoop() must say how to set vitest-loop up.
import { describe, expect, it } from 'vitest'
import { NoCurrentLoopError, useLoop, useRealTime } from 'vitest-loop'

describe('useLoop', () => {
  it('names the missing setup when vitest-loop is not configured', () => {
    expect(() => useLoop()).toThrow(NoCurrentLoopError)
    expect(() => useLoop()).toThrow(
      "useLoop() needs vitest-loop set up: add loopPlugin() from 'vitest-loop/plugin' to the plugins of vitest.config.ts, or 'vitest-loop/setup' to test.setupFiles",
    )
  })
})

describe('useRealTime', () => {
  it('names the missing setup too', () => {
    expect(() => useRealTime()).toThrow(/^useRealTime\(\) needs vitest-loop set up/)
  })
})
