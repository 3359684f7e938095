// getEventLoop() is the test's loop; newEventLoop() makes one the test must close.
import { expect, it } from 'vitest'
import { getEventLoop, newEventLoop, useLoop } from 'vitest-loop'

it('getEventLoop() returns the same loop every time: the test\'s', () => {
  expect(getEventLoop()).toBe(getEventLoop())
  expect(getEventLoop()).toBe(useLoop())
})

it('newEventLoop() returns a fresh loop, which the test closes', async () => {
  using loop = newEventLoop()
  expect(loop).not.toBe(getEventLoop())
  const value = await loop.runUntilComplete(loop.sleep(1000, 'slept'))
  expect(value).toBe('slept')
  expect(loop.time()).toBe(1000)
})
