// The `loop` fixture: the same loop as useLoop(), handed to the test.
import { expect } from 'vitest'
import { test } from 'vitest-loop'

test('a heartbeat every second, for a minute', async ({ loop }) => {
  let beats = 0
  const heartbeat = setInterval(() => beats++, 1000)
  await loop.sleep(60_500)
  clearInterval(heartbeat)
  expect(beats).toBe(60)
})
