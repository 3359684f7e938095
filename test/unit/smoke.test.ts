import { describe, expect, it } from 'vitest'
import { run, getRunningLoop } from 'vitest-loop'

describe('run', () => {
  it('runs main on virtual time and returns its value', async () => {
    const result = await run(async () => {
      const loop = getRunningLoop()
      await loop.sleep(30_000)
      return loop.time()
    })
    expect(result).toBe(30_000)
  })
})
